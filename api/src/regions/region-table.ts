/**
 * The region configuration the balancer routes by, as the gateway sees it at one moment: the
 * known regions, the weights `W[caller][target]` and the drained regions. `RegionConfig` keeps
 * the latest table, fed by a watch on the KV bucket `dispatch_config` (keys `weights.<caller>`,
 * `drain.<region>`), so a change made by `dispatch regions` or the admin API applies live.
 */
import { Context, type Effect, type Stream } from "effect"
import type { RateLimit } from "../ratelimit/token-bucket.ts"
import { DEFAULT_LIMIT_SCOPE } from "./region-values.ts"

export interface RegionTable {
  /** Every region a request may name (`x-region`) or be routed to. */
  readonly regions: ReadonlyArray<string>
  /** caller region -> target region -> weight (finite, >= 0; not all zero for a caller). */
  readonly weights: ReadonlyMap<string, ReadonlyMap<string, number>>
  /** Regions that receive no new traffic until undrained. */
  readonly drained: ReadonlySet<string>
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

export class RegionConfig extends Context.Service<RegionConfig, {
  /** The latest applied table (never blocks). */
  readonly current: Effect.Effect<RegionTable>
  /** Every table applied from now on, the current one first. */
  readonly changes: Stream.Stream<RegionTable>
}>()("dispatch/RegionConfig") {}
