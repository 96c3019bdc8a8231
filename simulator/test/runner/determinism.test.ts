/**
 * Determinism: the same inputs and seed give byte-identical KPI files, whatever the clock;
 * another seed gives another run.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { kpiJson } from "../../src/cli/outputs.ts"
import { runRecorded } from "./scenario.ts"

describe("determinism", () => {
  for (const policy of ["greedy", "batch"] as const) {
    it.effect(`${policy}: same seed, same bytes; another seed, other bytes`, () =>
      Effect.gen(function*() {
        const a = yield* runRecorded(800, policy)
        const b = yield* runRecorded(800, policy)
        const c = yield* runRecorded(800, policy, { seed: 2 })
        assert.strictEqual(kpiJson(a.kpis), kpiJson(b.kpis))
        assert.notStrictEqual(kpiJson(a.kpis), kpiJson(c.kpis))
        assert.isAbove(a.kpis.orders.declines, 0, "the scenario exercises declines")
        assert.isAbove(a.kpis.orders.unmatchedByReason.cancelled, 0, "the scenario exercises cancellations")
      }))
  }

  it.effect("the real-time clock paces the same run: same KPI bytes as virtual time", () =>
    Effect.gen(function*() {
      const virtual = yield* runRecorded(300, "batch")
      // 300 trips span ~14 simulated minutes; at x60 that is ~14 test-clock seconds.
      const fiber = yield* Effect.forkChild(runRecorded(300, "batch", { clock: { kind: "realtime", speed: 60 } }))
      for (let i = 0; i < 40; i++) yield* TestClock.adjust("1 second")
      const realtime = yield* Fiber.join(fiber)
      assert.strictEqual(kpiJson(realtime.kpis), kpiJson(virtual.kpis))
    }))
})
