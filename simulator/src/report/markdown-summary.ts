/**
 * The terminal summary of a run or a comparison: a heading naming the scenario and its window
 * in the market's time zone, then the KPI table in Markdown (readable as is, and pastes into an
 * issue). Over several seeds, the table is their means and paired differences (seed-report.ts).
 */
import { kpiRows, type ReportRun } from "./kpi-table.ts"
import { MarketTime } from "./market-time.ts"
import type { SeedComparison } from "./seed-comparison.ts"
import { seedMarkdownTable } from "./seed-report.ts"

/** `seeds`: the comparison over several seeds, which replaces the first seed's table. */
export const markdownSummary = (runs: ReadonlyArray<ReportRun>, transport: string, seeds?: SeedComparison): string => {
  const first = runs[0]!.kpis.scenario
  const policies = runs.map((r) => r.kpis.scenario.policy)
  const compare = runs.length === 2
  const header = ["KPI", ...policies, ...(compare ? [`${policies[1]} − ${policies[0]}`] : [])]
  const lines = [
    `## Simulation: ${first.market} · ${first.trips} · ${first.drivers} drivers · ${seeds === undefined ? `seed ${first.seed}` : `${seeds.seeds.length} seeds`}`,
    "",
    `${new MarketTime(first.timeZone).span(Date.parse(first.from), Date.parse(first.to))} · transport: ${transport} · clock: ${first.settings["clock"] ?? "virtual"}`,
    "",
    ...(seeds === undefined
      ? [
        `| ${header.join(" | ")} |`,
        `| --- | ${header.slice(1).map(() => "---:").join(" | ")} |`,
        ...kpiRows(runs).map((r) => `| ${[r.label, ...r.values, ...(compare ? [r.difference] : [])].join(" | ")} |`)
      ]
      : seedMarkdownTable(seeds))
  ]
  return lines.join("\n")
}
