/**
 * A comparison over several seeds (seed-comparison.ts) as the terminal's Markdown table and
 * the HTML report's section: each policy's mean ± the half-width of its 95% interval, the
 * paired difference likewise, and in HTML a plot of the differences with their intervals as
 * error bars, each relative to the first policy's mean so that KPIs of every unit share an axis.
 */
import { escapeHtml } from "./html-escape.ts"
import { format, formatSigned, type Unit } from "./kpi-table.ts"
import type { KpiComparison, MeanEstimate, SeedComparison } from "./seed-comparison.ts"

const halfWidth = (ci: readonly [number, number], unit: Unit): string => {
  const half = (ci[1] - ci[0]) / 2
  return unit === "rate" ? `${(half * 100).toFixed(2)} pp` : format(half, unit)
}

/** `mean ± half-width`; the mean alone with no interval; `(n=k)` when some seeds lack the figure. */
const cell = (e: MeanEstimate, seeds: number, unit: Unit, signed: boolean): string => {
  if (e.mean === null) return "–"
  const mean = signed ? formatSigned(e.mean, unit) : format(e.mean, unit)
  return `${mean}${e.ci95 === null ? "" : ` ± ${halfWidth(e.ci95, unit)}`}${e.n < seeds ? ` (n=${e.n})` : ""}`
}

const differenceHeading = (c: SeedComparison, policy: string) => `${policy} − ${c.policies[0]}`

const rowCells = (c: SeedComparison, k: KpiComparison): Array<string> => [
  k.label,
  ...c.policies.map((p) => cell(k.means[p]!, c.seeds.length, k.unit, false)),
  ...k.differences.map((d) => cell(d, c.seeds.length, k.unit, true))
]

const headings = (c: SeedComparison): Array<string> => ["KPI", ...c.policies, ...c.policies.slice(1).map((p) => differenceHeading(c, p))]

/** What the figures are, in a sentence. */
export const seedMethodNote = (c: SeedComparison): string => {
  const n = c.seeds.length
  return n === 1
    ? `One seed (${c.seeds[0]}): no confidence interval, give --seeds 2 or more.`
    : `Mean over ${n} seeds (${c.seeds[0]}..${c.seeds[n - 1]}) ± the half-width of its 95% confidence interval (Student's t, ${n - 1} degrees of freedom); differences are paired by seed.`
}

export const seedMarkdownTable = (c: SeedComparison): Array<string> => {
  const header = headings(c)
  return [
    seedMethodNote(c),
    "",
    `| ${header.join(" | ")} |`,
    `| --- | ${header.slice(1).map(() => "---:").join(" | ")} |`,
    ...c.kpis.map((k) => `| ${rowCells(c, k).join(" | ")} |`)
  ]
}

/** A point of the plot: a difference and its interval as a share of the first policy's mean. */
interface RelativeDifference {
  readonly label: string
  readonly mean: number
  readonly ci95: readonly [number, number] | null
}

const relativeDifferences = (c: SeedComparison, d: number): Array<RelativeDifference> =>
  c.kpis.flatMap((k) => {
    const base = k.means[c.policies[0]!]!.mean, diff = k.differences[d]!
    if (base === null || base === 0 || diff.mean === null) return []
    const scale = (x: number) => x / Math.abs(base)
    return [{ label: k.label, mean: scale(diff.mean), ci95: diff.ci95 === null ? null : [scale(diff.ci95[0]), scale(diff.ci95[1])] as const }]
  })

const ROW = 18, LABEL = 190, WIDTH = 420, PAD = 24, RIGHT = 40
/**
 * The axis spans the values within ±50%: one that falls to zero (no_supply under batch, −100%)
 * would flatten the rest; those beyond are cut at the axis' end and marked with an arrow.
 */
const MAX_EXTENT = 0.5

/** Dots and error bars, one row per KPI, on an axis of percent of the first policy's mean; drawn here as SVG (no script needed). */
const differencePlot = (c: SeedComparison, d: number): string => {
  const points = relativeDifferences(c, d)
  if (points.length === 0) return ""
  const magnitudes = points.flatMap((p) => [p.mean, ...(p.ci95 ?? [])].map(Math.abs))
  const extent = Math.max(0.01, ...magnitudes.filter((m) => m <= MAX_EXTENT))
  const clamp = (v: number) => Math.max(-extent, Math.min(extent, v))
  const x = (v: number) => (LABEL + WIDTH / 2 + (clamp(v) / extent) * (WIDTH / 2 - 4)).toFixed(1)
  const height = PAD + points.length * ROW + PAD
  const pct = (v: number) => `${v > 0 ? "+" : v < 0 ? "−" : ""}${Math.abs(v * 100).toFixed(Math.abs(v) >= 0.1 ? 0 : 1)}%`
  const rows = points.map((p, i) => {
    const y = PAD + i * ROW + ROW / 2
    const bar = p.ci95 === null ? "" : `<line x1="${x(p.ci95[0])}" x2="${x(p.ci95[1])}" y1="${y}" y2="${y}" stroke="#4269d0" stroke-width="2"/>`
    const cut = [p.mean, ...(p.ci95 ?? [])].some((v) => Math.abs(v) > extent)
      ? `<text x="${x(p.mean < 0 ? -extent : extent)}" y="${y + 4}" text-anchor="${p.mean < 0 ? "end" : "start"}" fill="#4269d0">${p.mean < 0 ? "◂" : "▸"}</text>`
      : ""
    const title = `${p.label}: ${pct(p.mean)}${p.ci95 === null ? "" : ` [${pct(p.ci95[0])}, ${pct(p.ci95[1])}]`}`
    return `<g><title>${escapeHtml(title)}</title><text x="${LABEL - 10}" y="${y + 4}" text-anchor="end">${escapeHtml(p.label)}</text>${bar}${cut}<circle cx="${x(p.mean)}" cy="${y}" r="3.5" fill="#222"/></g>`
  })
  const axis = [-extent, -extent / 2, 0, extent / 2, extent].map((v) =>
    `<line x1="${x(v)}" x2="${x(v)}" y1="${PAD - 6}" y2="${height - PAD}" stroke="${v === 0 ? "#888" : "#e4e4e4"}"/><text x="${x(v)}" y="${height - 6}" text-anchor="middle">${pct(v)}</text>`
  )
  const policy = c.policies[d + 1]!
  return `<div class="plot" id="plot-seed-diff-${d}"><figure><h2>${escapeHtml(differenceHeading(c, policy))}, % of ${escapeHtml(c.policies[0]!)}'s mean, 95% intervals</h2>
<svg xmlns="http://www.w3.org/2000/svg" width="${LABEL + WIDTH + RIGHT}" height="${height}" font-size="11" font-family="system-ui, sans-serif">
${axis.join("\n")}
${rows.join("\n")}
</svg></figure></div>`
}

/** The HTML report's section for several seeds. */
export const seedSection = (c: SeedComparison): string => {
  const table = [
    `<tr>${headings(c).map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>`,
    ...c.kpis.map((k) => `<tr>${rowCells(c, k).map((v) => `<td>${escapeHtml(v)}</td>`).join("")}</tr>`)
  ].join("\n")
  const plots = c.seeds.length > 1 ? c.policies.slice(1).map((_, d) => differencePlot(c, d)).join("\n") : ""
  return `<h2>Across ${c.seeds.length} seeds</h2>
<p class="note" id="seed-method">${escapeHtml(seedMethodNote(c))} The figures are in <code>comparison.json</code>; the first seed's KPIs in <code>kpis.&lt;policy&gt;.json</code>, the others' in <code>kpis.&lt;policy&gt;.seed-&lt;seed&gt;.json</code>.</p>
<table id="seed-table">
${table}
</table>
<div class="plots">${plots}</div>`
}
