/**
 * The latest good value of each control-plane key, and the `RegionTable` it amounts to. Shared
 * by the live watch (api/src/regions/region-config-live.ts) and `list` of the store, so the CLI
 * shows exactly the table a gateway routes by.
 */
import type { RateLimit } from "../ratelimit/token-bucket.ts"
import type { RegionTable } from "./region-table.ts"
import type { RegionValue } from "./region-values.ts"

export interface RegionEntry {
  readonly key: string
  readonly revision: number
  /** When the server stored it (epoch ms); for an entry this process just wrote, its `at`. */
  readonly created: number
  readonly value: RegionValue
}

/** key -> latest good entry. A key whose last value was deleted is absent (back to its default). */
export type RegionSnapshot = ReadonlyMap<string, RegionEntry>

export const tableOf = (regions: ReadonlyArray<string>, snapshot: RegionSnapshot): RegionTable => {
  const weights = new Map<string, ReadonlyMap<string, number>>()
  const drained = new Set<string>()
  const lanes = new Map<string, ReadonlyMap<string, number>>()
  const limits = new Map<string, RateLimit>()
  for (const { value } of snapshot.values()) {
    switch (value.kind) {
      case "weights":
        weights.set(value.region, new Map(Object.entries(value.value.weights)))
        break
      case "drain":
        if (value.value.drained) drained.add(value.region)
        break
      case "lanes":
        lanes.set(value.region, new Map(Object.entries(value.value.shares)))
        break
      case "limits":
        if (value.value.limit !== null) limits.set(value.region, value.value.limit)
    }
  }
  return { regions, weights, drained, lanes, limits }
}
