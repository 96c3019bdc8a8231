/**
 * The greedy baseline that waits (docs/matching.md, "Greedy"), driven through the dispatcher
 * over random timelines of orders, cancellations and drivers freed and moved: every order gets
 * exactly one terminal outcome; every match is what a fresh greedy decision would make at that
 * moment (the best-ETA driver available in range, ties by id, checked by brute force over the
 * test's own view of the drivers, so no driver is ever assigned twice); after each arrival and
 * each re-offer no open order has an available driver in range; nothing is answered no_supply
 * while the waiting list has room, and a waiting order expires within one re-offer interval of
 * its deadline.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { distanceMeters, type LatLng } from "../../src/domain/geo.ts"
import type { Decision, DriverState, OrderRequested } from "../../src/domain/messages.ts"
import { GreatCircleEta } from "../../src/eta/great-circle-eta.ts"
import { dispatcher, sf } from "./fixtures.ts"

const T0 = Date.UTC(2008, 4, 20, 17)
const INTERVAL = 1_000
const eta = GreatCircleEta.forMarket(sf)
const at = (north: number, east: number): LatLng => ({ lat: 37.7749 + north / 111_195, lng: -122.4194 + east / 88_000 })
const point = fc.record({ north: fc.integer({ min: -2_000, max: 2_000 }), east: fc.integer({ min: -2_000, max: 2_000 }) }).map((p) => at(p.north, p.east))

type Event =
  | { readonly kind: "order"; readonly t: number; readonly pickup: LatLng; readonly maxWaitMs: number }
  | { readonly kind: "cancel"; readonly t: number; readonly order: number }
  | { readonly kind: "driver"; readonly t: number; readonly driver: number; readonly to: LatLng; readonly status: "available" | "offline" }

const timeline = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("order" as const), t: fc.nat({ max: 30_000 }), pickup: point, maxWaitMs: fc.integer({ min: 1_000, max: 15_000 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), t: fc.nat({ max: 40_000 }), order: fc.nat({ max: 40 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("driver" as const), t: fc.nat({ max: 40_000 }), driver: fc.nat({ max: 11 }), to: point, status: fc.constantFrom("available" as const, "available" as const, "offline" as const) }) }
  ),
  { maxLength: 90, size: "max" }
).map((events) => [...events].sort((a, b) => a.t - b.t))

const run = (events: ReadonlyArray<Event>, radius: number) => {
  const d = dispatcher("greedy", { batchWindowMs: INTERVAL, maxPickupRadiusMeters: radius })
  /** The test's own view: where each driver is and whether it may be offered. */
  const drivers = new Map<string, { at: LatLng; free: boolean }>()
  const orders = new Map<string, OrderRequested>()
  const outcomes = new Map<string, Array<Decision>>()
  let requested = 0, matches = 0

  const check = (decisions: ReadonlyArray<Decision>, now: number) => {
    for (const decision of decisions) {
      outcomes.set(decision.orderId, [...(outcomes.get(decision.orderId) ?? []), decision])
      const order = orders.get(decision.orderId)
      if (decision.type === "order.unmatched") {
        expect(decision.reason).not.toBe("no_supply")
        if (decision.reason === "expired") {
          expect(now).toBeGreaterThan(order!.requestedAt + order!.maxWaitMs)
          expect(now).toBeLessThanOrEqual(order!.requestedAt + order!.maxWaitMs + INTERVAL + 1)
        }
        continue
      }
      // What a fresh greedy decision makes now, by brute force over the test's view.
      let best: { id: string; eta: number } | undefined
      for (const [id, v] of drivers) {
        if (!v.free || distanceMeters(order!.pickup.lat, order!.pickup.lng, v.at.lat, v.at.lng) > radius) continue
        const e = eta.eta(v.at, order!.pickup, now)
        if (best === undefined || e < best.eta || (e === best.eta && id < best.id)) best = { id, eta: e }
      }
      expect(decision.driverId).toBe(best?.id)
      expect(decision.etaSeconds).toBe(best!.eta)
      expect(decision.policy).toBe("greedy")
      drivers.get(decision.driverId)!.free = false
      matches++
    }
  }
  /** No order left open while a driver it could take is free. */
  const noneLeftWaiting = () => {
    for (const [id, order] of orders) {
      if (outcomes.has(id) || !d.isOpen(id)) continue
      for (const v of drivers.values()) {
        if (v.free) expect(distanceMeters(order.pickup.lat, order.pickup.lng, v.at.lat, v.at.lng)).toBeGreaterThan(radius)
      }
    }
  }
  const tickUntil = (t: number) => {
    for (let next = d.nextDeadline; next !== undefined && next <= t; next = d.nextDeadline) {
      check(d.tick(next), next)
      noneLeftWaiting()
    }
  }

  for (const e of events) {
    const now = T0 + e.t
    tickUntil(now)
    if (e.kind === "order") {
      const id = `o${requested++}`
      const message: OrderRequested = { v: 1, type: "order.requested", orderId: id, riderId: `r-${id}`, market: "sf", pickup: e.pickup, dropoff: e.pickup, requestedAt: now, maxWaitMs: e.maxWaitMs }
      orders.set(id, message)
      check(d.request(message, now), now)
      noneLeftWaiting()
    } else if (e.kind === "cancel") {
      if (!orders.has(`o${e.order}`)) continue
      check(d.cancel({ v: 1, type: "order.cancelled", orderId: `o${e.order}`, market: "sf", at: now, reason: "rider" }, now), now)
    } else {
      const state: DriverState = { v: 1, type: "driver.state", driverId: `d${e.driver}`, market: "sf", lat: e.to.lat, lng: e.to.lng, status: e.status, at: now }
      d.driverState(state)
      drivers.set(state.driverId, { at: e.to, free: e.status === "available" })
    }
  }
  tickUntil(T0 + 40_000 + 15_000 + 2 * INTERVAL)
  return { d, orders, outcomes, matches }
}

describe("greedy that waits", () => {
  it("one terminal outcome per order; every match a fresh greedy decision; no order waits beside a free driver in range", () => {
    let matched = 0, waitedThenMatched = 0
    fc.assert(
      fc.property(timeline, fc.integer({ min: 500, max: 5_000 }), (events, radius) => {
        const { d, orders, outcomes, matches } = run(events, radius)
        expect(d.openOrders).toBe(0)
        for (const id of orders.keys()) expect(outcomes.get(id)?.length ?? 0).toBe(1)
        for (const [id, list] of outcomes) {
          const m = list[0]!
          if (m.type === "order.matched" && m.decidedAt > orders.get(id)!.requestedAt) waitedThenMatched++
        }
        matched += matches
      }),
      { numRuns: 100 }
    )
    // The properties above bite only if orders are matched, and some after waiting.
    expect(matched).toBeGreaterThan(200)
    expect(waitedThenMatched).toBeGreaterThan(20)
  })
})
