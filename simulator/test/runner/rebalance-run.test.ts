/**
 * Rebalancing end to end, in a whole run on the SF sample (roads, declines, shifts): drivers
 * reposition, only at the rebalancing steps, only from idle, and the run is deterministic.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { kpiJson } from "../../src/cli/outputs.ts"
import { defaultRebalanceSettings } from "../../src/fleet/rebalancing.ts"
import { runRecorded } from "./scenario.ts"

const INTERVAL_MS = 120_000
const reposition = { ...defaultRebalanceSettings, intervalMs: INTERVAL_MS }

describe("rebalancing in a run", () => {
  it.effect("idle drivers are sent at the steps only, and the same seed gives the same bytes", () =>
    Effect.gen(function*() {
      // More drivers than the first hour needs, so that some are idle where riders are not.
      const run = yield* runRecorded(600, "greedy", { reposition, drivers: 90 })
      const start = Date.parse(run.kpis.scenario.from)
      const legs = run.events.flatMap((e) => (e.type === "leg" && e.kind === "reposition" ? [e] : []))
      assert.isAbove(legs.length, 10, "drivers rebalance")
      for (const leg of legs) assert.strictEqual((leg.departAt - start) % INTERVAL_MS, 0, `${leg.driverId} repositions at ${leg.departAt}, not at a step`)
      // Each start of repositioning is a step's move of an idle driver.
      const starts = run.events.flatMap((e) => (e.type === "driver" && e.to === "repositioning" ? [e] : []))
      for (const s of starts) assert.strictEqual(s.from, "idle", `${s.driverId} starts repositioning from ${s.from}`)
      assert.strictEqual(run.settings.reposition?.method, "rebalance")
      const again = yield* runRecorded(600, "greedy", { reposition, drivers: 90 })
      assert.strictEqual(kpiJson(again.kpis), kpiJson(run.kpis))
    }), 240_000)
})
