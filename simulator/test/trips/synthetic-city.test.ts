import { assert, describe, expect, it } from "@effect/vitest"
import { distanceMeters } from "#engine"
import { Effect, Result, Stream } from "effect"
import { DEFAULT_HOURLY_DEMAND, tripsPerSlot } from "../../src/trips/demand-curve.ts"
import { localHour, startOfLocalDay } from "../../src/trips/local-time.ts"
import { generateTrips, planSyntheticCity, syntheticCity, type SyntheticCityOptions } from "../../src/trips/synthetic-city.ts"
import type { Trip } from "../../src/trips/trip.ts"
import { testvilleCatalog } from "./fixtures.ts"

const catalog = testvilleCatalog()
const market = { catalog, marketId: "testville" }
const start = startOfLocalDay("2025-03-07", "Europe/Lisbon")!

const trips = (options: Partial<SyntheticCityOptions> = {}): Array<Trip> => {
  const plan = planSyntheticCity({ market, seed: 1, start, tripsPerDay: 20_000, ...options })
  if (Result.isFailure(plan)) throw new Error(plan.failure.message)
  return [...generateTrips(plan.success)]
}

describe("synthetic city", () => {
  const day = trips()

  it("is the same city for the same seed, another for another seed", () => {
    expect(trips()).toEqual(day)
    const other = trips({ seed: 2 })
    expect(other).toHaveLength(day.length)
    expect(other.filter((t, i) => t.requestTime === day[i]!.requestTime).length).toBeLessThan(day.length / 10)
  })

  it("generates the day's volume, sorted, numbered, every pickup and dropoff inside the market", () => {
    expect(day).toHaveLength(20_000)
    day.forEach((t, i) => {
      expect(t.line).toBe(i + 1)
      if (i > 0) expect(t.requestTime).toBeGreaterThanOrEqual(day[i - 1]!.requestTime)
      expect(catalog.marketOf(t.pickup.lat, t.pickup.lng)?.id).toBe("testville")
      expect(catalog.marketOf(t.dropoff.lat, t.dropoff.lng)?.id).toBe("testville")
    })
    expect(day[0]!.requestTime).toBeGreaterThanOrEqual(start)
    expect(day.at(-1)!.requestTime).toBeLessThan(start + 24 * 3_600_000)
  })

  it("follows the hourly demand curve of local time", () => {
    const perHour = new Array<number>(24).fill(0)
    for (const t of day) perHour[localHour(t.requestTime, "Europe/Lisbon")]!++
    const total = DEFAULT_HOURLY_DEMAND.reduce((a, b) => a + b, 0)
    DEFAULT_HOURLY_DEMAND.forEach((weight, hour) => expect(Math.abs(perHour[hour]! - (20_000 * weight) / total)).toBeLessThanOrEqual(1))
  })

  it("derives distance and dropoff time from the documented road factor and speeds", () => {
    const speeds = Array.from({ length: 24 }, (_, h) => 10 + h)
    const derived = trips({ tripsPerDay: 2_000, roadFactor: 1.5, speedKmhByHour: speeds })
    for (const t of derived) {
      const km = distanceMeters(t.pickup.lat, t.pickup.lng, t.dropoff.lat, t.dropoff.lng) / 1000
      expect(t.tripDistanceKm).toBeCloseTo(km * 1.5, 9)
      const speed = speeds[localHour(t.requestTime, "Europe/Lisbon")]!
      expect(Math.abs(t.dropoffTime! - t.requestTime - (t.tripDistanceKm! / speed) * 3_600_000)).toBeLessThanOrEqual(0.5)
    }
  })

  it("has trip lengths around the documented median", () => {
    const km = day.map((t) => t.tripDistanceKm!).sort((a, b) => a - b)
    // Below 2.8: dropoffs that leave this small market are pulled back towards their pickup.
    expect(km[km.length >> 1]).toBeGreaterThan(2.2)
    expect(km[km.length >> 1]).toBeLessThan(3.0)
  })

  it("clusters pickups around given hotspots, with the background share spread out", () => {
    const hotspot = { lat: 38.75, lng: -9.15, sigmaMeters: 500, weight: 1 }
    const clustered = trips({ tripsPerDay: 5_000, hotspots: [hotspot], backgroundShare: 0.1 })
    const near = clustered.filter((t) => distanceMeters(t.pickup.lat, t.pickup.lng, hotspot.lat, hotspot.lng) < 2_000).length
    // ~90% clustered (within 4 sigma), plus the few background pickups that land near.
    expect(near / clustered.length).toBeGreaterThan(0.88)
    expect(near / clustered.length).toBeLessThan(0.95)
  })

  it("covers a run of any length with that length's share of the day", () => {
    const evening = trips({ start: start + 17 * 3_600_000, hours: 5 })
    const share = DEFAULT_HOURLY_DEMAND.slice(17, 22).reduce((a, b) => a + b, 0) / DEFAULT_HOURLY_DEMAND.reduce((a, b) => a + b, 0)
    expect(Math.abs(evening.length - 20_000 * share)).toBeLessThanOrEqual(1)
  })

  it.effect("streams lazily: the first trips of a big-city day come without generating the day", () =>
    Effect.gen(function*() {
      const stream = yield* syntheticCity({ market, seed: 1, start, tripsPerDay: 400_000, hours: 8_784 })
      const first = yield* Stream.runCollect(Stream.take(stream, 5))
      assert.deepStrictEqual(first.map((t) => t.line), [1, 2, 3, 4, 5])
    }))

  it.effect("reports every invalid option at once", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(syntheticCity({
        market,
        seed: -1,
        start: Number.NaN,
        hours: 0,
        tripsPerDay: 1.5,
        hourlyDemand: [1, 2, 3],
        backgroundShare: 2,
        hotspots: [{ lat: 0, lng: 0, sigmaMeters: 0, weight: 1 }],
        hotspotCount: 3
      }))
      assert.deepStrictEqual(error.problems.map((p) => p.split(" ")[0]), [
        "seed", "start", "hours", "tripsPerDay", "hourlyDemand", "backgroundShare", "give", "hotspots[0]", "hotspots[0].sigmaMeters"
      ])
      assert.include(error.message, "hotspots[0] (0,0) is not inside market testville")
      const unknown = yield* Effect.flip(syntheticCity({ market: { catalog, marketId: "atlantis" }, seed: 1, start }))
      assert.include(unknown.message, "unknown market \"atlantis\"")
    }))
})

describe("demand curve and local time", () => {
  it("splits a day's volume over hour slots exactly", () => {
    expect(tripsPerSlot(100, [1, 1, 2, ...new Array<number>(21).fill(0)], Array.from({ length: 24 }, (_, h) => h))).toEqual([
      25, 25, 50, ...new Array<number>(21).fill(0)
    ])
    const hours = Array.from({ length: 24 }, (_, h) => h)
    expect(tripsPerSlot(400_000, DEFAULT_HOURLY_DEMAND, hours).reduce((a, b) => a + b, 0)).toBe(400_000)
  })

  it("finds local midnight across daylight saving changes", () => {
    expect(startOfLocalDay("2008-05-31", "America/Los_Angeles")).toBe(Date.parse("2008-05-31T07:00:00Z"))
    expect(startOfLocalDay("2025-03-09", "America/Los_Angeles")).toBe(Date.parse("2025-03-09T08:00:00Z"))
    expect(startOfLocalDay("2025-03-10", "America/Los_Angeles")).toBe(Date.parse("2025-03-10T07:00:00Z"))
    expect(startOfLocalDay("2025-07-01", "Asia/Kolkata")).toBe(Date.parse("2025-06-30T18:30:00Z"))
    expect(startOfLocalDay("2025-02-30", "UTC")).toBeUndefined()
    expect(localHour(Date.parse("2008-06-01T00:30:00Z"), "America/Los_Angeles")).toBe(17)
  })
})
