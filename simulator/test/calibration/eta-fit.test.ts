/**
 * Calibration recovers a known model: trips generated with road factor 1.25 and a speed per
 * hour give back those parameters and a near-zero error; the model replaced scores worse.
 */
import { DEFAULT_ETA_PARAMETERS, distanceMeters, LocalHour } from "#engine"
import { describe, expect, it } from "vitest"
import { EtaFitter } from "../../src/calibration/eta-fit.ts"
import { withEta } from "../../src/calibration/market-config-file.ts"
import { SeededRandom } from "../../src/trips/random.ts"
import type { Trip } from "../../src/trips/trip.ts"
import { Result } from "effect"

const TZ = "America/Los_Angeles"
const truth = { roadFactor: 1.25, speedKmhByHour: Array.from({ length: 24 }, (_, h) => 15 + h) }

const tripsFromModel = (n: number): Array<Trip> => {
  const random = new SeededRandom(3)
  const localHour = new LocalHour(TZ)
  const start = Date.parse("2025-06-06T07:00:00Z")
  return Array.from({ length: n }, (_, i) => {
    const requestTime = start + Math.floor(random.next() * 86_400_000)
    const pickup = { lat: 37.7 + random.next() * 0.1, lng: -122.5 + random.next() * 0.1 }
    const dropoff = { lat: 37.7 + random.next() * 0.1, lng: -122.5 + random.next() * 0.1 }
    const roadKm = (distanceMeters(pickup.lat, pickup.lng, dropoff.lat, dropoff.lng) / 1000) * truth.roadFactor
    const hours = roadKm / truth.speedKmhByHour[localHour.hourOf(requestTime)]!
    return { requestTime, pickup, dropoff, dropoffTime: requestTime + Math.round(hours * 3_600_000), tripDistanceKm: roadKm, line: i + 2 }
  })
}

describe("EtaFitter", () => {
  it("recovers the road factor and hourly speeds of the model that made the trips", () => {
    const fitter = new EtaFitter(TZ)
    for (const trip of tripsFromModel(20_000)) fitter.add(trip)
    fitter.add({ requestTime: 0, pickup: { lat: 37.7, lng: -122.4 }, dropoff: { lat: 37.71, lng: -122.4 }, line: 1 })
    const fit = fitter.result(DEFAULT_ETA_PARAMETERS)!
    expect(fit.skipped.no_dropoff_time_or_distance).toBe(1)
    expect(fit.parameters.roadFactor).toBeCloseTo(1.25, 2)
    fit.parameters.speedKmhByHour.forEach((s, h) => expect(Math.abs(s - truth.speedKmhByHour[h]!)).toBeLessThan(0.11))
    expect(fit.error.mape).toBeLessThan(1)
    expect(fit.previousError.mape).toBeGreaterThan(fit.error.mape)
  })

  it("writes a market file the engine's parser accepts, every other key kept", () => {
    const config = { id: "sf", name: "SF", timeZone: TZ, homeRegion: "us-west", h3Resolution: 8, area: { type: "BBox", bbox: [-122.6, 37.2, -121.7, 38.1] } }
    const text = Result.getOrThrow(withEta(config, truth, "test"))
    expect(JSON.parse(text)).toEqual({ ...config, eta: truth })
    expect(Result.isFailure(withEta(config, { roadFactor: 9, speedKmhByHour: truth.speedKmhByHour }, "test"))).toBe(true)
  })
})
