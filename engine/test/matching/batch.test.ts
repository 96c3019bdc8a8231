/**
 * The batch policy: its window optimum equals exhaustive search (also when far more drivers
 * exist than candidates kept, by the exchange argument), it is never worse than greedy on the
 * same snapshot and orders, and unmatched orders carry over until they expire.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { BruteForceIndex } from "../../src/index/brute-force-index.ts"
import type { DriverRecord } from "../../src/index/driver-index.ts"
import { H3DriverIndex } from "../../src/index/h3-driver-index.ts"
import { solveWindow } from "../../src/matching/batch.ts"
import { buildCandidateGraph, connectedComponents } from "../../src/matching/candidates.ts"
import { greedy } from "../../src/matching/greedy.ts"
import {
  bruteForceOptimum,
  bumpy,
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
  for (const [modelName, model] of [["great-circle", greatCircle], ["non-monotone", bumpy]] as const) {
    it(`equals the exhaustive optimum (${modelName} ETA), with candidates per order = orders in the window`, () => {
      fc.assert(
        fc.property(driversArbitrary(0, 14), ordersArbitrary(1, 5), radiusArbitrary, (drivers, orders, radius) => {
          const index = h3Index(drivers)
          const { decisions, carried } = solveWindow(orders, index, model, NOW, { maxRadiusMeters: radius, candidatesPerOrder: orders.length })
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

  it("is never worse than greedy on the same snapshot and orders (lexicographic objective)", () => {
    fc.assert(
      fc.property(driversArbitrary(0, 60), ordersArbitrary(1, 30), radiusArbitrary, (drivers, orders, radius) => {
        const forGreedy = new BruteForceIndex()
        forGreedy.restore({ drivers })
        const greedyScore = scoreOf(orders.map((o) => greedy(o, forGreedy, greatCircle, NOW, { maxRadiusMeters: radius })))
        const batch = solveWindow(orders, h3Index(drivers), greatCircle, NOW, { maxRadiusMeters: radius, candidatesPerOrder: orders.length })
        expect(noWorse(scoreOf(batch.decisions), greedyScore, orders.length * TOLERANCE_PER_ORDER)).toBe(true)
      }),
      { numRuns: 200 }
    )
  })

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

describe("connectedComponents", () => {
  it("partitions orders with candidates and their drivers; components share no driver", () => {
    fc.assert(
      fc.property(driversArbitrary(0, 40), ordersArbitrary(0, 20), fc.constantFrom(300, 800), fc.integer({ min: 1, max: 4 }), (drivers, orders, radius, k) => {
        const index = new BruteForceIndex()
        index.restore({ drivers })
        const graph = buildCandidateGraph(orders, index, greatCircle, NOW, k, radius)
        const components = connectedComponents(graph)
        const orderSeen = components.flatMap((c) => c.orders).sort((a, b) => a - b)
        expect(orderSeen).toEqual(graph.edges.flatMap((e, o) => (e.length > 0 ? [o] : [])))
        expect(components.flatMap((c) => c.drivers).sort((a, b) => a - b)).toEqual(graph.driverIds.map((_, d) => d))
        for (const c of components) {
          const inside = new Set(c.drivers)
          for (const o of c.orders) for (const e of graph.edges[o]!) expect(inside.has(e.driver)).toBe(true)
          expect(c.orders.length).toBeGreaterThan(0)
        }
      }),
      { numRuns: 200 }
    )
  })
})
