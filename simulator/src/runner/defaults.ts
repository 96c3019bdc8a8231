/**
 * The simulator's defaults, each with its unit and where it comes from, and the one place that
 * turns a market plus a few choices into complete `ReplaySettings` (the CLI, the tests and the
 * benchmark all start here).
 */
import { DEFAULT_ETA_PARAMETERS, defaultDispatchSettings, type Eta, type Market, type Policy, type PolicyName } from "#engine"
import { Result } from "effect"
import { DEFAULT_PATIENCE_SPEC, parsePatience } from "../riders/patience.ts"
import type { ReplaySettings } from "./replay.ts"

/**
 * Drivers when none are given: the SF sample evening (6,756 trips in 5 h, ~9 min rides) keeps
 * about 300 drivers busy on average, so 400 serve most of it and strain at the peak. The
 * cabspotting fleet had ~536 cabs, not all on duty.
 */
export const DEFAULT_DRIVERS = 400
export const DEFAULT_SEED = 1
/**
 * The engine's wait limit per order (`maxWaitMs`), ms: 5 minutes, a ride app's search timeout
 * (a modelling choice). Riders' own patience (riders/patience.ts) usually ends the wait first.
 */
export const DEFAULT_MAX_WAIT_MS = 300_000
/** Share of offers a driver declines: 0, so a run measures the policy alone. */
export const DEFAULT_DECLINE_PROBABILITY = 0
/** Time a declining driver takes to answer, ms: ride apps show an offer for ~15 s. */
export const DEFAULT_DECLINE_RESPONSE_MS = 10_000
/**
 * Repositioning drivers publish their position this often, ms (state changes are published at
 * once). Driver apps send GPS every few seconds; 30 s keeps a month's replay fast while a
 * repositioning driver's indexed position is never more than ~200 m stale.
 */
export const DEFAULT_PUBLISH_INTERVAL_MS = 30_000
/** Real-time clock speed factor when none is given: one simulated minute per wall second. */
export const DEFAULT_REALTIME_SPEED = 60

/**
 * Settings with every default, for `market` and `policy`; `overrides` replace any of them.
 * `eta` is the market's model as the engine's `EtaModel` gives it (`marketEta` in
 * cli/inputs.ts): roads when the market file has them, so that the simulator times pickups and
 * trips as the engine it stands in for would.
 */
export const replaySettings = (market: Market, eta: Eta, policy: PolicyName | Policy, overrides: Partial<ReplaySettings> = {}): ReplaySettings => {
  return {
    market,
    eta,
    roadFactor: (market.eta ?? DEFAULT_ETA_PARAMETERS).roadFactor,
    dispatch: defaultDispatchSettings(policy),
    drivers: DEFAULT_DRIVERS,
    placedDrivers: undefined,
    seed: DEFAULT_SEED,
    maxWaitMs: DEFAULT_MAX_WAIT_MS,
    patience: Result.getOrThrow(parsePatience(DEFAULT_PATIENCE_SPEC)),
    declineProbability: DEFAULT_DECLINE_PROBABILITY,
    declineResponseMs: DEFAULT_DECLINE_RESPONSE_MS,
    publishIntervalMs: DEFAULT_PUBLISH_INTERVAL_MS,
    reposition: undefined,
    shiftHours: undefined,
    from: undefined,
    to: undefined,
    mapResolution: market.h3Resolution,
    clock: { kind: "virtual" },
    progress: undefined,
    describe: {},
    observer: undefined,
    ...overrides
  }
}
