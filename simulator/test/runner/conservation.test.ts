/**
 * Conservation: every trip ends exactly once (one final outcome, one decision per order id),
 * every match that stands is picked up and dropped off, and every driver is in exactly one
 * fleet state at every step (transitions chain, and the fleet's hours add up).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { FleetState } from "../../src/fleet/driver.ts"
import { FLEET_STATES } from "../../src/fleet/driver.ts"
import { runRecorded } from "./scenario.ts"

describe("conservation", () => {
  for (const policy of ["greedy", "batch"] as const) {
    it.effect(`${policy}: every order exactly one outcome, every driver one state`, () =>
      Effect.gen(function*() {
        const run = yield* runRecorded(1_200, policy)
        const decisions = new Map<string, number>()
        const declined = new Set<string>()
        const pickedUp = new Set<string>(), droppedOff = new Set<string>()
        let requested = 0
        const stateOf = new Map<string, FleetState>()
        for (const e of run.events) {
          if (e.type === "requested") requested++
          else if (e.type === "decision") decisions.set(e.decision.orderId, (decisions.get(e.decision.orderId) ?? 0) + 1)
          else if (e.type === "declined" || e.type === "foreignMatch") declined.add(e.orderId)
          else if (e.type === "pickedUp") pickedUp.add(e.orderId)
          else if (e.type === "droppedOff") droppedOff.add(e.orderId)
          else if (e.type === "driver") {
            assert.strictEqual(stateOf.get(e.driverId) ?? "offline", e.from, `${e.driverId} leaves a state it was not in`)
            assert.notStrictEqual(e.from, e.to)
            stateOf.set(e.driverId, e.to)
          }
        }
        for (const [orderId, n] of decisions) assert.strictEqual(n, 1, `order ${orderId} decided ${n} times`)
        // Final outcomes: every decision that was not declined afterwards.
        const finals = [...decisions.keys()].filter((id) => !declined.has(id))
        assert.strictEqual(finals.length, requested)
        const { orders } = run.kpis
        assert.strictEqual(orders.requested, requested)
        assert.strictEqual(orders.matched + orders.unmatched, requested)
        assert.strictEqual(pickedUp.size, orders.matched)
        assert.deepStrictEqual([...droppedOff].sort(), [...pickedUp].sort())
        assert.strictEqual(orders.completed, orders.matched)
        // Each driver-hour of the window is in exactly one state.
        const { fleet } = run.kpis
        const stateHours = FLEET_STATES.reduce((sum, s) => sum + fleet.hoursByState[s], 0)
        assert.approximately(stateHours, fleet.drivers * fleet.windowHours, 0.05)
        for (const h of run.kpis.hourly) assert.isAtMost(h.driversBusy + h.driversIdle, fleet.drivers + 1e-9)
      }))
  }
})
