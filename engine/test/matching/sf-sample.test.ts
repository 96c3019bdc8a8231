/**
 * The matching core on real data: the simulator's SF evening (test/support/sf-city.ts loads it,
 * as the benchmarks do). Queries at every real pickup, drivers at real drop-offs: the H3 index
 * (with the origin grid of the city box) answers as brute force; greedy and batch keep their
 * invariants, and batch is no worse than greedy.
 */
import { describe, expect, it } from "vitest"
import { BruteForceIndex } from "../../src/index/brute-force-index.ts"
import { H3DriverIndex } from "../../src/index/h3-driver-index.ts"
import { GreatCircleEta } from "../../src/eta/great-circle-eta.ts"
import { solveWindow } from "../../src/matching/batch.ts"
import { greedy } from "../../src/matching/greedy.ts"
import { EVENING, loadTrips, PICKUP_RADIUS_METERS, SF_CITY_MARKET } from "../support/sf-city.ts"
import { noWorse, scoreOf } from "./references.ts"

const trips = loadTrips()
const drivers = trips.slice(0, 400).map((t, i) => ({ driverId: `cab-${i}`, lat: t.dropoff.lat, lng: t.dropoff.lng, status: "available" as const }))
const orders = trips.slice(400, 700).map((t, i) => ({ orderId: `trip-${i}`, pickup: t.pickup, requestedAt: EVENING, maxWaitMs: 60_000 }))
const model = GreatCircleEta.forMarket(SF_CITY_MARKET)

describe("SF evening sample", () => {
  it("has thousands of trips in the city box", () => {
    expect(trips.length).toBeGreaterThan(5_000)
  })

  it("H3 index (market resolution, origin grid) answers every pickup as brute force", () => {
    const h3 = H3DriverIndex.forMarket(SF_CITY_MARKET)
    const brute = new BruteForceIndex()
    h3.restore({ drivers })
    brute.restore({ drivers })
    for (const t of trips) {
      expect(h3.nearest(t.pickup.lat, t.pickup.lng, 5, 1500)).toEqual(brute.nearest(t.pickup.lat, t.pickup.lng, 5, 1500))
    }
  })

  it("greedy and batch: each driver at most once, matches in range, batch no worse than greedy", () => {
    const forGreedy = H3DriverIndex.forMarket(SF_CITY_MARKET)
    forGreedy.restore({ drivers })
    const greedyDecisions = orders.map((o) => greedy(o, forGreedy, model, EVENING, { maxRadiusMeters: PICKUP_RADIUS_METERS }))
    const forBatch = H3DriverIndex.forMarket(SF_CITY_MARKET)
    forBatch.restore({ drivers })
    const batch = solveWindow(orders, forBatch, model, EVENING, { maxRadiusMeters: PICKUP_RADIUS_METERS, candidatesPerOrder: orders.length })
    for (const decisions of [greedyDecisions, batch.decisions]) {
      const used = decisions.flatMap((d) => (d._tag === "Matched" ? [d.driverId] : []))
      expect(new Set(used).size).toBe(used.length)
      for (const d of decisions) if (d._tag === "Matched") expect(d.distanceMeters).toBeLessThanOrEqual(PICKUP_RADIUS_METERS)
    }
    expect(batch.decisions.length + batch.carried.length).toBe(orders.length)
    expect(noWorse(scoreOf(batch.decisions), scoreOf(greedyDecisions), orders.length * 0.001)).toBe(true)
  })
})
