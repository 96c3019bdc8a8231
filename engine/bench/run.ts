/**
 * Every matching-core benchmark in one process run: the driver index, batch solve time, and
 * batch-vs-greedy quality. Same fixtures (fixtures.ts) and seeds on every run; prints compact
 * tables (copied into docs/performance.md) and the machine it ran on.
 *
 * node_modules/.bin/node engine/bench/run.ts
 */
import { cpus, loadavg } from "node:os"
import { runAssignmentBench } from "./assignment.bench.ts"
import { runIndexBench } from "./index.bench.ts"
import { runQualityBench } from "./quality.bench.ts"

const started = performance.now()
console.log(`Matching core benchmarks: Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "?"}, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`)
runIndexBench()
runAssignmentBench()
runQualityBench()
console.log(`\nTotal ${((performance.now() - started) / 1000).toFixed(0)} s, load average at the end ${loadavg().map((l) => l.toFixed(2)).join(" ")}`)
