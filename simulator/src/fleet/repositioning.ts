/**
 * Idle repositioning, optional (`--reposition`): idle drivers drive toward demand, and stay
 * available (and matchable) on the way. Two methods (`--reposition-method`): this file's
 * per-driver heuristic, and the fleet-wide rebalancing of rebalancing.ts.
 *
 * The heuristic: a driver left idle for a while picks a target on its own.
 * Where to: of a few pickups sampled from this local hour's demand (demand-sample.ts), the
 * nearest to the driver (by great circle); it drives toward it, but at most `maxMeters`: of road
 * along the street route in a market with roads (motion.ts), of great circle otherwise
 * (leg-path.ts). A driver already within `minMeters` (great circle) of it stays put. Nearest-of-k drifts drivers toward dense
 * demand near them without sending the whole fleet downtown: a simple rule, in the spirit of
 * the rebalancing heuristics of AMoDeus and FleetPy, not an optimiser.
 */
import { distanceMeters, type LatLng, type LocalHour } from "#engine"
import type { DemandSample } from "./demand-sample.ts"
import type { RebalanceSettings } from "./rebalancing.ts"
import type { SeededRandom } from "../trips/random.ts"

/** Idle time before a driver repositions, ms: 5 minutes (a modelling choice). */
export const DEFAULT_REPOSITION_AFTER_MS = 300_000
/** A target nearer than this is not worth a move, metres. */
export const DEFAULT_REPOSITION_MIN_METERS = 500
/** Longest reposition drive, metres (of road on streets, of great circle without): about 8 minutes at the day's mean speed. */
export const DEFAULT_REPOSITION_MAX_METERS = 3_000
/** Pickups sampled per decision; the nearest wins. */
export const REPOSITION_CANDIDATES = 4

export const REPOSITION_METHODS = ["heuristic", "rebalance"] as const
export type RepositionMethod = (typeof REPOSITION_METHODS)[number]

/**
 * The method `--reposition` uses when none is named: rebalance, which on the SF month matched
 * more riders than the heuristic at 250 and 500 drivers and drove 13% and 49% fewer empty km
 * (docs/performance.md, "Repositioning: rebalance against the heuristic").
 */
export const DEFAULT_REPOSITION_METHOD: RepositionMethod = "rebalance"

export type RepositionSettings = HeuristicRepositionSettings | RebalanceSettings

export interface HeuristicRepositionSettings {
  readonly method: "heuristic"
  readonly afterMs: number
  readonly minMeters: number
  readonly maxMeters: number
}

export const defaultHeuristicSettings: HeuristicRepositionSettings = {
  method: "heuristic",
  afterMs: DEFAULT_REPOSITION_AFTER_MS,
  minMeters: DEFAULT_REPOSITION_MIN_METERS,
  maxMeters: DEFAULT_REPOSITION_MAX_METERS
}

/** Where a driver at `from` should reposition toward at `at` (the leg stops after `maxMeters`), or undefined to stay. */
export const repositionTarget = (
  from: LatLng,
  at: number,
  demand: DemandSample,
  localHour: LocalHour,
  settings: HeuristicRepositionSettings,
  random: SeededRandom
): LatLng | undefined => {
  const points = demand.pickupsInHour(localHour.hourOf(at))
  if (points.length === 0) return undefined
  let best: LatLng | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (let i = 0; i < REPOSITION_CANDIDATES; i++) {
    const p = points[Math.floor(random.next() * points.length)]!
    const d = distanceMeters(from.lat, from.lng, p.lat, p.lng)
    if (d < bestDistance) {
      best = p
      bestDistance = d
    }
  }
  return best === undefined || bestDistance < settings.minMeters ? undefined : best
}
