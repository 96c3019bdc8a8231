/**
 * The self-contained HTML report: one file, readable offline, with the KPI table and the plots
 * (demand and supply per hour, the wait distribution's tail and percentiles, utilisation over
 * the day, maps of trips and pickup waits by H3 cell), one run or two side by side with their
 * differences. Times are the market's local time, and say so.
 *
 * Plots are drawn in the browser by Observable Plot (docs/architecture.md says why); its UMD
 * build and d3's are inlined, with the page script (report-page.js) and the data as JSON, so
 * the file needs no network. The map data (cell outlines from h3-js) is built in report-cells.ts,
 * the streets under the cells (from the market's road graph, when it has one) in basemap.ts.
 */
import type { RoadShape } from "#engine"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { basemap } from "./basemap.ts"
import { HOUR_MS } from "./hour-buckets.ts"
import { escapeHtml } from "./html-escape.ts"
import { kpiRows, type ReportRun } from "./kpi-table.ts"
import { MarketTime } from "./market-time.ts"
import { reportCells } from "./report-cells.ts"
import type { SeedComparison } from "./seed-comparison.ts"
import { seedSection } from "./seed-report.ts"

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

export interface HtmlReportOptions {
  readonly timeZone: string
  readonly transport: string
  /** The market's streets (its road graph), drawn under the map cells; none: no basemap. */
  readonly roads?: ReadonlyArray<RoadShape> | undefined
  /** Several seeds' means and paired differences (`--seeds`): a section of their own; the rest of the report is the first seed's. */
  readonly seeds?: SeedComparison | undefined
}

export const renderHtmlReport = (runs: ReadonlyArray<ReportRun>, options: HtmlReportOptions): string => {
  const time = new MarketTime(options.timeZone)
  const cells = reportCells(runs)
  const from = Date.parse(runs[0]!.kpis.scenario.from), to = Date.parse(runs[0]!.kpis.scenario.to)
  const data = {
    timeZone: options.timeZone,
    runs: runs.map((r) => ({
      policy: r.kpis.scenario.policy,
      // Plot's time axis shows UTC: the market's wall clock written as UTC makes it show local
      // hours. plotFrom-plotTo: the part of the hour inside the measured window, where its figures are drawn.
      hourly: r.kpis.hourly.map((h) => {
        const start = Date.parse(h.start)
        return { ...h, plotHour: time.wallClock(start), plotFrom: time.wallClock(Math.max(start, from)), plotTo: time.wallClock(Math.min(start + HOUR_MS, to)) }
      }),
      waitHistogram: r.kpis.waitHistogram,
      pickupWait: r.kpis.pickupWaitSeconds
    })),
    cells,
    basemap: options.roads === undefined ? null : basemap(options.roads, cells.extent)
  }
  const s = runs[0]!.kpis.scenario
  const policies = runs.map((r) => r.kpis.scenario.policy)
  const compare = runs.length === 2
  const difference = compare ? `${policies[1]} − ${policies[0]}` : ""
  const table = [
    `<tr><th>KPI</th>${policies.map((p) => `<th>${escapeHtml(p)}</th>`).join("")}${compare ? `<th>${escapeHtml(difference)}</th>` : ""}</tr>`,
    ...kpiRows(runs).map((r) =>
      `<tr><td>${escapeHtml(r.label)}</td>${r.values.map((v) => `<td>${escapeHtml(v)}</td>`).join("")}${compare ? `<td>${escapeHtml(r.difference)}</td>` : ""}</tr>`)
  ].join("\n")
  const settings = Object.entries(s.settings).map(([k, v]) => `<code>--${escapeHtml(k)} ${escapeHtml(String(v))}</code>`).join(" ")
  const plot = (id: string) => `<div class="plot" id="${id}"></div>`
  const maps = [plot("plot-map-trips"), ...runs.map((_, i) => plot(`plot-map-${i}`)), ...(compare ? [plot("plot-map-diff")] : [])].join("\n")
  const period = time.span(Date.parse(s.from), Date.parse(s.to))
  const partial = runs[0]!.kpis.hourly.filter((h) => h.partial).map((h) => `${time.minute(Date.parse(h.start))} (${h.minutes} min)`)
  const partialNote = partial.length === 0
    ? ""
    : `<p class="note" id="partial-hours">Hollow dots: hours the measured window covers only in part, ${escapeHtml(partial.join(", "))}; their trips are scaled to per-hour rates (none under 10 minutes).</p>`
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
.plot figure { margin: 0; }
.plot figure h2 { font-size: 15px; margin: 0 0 4px; }
.plot-row { display: flex; flex-wrap: wrap; gap: 24px; }
.note { color: #555; }
code { background: #f4f4f4; padding: 1px 4px; }
</style>
</head>
<body>
<h1>Dispatch simulation: ${escapeHtml(s.market)} · ${escapeHtml(policies.join(" vs "))}</h1>
<p>Trips <code>${escapeHtml(s.trips)}</code> · ${s.drivers} drivers · seed ${s.seed} · ${escapeHtml(period)} · transport ${escapeHtml(options.transport)}</p>
<p>Times are local to the market (${escapeHtml(options.timeZone)}).</p>
<p>${settings}</p>
${options.seeds === undefined ? "<h2>KPIs</h2>" : `${seedSection(options.seeds)}\n<h2>KPIs of seed ${s.seed}</h2>`}
<table id="kpi-table">
${table}
</table>
<h2>Demand and supply</h2>
<div class="plots">${plot("plot-demand")}${plot("plot-supply")}</div>
${partialNote}
${compare ? `<h2>Per hour, ${escapeHtml(difference)}</h2>\n<div class="plots">${plot("plot-hourly-diff")}</div>` : ""}
<h2>Rider waits and utilisation</h2>
<div class="plots">${plot("plot-waits")}${plot("plot-wait-stats")}${plot("plot-utilisation")}</div>
<h2>Trips and pickup waits by H3 cell (resolution ${runs[0]!.kpis.cells.resolution})</h2>
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
