/**
 * The seeds' table and report section from known figures: means ± the t half-width, the paired
 * difference's, `(n=k)` where a seed lacks a figure, and one seed said to have no interval.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { Kpis } from "../../src/report/kpis.ts"
import { compareSeeds } from "../../src/report/seed-comparison.ts"
import { seedMarkdownTable, seedSection } from "../../src/report/seed-report.ts"
import { runRecorded } from "../runner/scenario.ts"

const withFigures = (kpis: Kpis, eta: number, matchWait: number | null): Kpis => ({
  ...kpis,
  pickupEtaSeconds: { ...kpis.pickupEtaSeconds, mean: eta },
  matchWaitSeconds: { ...kpis.matchWaitSeconds, mean: matchWait }
})

const rowOf = (lines: ReadonlyArray<string>, label: string) => lines.find((l) => l.startsWith(`| ${label} |`))

describe("seed report", () => {
  it.effect("writes mean ± half-width per policy and for the paired difference", () =>
    Effect.gen(function*() {
      const { kpis } = yield* runRecorded(100, "greedy")
      // greedy 100, 110, 120 (s = 10); batch 90, 95, 100 (s = 5); differences −10, −15, −20 (s = 5); t(0.975, 2) = 4.3027.
      const seeds = [[100, 90], [110, 95], [120, 100]].map(([a, b], s) => ({
        seed: s + 1,
        kpis: [withFigures(kpis, a!, s === 0 ? null : 3), withFigures(kpis, b!, 2)]
      }))
      const c = compareSeeds(["greedy", "batch"], seeds)
      const lines = seedMarkdownTable(c)
      assert.strictEqual(lines[0], "Mean over 3 seeds (1..3) ± the half-width of its 95% confidence interval (Student's t, 2 degrees of freedom); differences are paired by seed.")
      assert.strictEqual(rowOf(lines, "pickup ETA (s) mean"), "| pickup ETA (s) mean | 110 ± 24.8 | 95 ± 12.4 | −15 ± 12.4 |")
      assert.strictEqual(rowOf(lines, "match wait (s) mean"), "| match wait (s) mean | 3 ± 0 (n=2) | 2 ± 0 | −1 ± 0 (n=2) |")
      const eta = c.kpis.find((k) => k.key === "pickupEtaSeconds.mean")!.differences[0]!
      assert.deepStrictEqual(eta.perSeed, [-10, -15, -20])
      const half = (4.3027 * 5) / Math.sqrt(3)
      assert.closeTo(eta.ci95![0], -15 - half, 1e-4)
      assert.closeTo(eta.ci95![1], -15 + half, 1e-4)
      const html = seedSection(c)
      assert.include(html, "<td>−15 ± 12.4</td>")
      assert.include(html, 'id="plot-seed-diff-0"')
    }))

  it.effect("says that one seed has no interval, and shows the figures alone", () =>
    Effect.gen(function*() {
      const { kpis } = yield* runRecorded(100, "greedy")
      const c = compareSeeds(["greedy", "batch"], [{ seed: 5, kpis: [withFigures(kpis, 100, 1), withFigures(kpis, 90, 1)] }])
      const lines = seedMarkdownTable(c)
      assert.strictEqual(lines[0], "One seed (5): no confidence interval, give --seeds 2 or more.")
      assert.strictEqual(rowOf(lines, "pickup ETA (s) mean"), "| pickup ETA (s) mean | 100 | 90 | −10 |")
      assert.notInclude(seedSection(c), "plot-seed-diff")
    }))
})
