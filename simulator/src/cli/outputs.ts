/**
 * Writing a run's files into the output directory: the KPI file per policy (deterministic),
 * `run.json` (wall-clock timing and the trips file's read summary: not deterministic),
 * `summary.md` and the HTML report.
 */
import { Effect } from "effect"
import { mkdir, writeFile } from "node:fs/promises"
import { join, resolve } from "node:path"
import type { RunTiming } from "../report/run-timing.ts"
import type { Kpis } from "../report/kpis.ts"
import type { TripReadSummary } from "../trips/rejections.ts"
import { OutputFailed } from "./errors.ts"

export interface RunFiles {
  readonly dir: string
  readonly kpis: ReadonlyArray<string>
  readonly report: string
}

/** The KPI file's exact bytes: two-space JSON and a final newline. */
export const kpiJson = (kpis: Kpis): string => `${JSON.stringify(kpis, null, 2)}\n`

const write = (path: string, text: string) =>
  Effect.tryPromise({ try: () => writeFile(path, text, "utf8"), catch: (e) => new OutputFailed({ path, detail: (e as Error).message }) })

export const writeRunFiles = (
  outDir: string,
  runs: ReadonlyArray<{ readonly kpis: Kpis; readonly timing: RunTiming }>,
  run: { readonly transport: string; readonly clock: string; readonly tripsRead: TripReadSummary | undefined; readonly scanSeconds: number },
  summary: string,
  html: string
): Effect.Effect<RunFiles, OutputFailed> =>
  Effect.gen(function*() {
    const dir = resolve(outDir)
    yield* Effect.tryPromise({ try: () => mkdir(dir, { recursive: true }), catch: (e) => new OutputFailed({ path: dir, detail: (e as Error).message }) })
    const kpis: Array<string> = []
    for (const r of runs) {
      const path = join(dir, `kpis.${r.kpis.scenario.policy}.json`)
      yield* write(path, kpiJson(r.kpis))
      kpis.push(path)
    }
    const runJson = { ...run, node: process.version, runs: runs.map((r) => r.timing) }
    yield* write(join(dir, "run.json"), `${JSON.stringify(runJson, null, 2)}\n`)
    yield* write(join(dir, "summary.md"), `${summary}\n`)
    const report = join(dir, "report.html")
    yield* write(report, html)
    return { dir, kpis, report }
  })
