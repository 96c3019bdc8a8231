/**
 * The latest good value of each control-plane key, and the `RegionTable` it amounts to. Shared
 * by the live watch (api/src/regions/region-config-live.ts) and `list` of the store, so the CLI
 * shows exactly the table a gateway routes by.
 */
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
  for (const { value } of snapshot.values()) {
    if (value.kind === "weights") weights.set(value.region, new Map(Object.entries(value.value.weights)))
    else if (value.kind === "lanes") lanes.set(value.region, new Map(Object.entries(value.value.shares)))
    else if (value.value.drained) drained.add(value.region)
  }
  return { regions, weights, drained, lanes }
}
