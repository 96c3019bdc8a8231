/**
 * `--seeds`: a scenario replayed with seeds seed..seed+N−1 gives, per seed, the KPI file a
 * single-seed run of that seed gives, byte for byte, whether the replays run one after another
 * or spread over worker threads; and comparison.json pairs the seeds' differences.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { comparisonJson, kpiJson } from "../../src/cli/outputs.ts"
import { estimate } from "../../src/report/confidence.ts"
import { compareSeeds } from "../../src/report/seed-comparison.ts"
import { runScenario, type ScenarioRun } from "../../src/scenario/run-scenario.ts"
import type { Scenario } from "../../src/scenario/scenario.ts"
import { EMPTY_SCENARIO } from "../../src/scenario/scenario-file.ts"

/** The sample's first 20 minutes, tight supply so that the seeds disagree, greedy vs batch. */
const scenario = (overrides: Partial<Scenario>): Scenario => ({
  ...EMPTY_SCENARIO,
  trips: { kind: "sample" },
  window: { to: "2008-06-01T00:20:00Z" },
  fleet: { ...EMPTY_SCENARIO.fleet, drivers: 80, declineProbability: 0.1 },
  policies: { ...EMPTY_SCENARIO.policies, names: ["greedy", "batch"] },
  ...overrides
})

const files = (run: ScenarioRun) => run.seeds.map((s) => ({ seed: s.seed, kpis: s.runs.map((r) => kpiJson(r.kpis)) }))
const comparison = (run: ScenarioRun) => compareSeeds(run.scenario.policies.names, run.seeds.map((s) => ({ seed: s.seed, kpis: s.runs.map((r) => r.kpis) })))

describe("seeds", () => {
  it.effect("each seed's replays are a single-seed run's; worker threads change nothing", () =>
    Effect.gen(function*() {
      const serial = yield* runScenario(scenario({ seed: 7, seeds: 3, workers: 1 }))
      const threads = yield* runScenario(scenario({ seed: 7, seeds: 3, workers: 2 }))
      const single = yield* runScenario(scenario({ seed: 8, seeds: 1 }))
      assert.deepStrictEqual(serial.seeds.map((s) => s.seed), [7, 8, 9])
      assert.deepStrictEqual(files(threads), files(serial))
      assert.deepStrictEqual(files(serial)[1]!.kpis, files(single)[0]!.kpis)
      assert.strictEqual(comparisonJson(comparison(threads)), comparisonJson(comparison(serial)))
      assert.notStrictEqual(files(serial)[0]!.kpis[0], files(serial)[1]!.kpis[0], "another seed, another run")
    }).pipe(Effect.scoped), 300_000)

  it.effect("pairs each KPI's differences by seed, with the t interval of those differences", () =>
    Effect.gen(function*() {
      const run = yield* runScenario(scenario({ seeds: 4, workers: 1 }))
      const c = comparison(run)
      assert.deepStrictEqual(c.policies, ["greedy", "batch"])
      const eta = c.kpis.find((k) => k.key === "pickupEtaSeconds.mean")!
      const perSeed = run.seeds.map((s) => s.runs[1]!.kpis.pickupEtaSeconds.mean! - s.runs[0]!.kpis.pickupEtaSeconds.mean!)
      const expected = estimate(perSeed)
      const difference = eta.differences[0]!
      assert.strictEqual(difference.n, 4)
      assert.closeTo(difference.mean!, expected.mean, 1e-6)
      assert.closeTo(difference.ci95![0], expected.ci95![0], 1e-6)
      assert.closeTo(difference.ci95![1], expected.ci95![1], 1e-6)
      assert.deepStrictEqual(difference.perSeed.map((d) => Math.round(d! * 1e6)), perSeed.map((d) => Math.round(d * 1e6)))
      const greedyMean = estimate(run.seeds.map((s) => s.runs[0]!.kpis.pickupEtaSeconds.mean!)).mean
      assert.closeTo(eta.means["greedy"]!.mean!, greedyMean, 1e-6)
    }).pipe(Effect.scoped), 300_000)

  it.effect("one seed gives means and no interval", () =>
    Effect.gen(function*() {
      const c = comparison(yield* runScenario(scenario({ seeds: 1 })))
      for (const k of c.kpis) {
        for (const d of k.differences) assert.isNull(d.ci95)
        for (const m of Object.values(k.means)) assert.isNull(m.ci95)
      }
    }).pipe(Effect.scoped), 120_000)
})
