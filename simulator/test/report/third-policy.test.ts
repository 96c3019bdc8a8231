/**
 * A policy added as one module reaches the simulator's outputs under its own name: the replay,
 * the KPI file, the terminal table and the HTML report's legends and map layers (the engine's
 * half of the round trip is engine/test/matching/policy-registry.test.ts).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { windowGreedyPolicy } from "#engine/testing"
import { renderHtmlReport } from "../../src/report/html-report.ts"
import { runRecorded } from "../runner/scenario.ts"

describe("a third policy in a replay", () => {
  it.effect("is replayed, measured and reported under its own name", () =>
    Effect.gen(function*() {
      const third = yield* runRecorded(300, windowGreedyPolicy)
      const greedy = yield* runRecorded(300, "greedy")
      assert.strictEqual(third.kpis.scenario.policy, "window-greedy")
      assert.isAbove(third.kpis.orders.matched, 0)
      const policies = new Set(third.events.flatMap((e) => e.type === "decision" && e.decision.type === "order.matched" ? [e.decision.policy] : []))
      assert.deepStrictEqual([...policies], ["window-greedy"])
      const html = renderHtmlReport([greedy, third], { timeZone: "America/Los_Angeles", transport: "in-process" })
      const json = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html)
      const data = JSON.parse(json![1]!) as { runs: Array<{ policy: string }>; cells: { byPolicy: Record<string, Array<unknown>> } }
      assert.deepStrictEqual(data.runs.map((r) => r.policy), ["greedy", "window-greedy"])
      assert.strictEqual(data.cells.byPolicy["window-greedy"]!.length, third.kpis.cells.cells.length)
    }), 120_000)
})
