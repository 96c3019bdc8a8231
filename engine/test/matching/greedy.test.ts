/**
 * The greedy policy equals a brute-force greedy (each order in turn takes the best-ETA
 * available driver in range, ties by driver id) on both index implementations, with the
 * default monotone ETA, a non-monotone one and the SF road model (so the ring search with the
 * road bound is proven against every driver's road ETA), and reports no_supply and expired.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { BruteForceIndex } from "../../src/index/brute-force-index.ts"
import type { DriverIndex, DriverRecord } from "../../src/index/driver-index.ts"
import { H3DriverIndex } from "../../src/index/h3-driver-index.ts"
import { greedy } from "../../src/matching/greedy.ts"
import type { Decision } from "../../src/matching/types.ts"
import { bruteForceGreedy, bumpy, driversArbitrary, greatCircle, NOW, ordersArbitrary, radiusArbitrary, roadEta } from "./references.ts"

const load = (index: DriverIndex, drivers: ReadonlyArray<DriverRecord>): DriverIndex => {
  index.restore({ drivers })
  return index
}

const indexes = { h3: () => new H3DriverIndex({ resolution: 9, ringCacheCapacity: 500 }), brute: () => new BruteForceIndex() }

describe("greedy", () => {
  for (const [name, make] of Object.entries(indexes)) {
    for (const [modelName, model] of [["great-circle", greatCircle], ["non-monotone", bumpy], ["road", roadEta()]] as const) {
      it(`equals brute-force greedy (${name} index, ${modelName} ETA)`, () => {
        fc.assert(
          fc.property(driversArbitrary(0, 40), ordersArbitrary(1, 25), radiusArbitrary, (drivers, orders, radius) => {
            const index = load(make(), drivers)
            const decisions: Array<Decision> = orders.map((o) => greedy(o, index, model, NOW, { maxRadiusMeters: radius }))
            const expected = bruteForceGreedy(orders, drivers, model, NOW, radius)
            const matched = decisions.flatMap((d) => (d._tag === "Matched" ? [{ orderId: d.orderId, driverId: d.driverId, etaSeconds: d.etaSeconds }] : []))
            expect(matched).toEqual(expected)
            for (const d of decisions) {
              if (d._tag === "Unmatched") expect(d.reason).toBe("no_supply")
              else {
                expect(d.distanceMeters).toBeLessThanOrEqual(radius)
                expect(index.get(d.driverId)?.status).toBe("busy")
              }
            }
          }),
          { numRuns: 150 }
        )
      })
    }
  }

  it("says no_supply when nobody is in range and expired past the deadline, leaving drivers alone", () => {
    const index = load(new BruteForceIndex(), [{ driverId: "far", lat: 37.9, lng: -122.42, status: "available" }])
    const order = { orderId: "o", pickup: { lat: 37.77, lng: -122.42 }, requestedAt: NOW, maxWaitMs: 1000 }
    expect(greedy(order, index, greatCircle, NOW, { maxRadiusMeters: 5000 })).toEqual({ _tag: "Unmatched", orderId: "o", reason: "no_supply", decidedAt: NOW })
    expect(greedy(order, index, greatCircle, NOW + 1000, { maxRadiusMeters: 50_000 })._tag).toBe("Matched")
    index.setStatus("far", "available")
    expect(greedy(order, index, greatCircle, NOW + 1001, { maxRadiusMeters: 50_000 })).toEqual({ _tag: "Unmatched", orderId: "o", reason: "expired", decidedAt: NOW + 1001 })
    expect(index.get("far")?.status).toBe("available")
  })
})
