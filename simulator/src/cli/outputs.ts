/**
 * Writing a run's files into the scenario's output directory: the KPI file per policy
 * (deterministic), `run.json` (wall-clock timing and the trips file's read summary: not
 * deterministic), `summary.md` and the HTML report (its maps over the market's streets when it
 * has roads). Over several seeds (`--seeds`) or policies, also `comparison.json`
 * (deterministic); `kpis.<policy>.json` stays the first seed's, so that it is the file a
 * single-seed run writes, and every other seed's is `kpis.<policy>.seed-<seed>.json`.
 */
import { readRoadShapes } from "#engine"
import { Effect } from "effect"
import { mkdir, writeFile } from "node:fs/promises"
import { join, resolve } from "node:path"
import { renderHtmlReport } from "../report/html-report.ts"
import type { Kpis } from "../report/kpis.ts"
import { compareSeeds, type SeedComparison } from "../report/seed-comparison.ts"
import { markdownSummary } from "../report/markdown-summary.ts"
import type { ScenarioRun } from "../scenario/run-scenario.ts"
import { OutputFailed } from "./errors.ts"

export interface RunFiles {
  readonly dir: string
  readonly kpis: ReadonlyArray<string>
  /** comparison.json, when several seeds or policies ran. */
  readonly comparison: string | undefined
  readonly report: string
  /** The Markdown summary written to summary.md, for the terminal. */
  readonly summary: string
}

/** The KPI file's exact bytes: two-space JSON and a final newline. */
export const kpiJson = (kpis: Kpis): string => `${JSON.stringify(kpis, null, 2)}\n`

/** comparison.json's exact bytes, as the KPI file's. */
export const comparisonJson = (comparison: SeedComparison): string => `${JSON.stringify(comparison, null, 2)}\n`

const write = (path: string, text: string) =>
  Effect.tryPromise({ try: () => writeFile(path, text, "utf8"), catch: (e) => new OutputFailed({ path, detail: (e as Error).message }) })

export const writeRunFiles = (run: ScenarioRun): Effect.Effect<RunFiles, OutputFailed> =>
  Effect.gen(function*() {
    const dir = resolve(run.scenario.outputs.dir)
    yield* Effect.tryPromise({ try: () => mkdir(dir, { recursive: true }), catch: (e) => new OutputFailed({ path: dir, detail: (e as Error).message }) })
    const kpis: Array<string> = []
    for (const [s, { seed, runs }] of run.seeds.entries()) {
      for (const r of runs) {
        const path = join(dir, s === 0 ? `kpis.${r.kpis.scenario.policy}.json` : `kpis.${r.kpis.scenario.policy}.seed-${seed}.json`)
        yield* write(path, kpiJson(r.kpis))
        kpis.push(path)
      }
    }
    const several = run.seeds.length > 1
    const seeds = several || run.runs.length > 1
      ? compareSeeds(run.scenario.policies.names, run.seeds.map((s) => ({ seed: s.seed, kpis: s.runs.map((r) => r.kpis) })))
      : undefined
    const comparison = seeds === undefined ? undefined : join(dir, "comparison.json")
    if (seeds !== undefined) yield* write(comparison!, comparisonJson(seeds))
    const timings = run.seeds.flatMap((s) => s.runs.map((r) => ({ seed: s.seed, ...r.timing })))
    const runJson = { transport: run.transport, clock: run.clock, tripsRead: run.tripsRead, scanSeconds: run.scanSeconds, node: process.version, runs: timings }
    yield* write(join(dir, "run.json"), `${JSON.stringify(runJson, null, 2)}\n`)
    const shown = several ? seeds : undefined
    const summary = markdownSummary(run.runs, run.transport, shown)
    yield* write(join(dir, "summary.md"), `${summary}\n`)
    const report = join(dir, "report.html")
    const graph = run.choice.market.roads?.directory
    const roads = graph === undefined
      ? undefined
      : yield* Effect.mapError(readRoadShapes(graph), (e) => new OutputFailed({ path: report, detail: `the map's streets: ${e.message}` }))
    yield* write(report, renderHtmlReport(run.runs, { timeZone: run.choice.market.timeZone, transport: run.transport, roads, seeds: shown }))
    return { dir, kpis, comparison, report, summary }
  })
