/**
 * Which metrics a PromQL expression reads: the check that keeps every dashboard and rule on
 * names that `METRIC_NAMES` defines (or that a recording rule records), and the map from a
 * panel to the parts whose metrics it needs.
 */
import { METRIC_NAMES, METRIC_NAMES_BY_PART } from "./metric-catalog.ts"
import { RECORDING_RULES } from "./recording-rules.ts"

/** Prometheus's own per-target series. */
const PROMETHEUS_SERIES = new Set(["up"])
const KEYWORDS = new Set(["and", "or", "unless", "bool", "offset", "group_left", "group_right", "inf", "nan"])
const HISTOGRAM_SUFFIXES = ["_bucket", "_sum", "_count"]

const DEFINED = new Set<string>(Object.values(METRIC_NAMES))
const RECORDED = new Map(RECORDING_RULES.map((r) => [r.record, r.expr]))

/** Series names in `expr`, as written (histogram suffixes kept). */
export const seriesNamesIn = (expr: string): ReadonlyArray<string> => {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values and regexes
    .replace(/\{[^}]*\}/g, "") // label matchers
    .replace(/\[[^\]]*\]/g, "") // ranges, $__rate_interval
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "") // label lists
  const names = new Set<string>()
  for (const match of bare.matchAll(/(?<![\w:$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?!\w)(\s*\()?/g)) {
    const [, name, call] = match
    if (call === undefined && !KEYWORDS.has(name!.toLowerCase())) names.add(name!)
  }
  return [...names]
}

/** `name` without a histogram suffix when the base is a defined histogram. */
const baseName = (name: string): string => {
  if (DEFINED.has(name)) return name
  const suffix = HISTOGRAM_SUFFIXES.find((s) => name.endsWith(s) && DEFINED.has(name.slice(0, -s.length)))
  return suffix === undefined ? name : name.slice(0, -suffix.length)
}

/** Names in `expr` that neither METRIC_NAMES, a recording rule nor Prometheus defines. */
export const unknownNamesIn = (expr: string): ReadonlyArray<string> =>
  seriesNamesIn(expr).filter((n) => !DEFINED.has(baseName(n)) && !RECORDED.has(n) && !PROMETHEUS_SERIES.has(n))

/** The METRIC_NAMES values `expr` reads, looking through recorded series to their sources. */
export const metricsRead = (expr: string): ReadonlySet<string> => {
  const out = new Set<string>()
  for (const name of seriesNamesIn(expr)) {
    const recorded = RECORDED.get(name)
    if (recorded !== undefined) for (const m of metricsRead(recorded)) out.add(m)
    else if (DEFINED.has(baseName(name))) out.add(baseName(name))
  }
  return out
}

export type Part = keyof typeof METRIC_NAMES_BY_PART

/** The part that exports `metric` (`runtime`: every process). */
export const partOf = (metric: string): Part | undefined =>
  (Object.keys(METRIC_NAMES_BY_PART) as Array<Part>).find((part) => Object.values<string>(METRIC_NAMES_BY_PART[part]).includes(metric))
