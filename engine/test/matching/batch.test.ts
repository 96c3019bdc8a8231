/**
 * The batch policy: its window optimum equals exhaustive search over every available driver in
 * range (whatever the candidates each order starts with: the dual test grows the lists), it is
 * never worse than greedy on the same snapshot and orders (also when lists are capped below the
 * window, since greedy's picks are in the graph), and unmatched orders carry over until they
 * expire.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { BruteForceIndex } from "../../src/index/brute-force-index.ts"
import type { DriverRecord } from "../../src/index/driver-index.ts"
import { H3DriverIndex } from "../../src/index/h3-driver-index.ts"
import { solveWindow } from "../../src/matching/batch.ts"
import { greedy } from "../../src/matching/greedy.ts"
import {
  bruteForceOptimum,
  bumpy,
  roadEta,
  driversArbitrary,
  greatCircle,
  noWorse,
  NOW,
  ordersArbitrary,
  radiusArbitrary,
  scoreOf
} from "./references.ts"

const h3Index = (drivers: ReadonlyArray<DriverRecord>) => {
  const index = new H3DriverIndex({ resolution: 9, ringCacheCapacity: 500 })
  index.restore({ drivers })
  return index
}

/** Solver rounding: half a millisecond per pair, both ways. */
const TOLERANCE_PER_ORDER = 0.001

describe("solveWindow", () => {
  for (const [modelName, model] of [["great-circle", greatCircle], ["non-monotone", bumpy], ["road", roadEta()]] as const) {
    it(`equals the exhaustive optimum over all drivers in range (${modelName} ETA), whatever the initial candidates (default included)`, () => {
      fc.assert(
        fc.property(driversArbitrary(0, 14), ordersArbitrary(1, 5), radiusArbitrary, fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }), (drivers, orders, radius, initial) => {
          const index = h3Index(drivers)
          const { decisions, carried, stats } = solveWindow(orders, index, model, NOW, { maxRadiusMeters: radius, candidatesPerOrder: 100, initialCandidates: initial })
          expect(stats.provenOverAllDrivers).toBe(true)
          const score = scoreOf(decisions)
          const optimum = bruteForceOptimum(orders, drivers, model, NOW, radius)
          expect(score.matched).toBe(optimum.matched)
          expect(Math.abs(score.totalEta - optimum.totalEta)).toBeLessThanOrEqual(orders.length * TOLERANCE_PER_ORDER)
          expect(carried.length + decisions.length).toBe(orders.length)
          const drivenBy = decisions.flatMap((d) => (d._tag === "Matched" ? [d.driverId] : []))
          expect(new Set(drivenBy).size).toBe(drivenBy.length)
          for (const id of drivenBy) expect(index.get(id)?.status).toBe("busy")
        }),
        { numRuns: 300 }
      )
    })
  }

  it("equals the exhaustive optimum on crowded windows (more orders than drivers, many conflicts)", () => {
    fc.assert(
      fc.property(driversArbitrary(0, 7), ordersArbitrary(1, 7), fc.constantFrom(1500, 5000), fc.integer({ min: 1, max: 3 }), (drivers, orders, radius, initial) => {
        const index = h3Index(drivers)
        const { decisions, stats } = solveWindow(orders, index, bumpy, NOW, { maxRadiusMeters: radius, candidatesPerOrder: 100, initialCandidates: initial })
        expect(stats.provenOverAllDrivers).toBe(true)
        const score = scoreOf(decisions)
        const optimum = bruteForceOptimum(orders, drivers, bumpy, NOW, radius)
        expect(score.matched).toBe(optimum.matched)
        expect(Math.abs(score.totalEta - optimum.totalEta)).toBeLessThanOrEqual(orders.length * TOLERANCE_PER_ORDER)
      }),
      { numRuns: 300 }
    )
  })

  for (const [capName, cap, model] of [["lists capped at 1 and 2", [1, 2], greatCircle], ["uncapped", [100, 100], greatCircle], ["road ETA, capped at 1 and 2", [1, 2], roadEta()]] as const) {
    it(`is never worse than greedy on the same snapshot and orders (lexicographic objective; ${capName})`, () => {
      fc.assert(
        fc.property(driversArbitrary(0, 60), ordersArbitrary(1, 30), radiusArbitrary, fc.constantFrom(...cap), (drivers, orders, radius, candidatesPerOrder) => {
          const forGreedy = new BruteForceIndex()
          forGreedy.restore({ drivers })
          const greedyScore = scoreOf(orders.map((o) => greedy(o, forGreedy, model, NOW, { maxRadiusMeters: radius })))
          const index = h3Index(drivers)
          const batch = solveWindow(orders, index, model, NOW, { maxRadiusMeters: radius, candidatesPerOrder, initialCandidates: 1 })
          expect(noWorse(scoreOf(batch.decisions), greedyScore, orders.length * TOLERANCE_PER_ORDER)).toBe(true)
          const drivenBy = batch.decisions.flatMap((d) => (d._tag === "Matched" ? [d.driverId] : []))
          expect(new Set(drivenBy).size).toBe(drivenBy.length)
          // Greedy's picks were asked of the index with taken drivers hidden: all are back.
          const busy = new Set(drivenBy)
          for (const d of drivers) expect(index.get(d.driverId)?.status).toBe(busy.has(d.driverId) ? "busy" : d.status)
        }),
        { numRuns: 200 }
      )
    })
  }

  it("carries unmatched orders to later windows, matches them when supply comes, expires them after their deadline", () => {
    const index = new BruteForceIndex()
    index.upsert("d1", 37.7749, -122.4194, "available")
    const order = (orderId: string, metersNorth: number, maxWaitMs: number) =>
      ({ orderId, pickup: { lat: 37.7749 + metersNorth / 111_195, lng: -122.4194 }, requestedAt: NOW, maxWaitMs })
    const params = { maxRadiusMeters: 2000, candidatesPerOrder: 5 }
    const first = solveWindow([order("near", 10, 10_000), order("short", 200, 3_000), order("long", 300, 20_000)], index, greatCircle, NOW, params)
    expect(first.decisions.map((d) => [d.orderId, d._tag])).toEqual([["near", "Matched"]])
    expect(first.carried.map((o) => o.orderId)).toEqual(["short", "long"])
    const second = solveWindow(first.carried, index, greatCircle, NOW + 3_001, params)
    expect(second.decisions).toEqual([{ _tag: "Unmatched", orderId: "short", reason: "expired", decidedAt: NOW + 3_001 }])
    expect(second.carried.map((o) => o.orderId)).toEqual(["long"])
    index.upsert("d2", 37.7749, -122.4194, "available")
    const third = solveWindow(second.carried, index, greatCircle, NOW + 20_000, params)
    expect(third.decisions.map((d) => d._tag === "Matched" && [d.orderId, d.driverId])).toEqual([["long", "d2"]])
    expect(third.carried).toEqual([])
    expect(index.get("d1")?.status).toBe("busy")
    expect(index.get("d2")?.status).toBe("busy")
  })
})
