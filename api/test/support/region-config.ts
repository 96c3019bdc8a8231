/**
 * `RegionConfig` from memory, for tests: a table the test sets and changes at will (what the
 * KV-fed layer does on a watch event), so routing tests need no `dispatch_config` bucket.
 */
import { Effect, Layer, SubscriptionRef } from "effect"
import { RegionConfig, type RegionTable } from "../../src/regions/region-table.ts"

export interface RegionConfigHandle {
  readonly layer: Layer.Layer<RegionConfig>
  readonly set: (table: RegionTable) => Promise<void>
}

const mapsOf = (byCaller: Record<string, Record<string, number>>) => new Map(Object.entries(byCaller).map(([caller, m]) => [caller, new Map(Object.entries(m))]))

export const tableOf = (
  regions: ReadonlyArray<string>,
  weights: Record<string, Record<string, number>> = {},
  drained: ReadonlyArray<string> = [],
  lanes: Record<string, Record<string, number>> = {}
): RegionTable => ({ regions, weights: mapsOf(weights), drained: new Set(drained), lanes: mapsOf(lanes) })

/** A fixed-then-settable table; `set` applies to the very next request. */
export const makeRegionConfig = (initial: RegionTable): RegionConfigHandle => {
  const ref = Effect.runSync(SubscriptionRef.make(initial))
  return {
    layer: Layer.succeed(RegionConfig, { current: SubscriptionRef.get(ref), changes: SubscriptionRef.changes(ref) }),
    set: (table) => Effect.runPromise(SubscriptionRef.set(ref, table))
  }
}
