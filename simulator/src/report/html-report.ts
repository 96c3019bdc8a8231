/**
 * The self-contained HTML report: one file, readable offline, with the KPI table and the plots
 * (demand vs supply per hour, the wait distribution, utilisation over the day, a map of pickup
 * waits by H3 cell), one run or several side by side with their differences.
 *
 * Plots are drawn in the browser by Observable Plot (docs/architecture.md says why); its UMD
 * build and d3's are inlined, with the page script (report-page.js) and the data as JSON, so
 * the file needs no network. Cell outlines come from h3-js here, in Node.
 */
import { LocalHour } from "#engine"
import { cellToBoundary } from "h3-js"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { kpiRows, type ReportRun } from "./kpi-table.ts"

const require = createRequire(import.meta.url)
/** The libraries' browser builds, read once. */
const libraries = (): string => {
  const d3 = join(dirname(require.resolve("d3")), "d3.min.js")
  const plot = join(dirname(require.resolve("@observablehq/plot")), "../dist/plot.umd.min.js")
  return [d3, plot].map((path) => readFileSync(path, "utf8")).join("\n;\n")
}
const pageScript = (): string => readFileSync(new URL("./report-page.js", import.meta.url), "utf8")

/** Code safe inside a <script> element: "</script" and "<!--" cannot end or confuse it (JSON data escapes every "<" instead). */
const scriptSafe = (text: string): string => text.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--")
const escapeHtml = (text: string): string =>
  text.replace(/[&<>"]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&quot;"))

interface CellFeature {
  readonly type: "Feature"
  readonly properties: { readonly value: number | null; readonly title: string }
  readonly geometry: { readonly type: "Polygon"; readonly coordinates: ReadonlyArray<ReadonlyArray<readonly [number, number]>> }
}

/**
 * A cell's outline for d3-geo, which reads rings on the sphere and takes a counter-clockwise
 * ring (GeoJSON's order, what h3-js returns) as everything BUT the hexagon: reversed, clockwise.
 */
const polygonOf = (cell: string) => ({ type: "Polygon" as const, coordinates: [(cellToBoundary(cell, true) as Array<[number, number]>).reverse()] })

/** The value near the top of the range (95th percentile), so one outlier cell does not wash out the map. */
const upperDomain = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? 1 : Math.max(1, sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!)
}

const cellData = (runs: ReadonlyArray<ReportRun>) => {
  const geometry = new Map<string, ReturnType<typeof polygonOf>>()
  const shape = (cell: string) => {
    let g = geometry.get(cell)
    if (g === undefined) geometry.set(cell, (g = polygonOf(cell)))
    return g
  }
  const byPolicy: Record<string, Array<CellFeature>> = {}
  const waits: Array<number> = []
  for (const run of runs) {
    byPolicy[run.kpis.scenario.policy] = run.kpis.cells.cells.map((c) => {
      if (c.pickupWaitMeanSeconds !== null) waits.push(c.pickupWaitMeanSeconds)
      return {
        type: "Feature",
        properties: {
          value: c.pickupWaitMeanSeconds,
          title: `${c.cell}\n${c.requests} requests, ${c.served} served\nmean pickup wait ${c.pickupWaitMeanSeconds ?? "–"} s`
        },
        geometry: shape(c.cell)
      }
    })
  }
  let difference = null
  if (runs.length === 2) {
    const [a, b] = runs as readonly [ReportRun, ReportRun]
    const other = new Map(b.kpis.cells.cells.map((c) => [c.cell, c]))
    const features: Array<CellFeature> = []
    for (const c of a.kpis.cells.cells) {
      const d = other.get(c.cell)
      if (c.pickupWaitMeanSeconds === null || d?.pickupWaitMeanSeconds == null) continue
      const value = Math.round((d.pickupWaitMeanSeconds - c.pickupWaitMeanSeconds) * 10) / 10
      features.push({ type: "Feature", properties: { value, title: `${c.cell}\n${b.kpis.scenario.policy} − ${a.kpis.scenario.policy}: ${value} s` }, geometry: shape(c.cell) })
    }
    const spread = upperDomain(features.map((f) => Math.abs(f.properties.value ?? 0)))
    difference = {
      title: `Mean pickup wait, ${b.kpis.scenario.policy} − ${a.kpis.scenario.policy} (blue: ${b.kpis.scenario.policy} faster)`,
      domain: [-spread, spread],
      features
    }
  }
  const extent = [...geometry.values()].map((g) => ({ type: "Feature", properties: {}, geometry: g }))
  return { extent, byPolicy, waitDomain: [0, upperDomain(waits)], difference }
}

export interface HtmlReportOptions {
  readonly timeZone: string
  readonly transport: string
}

export const renderHtmlReport = (runs: ReadonlyArray<ReportRun>, options: HtmlReportOptions): string => {
  const localHour = new LocalHour(options.timeZone)
  const data = {
    timeZone: options.timeZone,
    runs: runs.map((r) => ({
      policy: r.kpis.scenario.policy,
      // Plot's time axis shows UTC; shifting by the market's offset makes it show local hours.
      hourly: r.kpis.hourly.map((h) => {
        const t = Date.parse(h.start)
        return { ...h, localStart: new Date(t + localHour.offsetMsAt(t)).toISOString() }
      }),
      waitHistogram: r.kpis.waitHistogram
    })),
    cells: cellData(runs)
  }
  const s = runs[0]!.kpis.scenario
  const policies = runs.map((r) => r.kpis.scenario.policy)
  const compare = runs.length === 2
  const table = [
    `<tr><th>KPI</th>${policies.map((p) => `<th>${escapeHtml(p)}</th>`).join("")}${compare ? `<th>${escapeHtml(`${policies[1]} − ${policies[0]}`)}</th>` : ""}</tr>`,
    ...kpiRows(runs).map((r) =>
      `<tr><td>${escapeHtml(r.label)}</td>${r.values.map((v) => `<td>${escapeHtml(v)}</td>`).join("")}${compare ? `<td>${escapeHtml(r.difference)}</td>` : ""}</tr>`)
  ].join("\n")
  const settings = Object.entries(s.settings).map(([k, v]) => `<code>--${escapeHtml(k)} ${escapeHtml(String(v))}</code>`).join(" ")
  const maps = [...runs.map((_, i) => `<div class="plot" id="plot-map-${i}"></div>`), ...(compare ? [`<div class="plot" id="plot-map-diff"></div>`] : [])].join("\n")
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Dispatch simulation · ${escapeHtml(s.market)} · ${escapeHtml(policies.join(" vs "))}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1400px; }
table { border-collapse: collapse; margin: 12px 0; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.plots { display: flex; flex-wrap: wrap; gap: 24px; }
.plot { min-width: 300px; }
code { background: #f4f4f4; padding: 1px 4px; }
</style>
</head>
<body>
<h1>Dispatch simulation: ${escapeHtml(s.market)} · ${escapeHtml(policies.join(" vs "))}</h1>
<p>Trips <code>${escapeHtml(s.trips)}</code> · ${s.drivers} drivers · seed ${s.seed} · ${escapeHtml(s.from)} → ${escapeHtml(s.to)} · transport ${escapeHtml(options.transport)}</p>
<p>${settings}</p>
<h2>KPIs</h2>
<table id="kpi-table">
${table}
</table>
<h2>Demand and supply</h2>
<div class="plots"><div class="plot" id="plot-demand"></div><div class="plot" id="plot-supply"></div></div>
<h2>Waits and utilisation</h2>
<div class="plots"><div class="plot" id="plot-waits"></div><div class="plot" id="plot-utilisation"></div></div>
<h2>Pickup waits by H3 cell (resolution ${runs[0]!.kpis.cells.resolution})</h2>
<div class="plots">
${maps}
</div>
<script type="application/json" id="report-data">${JSON.stringify(data).replace(/</g, "\\u003c")}</script>
<script>${scriptSafe(libraries())}</script>
<script>${scriptSafe(pageScript())}</script>
</body>
</html>
`
}
