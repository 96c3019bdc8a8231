/**
 * The terminal summary of a run or a comparison: a heading naming the scenario and its window
 * in the market's time zone, then the KPI table in Markdown (readable as is, and pastes into an
 * issue).
 */
import { kpiRows, type ReportRun } from "./kpi-table.ts"
import { MarketTime } from "./market-time.ts"

export const markdownSummary = (runs: ReadonlyArray<ReportRun>, transport: string): string => {
  const first = runs[0]!.kpis.scenario
  const policies = runs.map((r) => r.kpis.scenario.policy)
  const compare = runs.length === 2
  const header = ["KPI", ...policies, ...(compare ? [`${policies[1]} − ${policies[0]}`] : [])]
  const lines = [
    `## Simulation: ${first.market} · ${first.trips} · ${first.drivers} drivers · seed ${first.seed}`,
    "",
    `${new MarketTime(first.timeZone).span(Date.parse(first.from), Date.parse(first.to))} · transport: ${transport} · clock: ${first.settings["clock"] ?? "virtual"}`,
    "",
    `| ${header.join(" | ")} |`,
    `| --- | ${header.slice(1).map(() => "---:").join(" | ")} |`,
    ...kpiRows(runs).map((r) => `| ${[r.label, ...r.values, ...(compare ? [r.difference] : [])].join(" | ")} |`)
  ]
  return lines.join("\n")
}
