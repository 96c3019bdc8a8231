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

export type Unit = "count" | "rate" | "seconds" | "metres" | "km" | "hours"

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

export const format = (value: number | null, unit: Unit): string => (value === null ? "–" : FORMATS[unit].format(value))

const formatDifference = (a: number | null, b: number | null, unit: Unit): string => (a === null || b === null ? "" : formatSigned(b - a, unit))

/** A difference with its sign: `+`, `−`, or `±` when it rounds to zero; rates in percentage points. */
export const formatSigned = (d: number, unit: Unit): string => {
  const abs = unit === "rate" ? `${(Math.abs(d) * 100).toFixed(2)} pp` : format(Math.abs(d), unit)
  // A difference that rounds to zero is shown as such, whatever its sign.
  const sign = /^[0.]+( pp)?$/.test(abs) ? "±" : d > 0 ? "+" : "−"
  return `${sign}${abs}`
}

/** A KPI of the table that the KPI file holds (deterministic per seed); `key` names it in comparison.json. */
export interface KpiFigure {
  readonly key: string
  readonly label: string
  readonly unit: Unit
  readonly get: (kpis: Kpis) => number | null
}

const summaryFigures = (key: string, label: string, unit: Unit, get: (k: Kpis) => Summary): Array<KpiFigure> =>
  (["mean", "p50", "p90", "p99"] as const).map((p) => ({ key: `${key}.${p}`, label: `${label} ${p}`, unit, get: (k) => get(k)[p] }))

export const KPI_FIGURES: ReadonlyArray<KpiFigure> = [
  { key: "orders.requested", label: "orders", unit: "count", get: (k) => k.orders.requested },
  { key: "orders.matched", label: "matched", unit: "count", get: (k) => k.orders.matched },
  { key: "orders.matchRate", label: "match rate", unit: "rate", get: (k) => k.orders.matchRate },
  ...UNMATCHED_REASONS.map((reason): KpiFigure => ({
    key: `orders.unmatchedByReason.${reason}`,
    label: `unmatched: ${reason}`,
    unit: "count",
    get: (k) => k.orders.unmatchedByReason[reason]
  })),
  { key: "orders.declines", label: "declined offers", unit: "count", get: (k) => k.orders.declines },
  ...summaryFigures("matchWaitSeconds", "match wait (s)", "seconds", (k) => k.matchWaitSeconds),
  ...summaryFigures("pickupWaitSeconds", "rider wait to pickup (s)", "seconds", (k) => k.pickupWaitSeconds),
  ...summaryFigures("pickupEtaSeconds", "pickup ETA (s)", "seconds", (k) => k.pickupEtaSeconds),
  ...summaryFigures("pickupDistanceMeters", "pickup distance (m)", "metres", (k) => k.pickupDistanceMeters),
  { key: "distanceKm.trip", label: "trip km", unit: "km", get: (k) => k.distanceKm.trip },
  { key: "distanceKm.deadhead", label: "deadhead km", unit: "km", get: (k) => k.distanceKm.deadhead },
  { key: "distanceKm.deadheadShare", label: "deadhead share", unit: "rate", get: (k) => k.distanceKm.deadheadShare },
  { key: "fleet.utilisation", label: "driver utilisation", unit: "rate", get: (k) => k.fleet.utilisation },
  { key: "fleet.idleHoursPerDriver", label: "idle hours per driver", unit: "hours", get: (k) => k.fleet.idleHoursPerDriver }
]

export const kpiRows = (runs: ReadonlyArray<ReportRun>): Array<KpiRow> => {
  const row = (label: string, unit: Unit, get: (run: ReportRun) => number | null): KpiRow => {
    const values = runs.map(get)
    return {
      label,
      values: values.map((v) => format(v, unit)),
      difference: runs.length === 2 ? formatDifference(values[0]!, values[1]!, unit) : ""
    }
  }
  return [
    ...KPI_FIGURES.map((f) => row(f.label, f.unit, (r) => f.get(r.kpis))),
    row("decisions per wall second", "count", (r) => r.timing.decisionsPerWallSecond),
    row("wall time (s)", "seconds", (r) => r.timing.wallSeconds)
  ]
}
