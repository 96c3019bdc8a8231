/**
 * The region configuration as plain JSON: what the admin API answers and `dispatch regions
 * --json` prints, so scripts can use either and get the same shapes.
 */
import type { RegionEntry } from "./region-snapshot.ts"
import type { HistoryEntry, RegionHistory, RegionListing } from "./region-store.ts"
import { limitOf, type RegionTable, weightsOf } from "./region-table.ts"
import { DEFAULT_LIMIT_SCOPE } from "./region-values.ts"

export interface TableView {
  readonly regions: ReadonlyArray<string>
  /** Effective weights of every caller, defaults included (a caller without a key keeps traffic at home). */
  readonly weights: Readonly<Record<string, Readonly<Record<string, number>>>>
  readonly drained: ReadonlyArray<string>
  /** Lane shares of the callers that have some (lane -> percent of their requests without a lane header). */
  readonly lanes: Readonly<Record<string, Readonly<Record<string, number>>>>
}

export const tableView = (table: RegionTable): TableView => ({
  regions: table.regions,
  weights: Object.fromEntries(table.regions.map((caller) => [caller, Object.fromEntries(weightsOf(table, caller))])),
  drained: table.regions.filter((r) => table.drained.has(r)),
  lanes: Object.fromEntries([...table.lanes].map(([caller, shares]) => [caller, Object.fromEntries(shares)]))
})

export const entryView = (entry: RegionEntry) => ({ key: entry.key, revision: entry.revision, created: entry.created, value: entry.value.value })

export const listingView = (listing: RegionListing) => ({
  ...tableView(listing.table),
  /** The stored keys behind the table, with the revision to pass as `expectedRevision`. */
  keys: listing.entries.map(entryView),
  /** Stored values that break the rules; gateways ignore them. */
  invalid: listing.invalid
})

export const historyView = (history: RegionHistory) => ({
  depth: history.depth,
  entries: history.entries.map((h: HistoryEntry) => h)
})

/** Rate limits: each region's effective one (null: not limited), the default, and the keys behind them. */
export const limitsView = (listing: RegionListing) => ({
  limits: Object.fromEntries(listing.table.regions.map((region) => [region, limitOf(listing.table, region) ?? null])),
  default: listing.table.limits?.get(DEFAULT_LIMIT_SCOPE) ?? null,
  keys: listing.entries.filter((e) => e.value.kind === "limits").map(entryView)
})
