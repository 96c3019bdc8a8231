/**
 * The headline KPIs as one table, for the terminal (Markdown) and the HTML report alike: a row
 * per figure, a column per policy and, when two policies are compared, their difference
 * (second minus first; percentage points for rates).
 */
import { UNMATCHED_REASONS } from "#engine"
import type { RunTiming } from "./run-timing.ts"
import type { Kpis } from "./kpis.ts"
import type { Summary } from "./summary-stats.ts"

export interface ReportRun {
  readonly kpis: Kpis
  readonly timing: RunTiming
}

export interface KpiRow {
  readonly label: string
  readonly values: ReadonlyArray<string>
  /** Second minus first, formatted; empty when not two runs or not a number. */
  readonly difference: string
}

type Unit = "count" | "rate" | "seconds" | "metres" | "km" | "hours"

/**
 * Per unit. Hours take two decimals, or 0.98 h and 1.04 h both read `1`; `signDisplay:
 * "negative"` writes a figure that rounds to zero as 0, never -0.
 */
const decimals = (max: number, min = 0) =>
  new Intl.NumberFormat("en-US", { minimumFractionDigits: min, maximumFractionDigits: max, signDisplay: "negative" })
const FORMATS: Record<Unit, Intl.NumberFormat> = {
  count: decimals(0),
  rate: new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: "negative" }),
  seconds: decimals(1),
  metres: decimals(1),
  km: decimals(1),
  hours: decimals(2)
}

const format = (value: number | null, unit: Unit): string => (value === null ? "–" : FORMATS[unit].format(value))

const formatDifference = (a: number | null, b: number | null, unit: Unit): string => {
  if (a === null || b === null) return ""
  const d = b - a
  const abs = unit === "rate" ? `${(Math.abs(d) * 100).toFixed(2)} pp` : format(Math.abs(d), unit)
  // A difference that rounds to zero is shown as such, whatever its sign.
  const sign = /^[0.]+( pp)?$/.test(abs) ? "±" : d > 0 ? "+" : "−"
  return `${sign}${abs}`
}

export const kpiRows = (runs: ReadonlyArray<ReportRun>): Array<KpiRow> => {
  const rows: Array<KpiRow> = []
  const row = (label: string, unit: Unit, get: (run: ReportRun) => number | null) => {
    const values = runs.map(get)
    rows.push({
      label,
      values: values.map((v) => format(v, unit)),
      difference: runs.length === 2 ? formatDifference(values[0]!, values[1]!, unit) : ""
    })
  }
  const summary = (label: string, unit: Unit, get: (k: Kpis) => Summary) => {
    for (const p of ["mean", "p50", "p90", "p99"] as const) row(`${label} ${p}`, unit, (r) => get(r.kpis)[p])
  }
  row("orders", "count", (r) => r.kpis.orders.requested)
  row("matched", "count", (r) => r.kpis.orders.matched)
  row("match rate", "rate", (r) => r.kpis.orders.matchRate)
  for (const reason of UNMATCHED_REASONS) row(`unmatched: ${reason}`, "count", (r) => r.kpis.orders.unmatchedByReason[reason])
  row("declined offers", "count", (r) => r.kpis.orders.declines)
  summary("match wait (s)", "seconds", (k) => k.matchWaitSeconds)
  summary("rider wait to pickup (s)", "seconds", (k) => k.pickupWaitSeconds)
  summary("pickup ETA (s)", "seconds", (k) => k.pickupEtaSeconds)
  summary("pickup distance (m)", "metres", (k) => k.pickupDistanceMeters)
  row("trip km", "km", (r) => r.kpis.distanceKm.trip)
  row("deadhead km", "km", (r) => r.kpis.distanceKm.deadhead)
  row("deadhead share", "rate", (r) => r.kpis.distanceKm.deadheadShare)
  row("driver utilisation", "rate", (r) => r.kpis.fleet.utilisation)
  row("idle hours per driver", "hours", (r) => r.kpis.fleet.idleHoursPerDriver)
  row("decisions per wall second", "count", (r) => r.timing.decisionsPerWallSecond)
  row("wall time (s)", "seconds", (r) => r.timing.wallSeconds)
  return rows
}
