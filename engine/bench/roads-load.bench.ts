/**
 * How long the shipped SF road network takes to load, step by step, with the hub-label cache
 * warm and cold (an empty cache directory), and what it holds: docs/roads.md, "Load time and
 * memory". Each load runs in a child process so that one's heap and cache do not help the next.
 *
 *   node engine/bench/roads-load.bench.ts [runs]
 */
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { loadRoadNetwork } from "../src/roads/road-network.ts"

const SF = fileURLToPath(new URL("../markets/roads/sf", import.meta.url))

if (process.argv[2] === "--child") {
  const started = performance.now()
  const network = await Effect.runPromise(loadRoadNetwork(SF, { cacheDir: process.argv[3] }))
  globalThis.gc?.()
  const memory = process.memoryUsage()
  console.log(JSON.stringify({ totalMs: performance.now() - started, ...network.timings, heldMB: (memory.heapUsed + memory.arrayBuffers) / 1e6 }))
} else {
  const runs = Number(process.argv[2] ?? 3)
  const cache = mkdtempSync(join(tmpdir(), "dispatch-road-cache-"))
  const load = (dir: string) => JSON.parse(execFileSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "--child", dir], { encoding: "utf8" }))
  try {
    const rows = [{ cache: "cold", ...load(cache) }]
    for (let i = 0; i < runs; i++) rows.push({ cache: "warm", ...load(cache) })
    console.log("| cache | read CSVs (ms) | graph (ms) | snap index (ms) | labels (ms) | total (ms) | held (MB) |")
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    const ms = (x: number) => x.toFixed(0)
    for (const r of rows) console.log(`| ${r.cache} (${r.labelsFrom}) | ${ms(r.readMs)} | ${ms(r.graphMs)} | ${ms(r.snapIndexMs)} | ${ms(r.labelsMs)} | ${ms(r.totalMs)} | ${r.heldMB.toFixed(1)} |`)
  } finally {
    rmSync(cache, { recursive: true, force: true })
  }
}
