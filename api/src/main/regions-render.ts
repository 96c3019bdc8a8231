/**
 * Human-readable output of `dispatch regions`: aligned plain-text tables (no colours, so the
 * output pastes into tickets and chat). `--json` prints region-views.ts shapes instead.
 */
import type { BreakerBoardSnapshot } from "../balancer/breaker-board.ts"
import type { FleetHealthView } from "../health/fleet-health.ts"
import type { HistoryEntry, RegionHistory, RegionListing } from "../regions/region-store.ts"
import { limitOf, weightsOf } from "../regions/region-table.ts"
import { type ChangeMeta, type ConfigValue, DEFAULT_LIMIT_SCOPE, type RateLimitValue } from "../regions/region-values.ts"

/** Left-aligned columns, two spaces apart; trailing blanks trimmed. */
export const renderTable = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const all = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)))
  return all.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n")
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z")
const audit = (m: ChangeMeta) => `${m.by} ${iso(m.at)}${m.reason === undefined ? "" : ` "${m.reason}"`}`
const pct = (x: number) => `${Math.round(x * 100)}%`

export const renderListing = (listing: RegionListing): string => {
  const { table } = listing
  const byKey = new Map(listing.entries.map((e) => [e.key, e]))
  const rows = table.regions.map((caller) => {
    const weights = weightsOf(table, caller)
    // The share each target gets now: by weight among the targets that are not drained.
    const live = table.regions.filter((t) => !table.drained.has(t)).reduce((sum, t) => sum + (weights.get(t) ?? 0), 0)
    const cells = table.regions.map((t) => {
      const w = weights.get(t) ?? 0
      return table.drained.has(t) || live === 0 ? `${w}` : `${w} (${pct(w / live)})`
    })
    const entry = byKey.get(`weights.${caller}`)
    const source = entry === undefined ? "default: all at home (no key)" : `rev ${entry.revision} by ${audit(entry.value.value)}`
    return [caller, ...cells, live === 0 ? `${source}; NO UNDRAINED TARGET` : source]
  })
  const lines = [renderTable(["caller \\ target", ...table.regions.map((t) => (table.drained.has(t) ? `${t} [drained]` : t)), "set"], rows)]
  const drains = listing.entries.filter((e) => e.value.kind === "drain")
  if (drains.length > 0) {
    lines.push("", renderTable(["region", "drained", "set"], drains.map((e) => [e.value.region, e.value.kind === "drain" && e.value.value.drained ? "yes" : "no", `rev ${e.revision} by ${audit(e.value.value)}`])))
  }
  const lanes = listing.entries.filter((e) => e.value.kind === "lanes")
  if (lanes.length > 0) {
    lines.push("", renderTable(["caller", "lanes (share of requests without x-dispatch-lane; the rest: main)", "set"], lanes.map((e) => [e.value.region, describeValue(e.value.value), `rev ${e.revision} by ${audit(e.value.value)}`])))
  }
  for (const bad of listing.invalid) {
    lines.push("", `IGNORED by gateways: ${bad.key} rev ${bad.revision}: ${bad.problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`)
  }
  return lines.join("\n")
}

const limitText = (limit: RateLimitValue) => `burst ${limit.burst}, ${limit.perSecond}/s`

/** What a value sets: `us-west=3 us-east=1`, `drained`, `canary=5%`, `burst 20, 5/s`. */
export const describeValue = (v: ConfigValue): string => {
  if ("weights" in v) return Object.entries(v.weights).map(([t, w]) => `${t}=${w}`).join(" ")
  if ("shares" in v) return Object.keys(v.shares).length === 0 ? "no lanes" : Object.entries(v.shares).map(([lane, p]) => `${lane}=${p}%`).join(" ")
  if ("drained" in v) return v.drained ? "drained" : "undrained"
  return v.limit === null ? "no limit of its own" : limitText(v.limit)
}

const changeOf = (h: HistoryEntry): string => {
  if (h.operation !== "PUT") return h.operation === "DEL" ? "deleted (back to default)" : "purged (back to default)"
  if (h.value === undefined) return `INVALID: ${(h.problems ?? []).map((p) => `${p.path}: ${p.message}`).join("; ")}`
  return describeValue(h.value)
}

/** Each region's rate limit per caller, and where it comes from (its own key, the default, none). */
export const renderLimits = (listing: RegionListing): string => {
  const { table } = listing
  const byKey = new Map(listing.entries.map((e) => [e.key, e]))
  const source = (scope: string) => {
    const entry = byKey.get(`limits.${scope}`)
    return entry === undefined ? undefined : `rev ${entry.revision} by ${audit(entry.value.value)}`
  }
  const rows = table.regions.map((region) => {
    const limit = limitOf(table, region)
    const own = table.limits?.has(region) === true
    const from = own ? source(region) ?? "" : limit === undefined ? "no limit (no limits.default either)" : `limits.${DEFAULT_LIMIT_SCOPE}`
    return [region, limit === undefined ? "-" : String(limit.burst), limit === undefined ? "-" : String(limit.perSecond), from]
  })
  const fallback = table.limits?.get(DEFAULT_LIMIT_SCOPE)
  rows.push([`(${DEFAULT_LIMIT_SCOPE})`, fallback === undefined ? "-" : String(fallback.burst), fallback === undefined ? "-" : String(fallback.perSecond), source(DEFAULT_LIMIT_SCOPE) ?? "not set"])
  return [
    "rate limit of each caller (JWT subject, else client address) towards each region",
    renderTable(["region", "burst", "per second", "set"], rows)
  ].join("\n")
}

export const renderHistory = (history: RegionHistory): string => {
  const rows = history.entries.map((h) => [String(h.revision), iso(h.created), h.key, h.value?.by ?? "-", changeOf(h), h.value?.reason ?? ""])
  return [
    history.entries.length === 0 ? "no changes recorded" : renderTable(["rev", "stored (UTC)", "key", "by", "change", "reason"], rows),
    "",
    `KV keeps the last ${history.depth} revisions per key; older changes are gone. Roll back with: dispatch regions rollback <key> <rev>`
  ].join("\n")
}

type BreakerRow = BreakerBoardSnapshot["targets"][number]

/** When the breaker next lets a call through: `-` closed (every call goes), else the wait, `next call`, or `probing` (every probe out). */
const retryIn = (t: BreakerRow): string => {
  if (t.state === "closed") return "-"
  if (t.forcedOpen === true) return "when released"
  if (t.retryAfterMs === null) return "probing"
  return t.retryAfterMs === 0 ? "next call" : `${(t.retryAfterMs / 1000).toFixed(1)} s`
}
const countAndRate = (n: number, percent: number) => `${n} (${percent.toFixed(1)}%)`

/** The fleet-health trigger's line(s): off, or Prometheus's status and each breaching region. */
const renderFleetHealth = (health: FleetHealthView | null): ReadonlyArray<string> => {
  if (health === null) return ["fleet health: off (no --health-prometheus)"]
  const every = `every ${(health.intervalMs / 1000).toFixed(1)} s`
  const head = health.status === "starting"
    ? `fleet health: prometheus ${health.prometheusUrl}, ${every}: not asked yet`
    : health.status === "ok"
    ? `fleet health: prometheus ${health.prometheusUrl}, ${every}: answering since ${iso(health.since)}`
    : `fleet health: prometheus ${health.prometheusUrl}, ${every}: ${health.status} since ${iso(health.since)} (${health.lastError ?? "no detail"}); fail-static: no breaker is forced open without an answer`
  const breaches = health.regions.filter((r) => r.verdict === "breach").map((r) =>
    `  ${r.region}: ${r.signal} ${r.value === null ? "+Inf" : r.value.toPrecision(3)} >= ${r.threshold}: forced open on every gateway`
  )
  return [head, ...breaches]
}

export const renderBreakers = (board: BreakerBoardSnapshot): string => {
  const rows = board.targets.map((t) => [
    t.target,
    t.forcedOpen === true ? `${t.state} (forced)` : t.state,
    String(t.calls),
    countAndRate(t.failures, t.failureRatePercent),
    countAndRate(t.slowCalls, t.slowCallRatePercent),
    retryIn(t),
    t.ejectedUntil === null ? "-" : iso(t.ejectedUntil),
    t.drained ? "yes" : "no"
  ])
  return [
    `breakers at ${iso(board.at)} (calls in each breaker's window)`,
    renderTable(["target", "state", "calls", "failed (rate)", "slow (rate)", "retry in", "ejected until", "drained"], rows),
    "",
    // A gateway older than the trigger sends no `fleetHealth`.
    ...renderFleetHealth(board.fleetHealth ?? null)
  ].join("\n")
}
