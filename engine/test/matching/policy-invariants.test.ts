/**
 * Invariants both policies must keep when driven the way the pipeline drives them, over time:
 * orders arrive (some redelivered), some are cancelled, drivers move and come back, greedy
 * decides each order on arrival and batch solves a window every 2 s, and the lifecycle sits in
 * front. One suite, run by each policy. After the last deadline: every order has exactly one
 * outcome, no driver was assigned twice, every match is within the radius and before the
 * order's deadline, nothing was matched after its cancellation.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { windowGreedyPolicy } from "#engine/testing"
import { distanceMeters, type LatLng } from "../../src/domain/geo.ts"
import { H3DriverIndex } from "../../src/index/h3-driver-index.ts"
import { OrderLifecycle } from "../../src/matching/lifecycle.ts"
import { POLICY_REGISTRY } from "../../src/matching/policies.ts"
import type { Policy } from "../../src/matching/policy.ts"
import { type Decision, type OrderRequest, orderDeadline } from "../../src/matching/types.ts"
import { uniformPoint } from "../index/arbitraries.ts"
import { driversArbitrary, greatCircle, NOW, radiusArbitrary } from "./references.ts"

const WINDOW_MS = 2_000

type Event =
  | { readonly kind: "order"; readonly at: number; readonly orderId: string; readonly pickup: LatLng; readonly maxWaitMs: number }
  | { readonly kind: "cancel"; readonly at: number; readonly orderId: string }
  | { readonly kind: "driver"; readonly at: number; readonly driverIndex: number; readonly to: LatLng }

const events = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("order" as const), at: fc.nat({ max: 30_000 }), orderId: fc.nat({ max: 40 }).map((n) => `o${n}`), pickup: uniformPoint, maxWaitMs: fc.constantFrom(0, 1_000, 5_000, 20_000) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), at: fc.nat({ max: 40_000 }), orderId: fc.nat({ max: 40 }).map((n) => `o${n}`) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("driver" as const), at: fc.nat({ max: 30_000 }), driverIndex: fc.nat({ max: 29 }), to: uniformPoint }) }
  ),
  { maxLength: 80, size: "max" }
).map((list) => [...list].sort((a, b) => a.at - b.at))

const runPolicy = (policy: Policy, drivers: Parameters<H3DriverIndex["restore"]>[0]["drivers"], timeline: ReadonlyArray<Event>, radius: number) => {
  const index = new H3DriverIndex({ resolution: 9, ringCacheCapacity: 200 })
  index.restore({ drivers })
  const lifecycle = new OrderLifecycle()
  const emitted: Array<Decision> = []
  const requested = new Map<string, OrderRequest>()
  const cancelledAt = new Map<string, number>()
  /** Drivers assigned and not yet back: assigning one of them again is the bug this hunts. */
  const onTrip = new Set<string>()
  let window: Array<OrderRequest> = []
  let nextWindow = NOW + WINDOW_MS
  const record = (decisions: ReadonlyArray<Decision>) => {
    for (const d of decisions) {
      const outcome = lifecycle.decide(d)
      if (outcome._tag !== "Recorded") {
        if (d._tag === "Matched") index.setStatus(d.driverId, "available")
        continue
      }
      emitted.push(d)
      if (d._tag !== "Matched") continue
      expect(onTrip.has(d.driverId)).toBe(false)
      onTrip.add(d.driverId)
      const order = requested.get(d.orderId)!, driver = index.get(d.driverId)!
      expect(driver.status).toBe("busy")
      expect(d.distanceMeters).toBe(distanceMeters(order.pickup.lat, order.pickup.lng, driver.lat, driver.lng))
      expect(d.distanceMeters).toBeLessThanOrEqual(radius)
      expect(d.decidedAt).toBeLessThanOrEqual(orderDeadline(order))
      expect(d.policy).toBe(policy.name)
    }
  }
  const solveDueWindows = (until: number) => {
    while (policy.kind === "window" && nextWindow <= until) {
      const outcome = policy.solve(window.filter((o) => lifecycle.isOpen(o.orderId)), index, greatCircle, nextWindow, { maxRadiusMeters: radius, candidatesPerOrder: 10 })
      record(outcome.decisions)
      window = outcome.carried
      nextWindow += WINDOW_MS
    }
  }
  for (const e of timeline) {
    const now = NOW + e.at
    solveDueWindows(now)
    if (e.kind === "order") {
      const order = { orderId: e.orderId, pickup: e.pickup, requestedAt: now, maxWaitMs: e.maxWaitMs }
      const outcome = lifecycle.request(order)
      if (outcome._tag !== "Accepted") continue
      requested.set(order.orderId, order)
      if (policy.kind === "per-order") record([policy.decide(order, index, greatCircle, now, { maxRadiusMeters: radius, candidatesPerOrder: 10 })])
      else window.push(order)
    } else if (e.kind === "cancel") {
      const outcome = lifecycle.cancel(e.orderId, now)
      if (outcome._tag === "Cancelled") {
        emitted.push(outcome.decision)
        cancelledAt.set(e.orderId, now)
      }
    } else {
      const d = drivers[e.driverIndex]
      // The driver finished its trip (or just moved) and is available again somewhere else.
      if (d !== undefined) {
        index.upsert(d.driverId, e.to.lat, e.to.lng, "available")
        onTrip.delete(d.driverId)
      }
    }
  }
  // Past every deadline (orders arrive by 30 s and wait at most 20 s): the last windows close all.
  solveDueWindows(NOW + 30_000 + 20_000 + 2 * WINDOW_MS)
  return { emitted, requested, cancelledAt, lifecycle }
}

describe("policy invariants over time", () => {
  // Every registered policy, and the test's third one (any policy must keep these).
  for (const policy of [...POLICY_REGISTRY, windowGreedyPolicy]) {
    it(`${policy.name}: one outcome per order; no driver assigned again before it is back; matches in range, in time, never after a cancellation`, () => {
      let matches = 0
      fc.assert(
        fc.property(driversArbitrary(0, 30), events, radiusArbitrary, (drivers, timeline, radius) => {
          const { emitted, requested, cancelledAt, lifecycle } = runPolicy(policy, drivers, timeline, radius)
          expect(lifecycle.openCount).toBe(0)
          const outcomes = new Map<string, number>()
          for (const d of emitted) outcomes.set(d.orderId, (outcomes.get(d.orderId) ?? 0) + 1)
          const known = new Set([...requested.keys(), ...cancelledAt.keys()])
          expect([...outcomes.keys()].sort()).toEqual([...known].sort())
          for (const n of outcomes.values()) expect(n).toBe(1)
          for (const d of emitted) {
            if (d._tag === "Matched") {
              matches++
              expect(cancelledAt.has(d.orderId)).toBe(false)
            }
          }
        }),
        { numRuns: 200 }
      )
      expect(matches).toBeGreaterThan(200)
    })
  }
})
