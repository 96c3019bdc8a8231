/**
 * The region configuration the balancer routes by, as the gateway sees it at one moment: the
 * known regions, the weights `W[caller][target]`, the drained regions, the lane shares and the
 * rate limits. `RegionConfig` keeps the latest table, fed by a watch on the KV bucket
 * `dispatch_config` (keys `weights.<caller>`, `drain.<region>`, `lanes.<caller>`,
 * `limits.<region>`), so a change made by `dispatch regions` or the admin API applies live.
 */
import { Context, type Effect, type Stream } from "effect"
import { MAIN_LANE } from "#engine"
import type { RateLimit } from "../ratelimit/token-bucket.ts"
import { DEFAULT_LIMIT_SCOPE } from "./region-values.ts"

export interface RegionTable {
  /** Every region a request may name (`x-region`) or be routed to. */
  readonly regions: ReadonlyArray<string>
  /** caller region -> target region -> weight (finite, >= 0; not all zero for a caller). */
  readonly weights: ReadonlyMap<string, ReadonlyMap<string, number>>
  /** Regions that receive no new traffic until undrained. */
  readonly drained: ReadonlySet<string>
  /** caller region -> lane -> percent of its requests without a lane header that take the lane (sum <= 100). */
  readonly lanes: ReadonlyMap<string, ReadonlyMap<string, number>>
  /**
   * Rate limits per caller: region (or "default", every region without its own) -> limit.
   * Absent or empty: nothing is limited.
   */
  readonly limits?: ReadonlyMap<string, RateLimit>
}

/** The limit each caller has towards `region`: its own, else the default, else none. */
export const limitOf = (table: RegionTable, region: string): RateLimit | undefined =>
  table.limits === undefined ? undefined : (table.limits.get(region) ?? table.limits.get(DEFAULT_LIMIT_SCOPE))

/**
 * Without a `weights.<caller>` key a caller keeps its traffic at home: weight 1 for itself,
 * 0 for every other region.
 */
export const weightsOf = (table: RegionTable, caller: string): ReadonlyMap<string, number> =>
  table.weights.get(caller) ?? new Map([[caller, 1]])

/** Whether `x-dispatch-lane` may name `lane`: main, or a lane some caller's shares name (0 % included). */
export const isKnownLane = (table: RegionTable, lane: string): boolean => {
  if (lane === MAIN_LANE) return true
  for (const shares of table.lanes.values()) if (shares.has(lane)) return true
  return false
}

/** Every lane the table knows, main first. */
export const knownLanes = (table: RegionTable): ReadonlyArray<string> =>
  [MAIN_LANE, ...new Set([...table.lanes.values()].flatMap((shares) => [...shares.keys()]))]

/**
 * The lane of a request from `caller` that names none: drawn by the caller's shares with `u` in
 * [0, 1) (percentages laid out in insertion order; the rest is main). No shares: main, no draw.
 */
export const drawLane = (table: RegionTable, caller: string, random: () => number): string => {
  const shares = table.lanes.get(caller)
  if (shares === undefined) return MAIN_LANE
  let at = random() * 100
  for (const [lane, percent] of shares) {
    if (at < percent) return lane
    at -= percent
  }
  return MAIN_LANE
}

export class RegionConfig extends Context.Service<RegionConfig, {
  /** The latest applied table (never blocks). */
  readonly current: Effect.Effect<RegionTable>
  /** Every table applied from now on, the current one first. */
  readonly changes: Stream.Stream<RegionTable>
}>()("dispatch/RegionConfig") {}
