/**
 * A small real scenario for the simulator's tests: the first trips of the shipped SF sample in
 * the shipped `sf` market, replayed with every model on unless a test says otherwise.
 */
import { type Eta, loadMarketCatalog, type Market, type Policy, type PolicyName, SHIPPED_MARKET_FILES } from "#engine"
import { Effect, Stream } from "effect"
import { fileURLToPath } from "node:url"
import { defaultHeuristicSettings } from "../../src/fleet/repositioning.ts"
import { marketEta } from "../../src/scenario/inputs.ts"
import { replaySettings } from "../../src/runner/defaults.ts"
import { replay, scanDemand, type ReplayResult, type ReplaySettings, type TripSource } from "../../src/runner/replay.ts"
import type { SimEvent } from "../../src/events/sim-events.ts"
import { readTripCsv } from "../../src/trips/trip-csv.ts"
import type { TripFileError } from "../../src/trips/errors.ts"

export const SF_SAMPLE = fileURLToPath(new URL("../../scenarios/sf-sample/trips.csv", import.meta.url))

export const loadSf = Effect.gen(function*() {
  const catalog = yield* loadMarketCatalog(SHIPPED_MARKET_FILES)
  const market = catalog.get("sf")!
  return { catalog, market, eta: yield* marketEta(market) }
})

/** The first `trips` trips of the sample. */
export const sampleSource = (trips: number) =>
  Effect.gen(function*() {
    const { catalog } = yield* loadSf
    const csv = yield* readTripCsv(SF_SAMPLE, { market: { catalog, marketId: "sf" } })
    return { name: "sf-sample", trips: Stream.take(csv.trips, trips) } satisfies TripSource<TripFileError>
  })

/** Every model on: declines, repositioning, shifts, a short patience so that riders cancel. */
export const busySettings = (market: Market, eta: Eta, policy: PolicyName | Policy, overrides: Partial<ReplaySettings> = {}): ReplaySettings =>
  replaySettings(market, eta, policy, {
    drivers: 60,
    declineProbability: 0.2,
    reposition: defaultHeuristicSettings,
    shiftHours: 3,
    patience: { kind: "lognormal", median: 60, sigma: 0.8 },
    ...overrides
  })

export interface RecordedRun extends ReplayResult {
  readonly events: ReadonlyArray<SimEvent>
  readonly settings: ReplaySettings
}

/** Runs the scenario and keeps every event. */
export const runRecorded = (trips: number, policy: PolicyName | Policy, overrides: Partial<ReplaySettings> = {}) =>
  Effect.gen(function*() {
    const { market, eta } = yield* loadSf
    const source = yield* sampleSource(trips)
    const events: Array<SimEvent> = []
    const settings = busySettings(market, eta, policy, { observer: (e) => events.push(e), ...overrides })
    const scan = yield* scanDemand(source, settings)
    const result = yield* replay(source, settings, scan)
    return { ...result, events, settings } satisfies RecordedRun
  })
