/**
 * Measuring helpers shared by the benchmarks (timing with warm-up and medians, tables), and the
 * real SF data they run on (from the tests' support, so benchmarks and tests see the same).
 */
export * from "../test/support/sf-city.ts"
export { seededRandom } from "#engine/testing"

export const median = (values: ReadonlyArray<number>): number => percentile(values, 0.5)

/** Nearest-rank percentile. */
export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
}

/** Runs per measurement, after one discarded warm-up run (as docs/limits.md). */
export const RUNS = 5

/** Operations per second of `run(ops)`: median of RUNS runs after a warm-up run. */
export const opsPerSecond = (ops: number, run: () => void): number => {
  run()
  const rates: Array<number> = []
  for (let r = 0; r < RUNS; r++) {
    const start = process.hrtime.bigint()
    run()
    rates.push(ops / (Number(process.hrtime.bigint() - start) / 1e9))
  }
  return median(rates)
}

/**
 * Operations per second of several contenders, measured in alternation (warm-up round, then
 * RUNS rounds of one run each) so that a burst of load on this shared 2-vCPU machine hits all
 * of them alike; medians per contender.
 */
export const interleavedOpsPerSecond = (contenders: ReadonlyArray<{ readonly ops: number; readonly run: () => void }>): Array<number> => {
  for (const c of contenders) c.run()
  const rates = contenders.map((): Array<number> => [])
  for (let r = 0; r < RUNS; r++) {
    contenders.forEach((c, i) => {
      const start = process.hrtime.bigint()
      c.run()
      rates[i]!.push(c.ops / (Number(process.hrtime.bigint() - start) / 1e9))
    })
  }
  return rates.map(median)
}

/** Wall time (ms) of each call, for percentiles. */
export const timeEach = (times: number, run: (i: number) => void): Array<number> => {
  const samples: Array<number> = []
  for (let i = 0; i < times; i++) {
    const start = process.hrtime.bigint()
    run(i)
    samples.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  return samples
}

/** Human figures: 1234567 -> "1.23M", 45678 -> "45.7k". */
export const si = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n >= 10 ? n.toFixed(0) : n.toFixed(2)

/** Prints a table with padded columns. */
export const printTable = (title: string, head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): void => {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
  console.log(`\n${title}\n${line(head)}\n| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`)
  for (const r of rows) console.log(line(r))
}
