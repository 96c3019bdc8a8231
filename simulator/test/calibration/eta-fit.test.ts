/**
 * Calibration recovers a known model: trips generated with road factor 1.25 and a speed per
 * hour give back those parameters and a near-zero error; the model replaced scores worse. On a
 * road graph whose routes are known, trips without a distance give back the hourly factors of
 * the road model that made them, and its error beside the great circle's.
 */
import { DEFAULT_ETA_PARAMETERS, distanceMeters, LocalHour, parseMarket, TripRoutes } from "#engine"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { gzipSync } from "node:zlib"
import { afterAll, describe, expect, it } from "vitest"
import { EtaFitter } from "../../src/calibration/eta-fit.ts"
import { withEta } from "../../src/calibration/market-config-file.ts"
import { SeededRandom } from "../../src/trips/random.ts"
import type { Trip } from "../../src/trips/trip.ts"
import { Effect, Result } from "effect"

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

/**
 * A 21 × 21 street grid, 200 m blocks driven at 36 km/h both ways (20 s a block): the fastest
 * route between two junctions is any staircase, so its free-flow time is 20 s per block of
 * Manhattan distance and its length 200 m per block, known without a router.
 */
const GRID = 21
const BLOCK_S = 20
const LAT0 = 37.75, LNG0 = -122.45
const STEP_M = 199.7 // node spacing a little under the stated 200 m, so no chord exceeds its length
const latStep = STEP_M / 111_195.08, lngStep = STEP_M / (111_195.08 * Math.cos((LAT0 * Math.PI) / 180))
const nodeAt = (i: number, j: number) => ({ lat: Number((LAT0 + i * latStep).toFixed(6)), lng: Number((LNG0 + j * lngStep).toFixed(6)) })

const writeGridMarket = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "dispatch-calib-grid-"))
  const roads = join(dir, "roads")
  mkdirSync(roads)
  const nodes = ["node_id,lat,lng"], edges = ["from,to,length_m,speed_kph,road_class,max_speed_kph,roundabout"], geometry = ["arc_id,pillar_points"]
  const id = (i: number, j: number) => i * GRID + j
  for (let i = 0; i < GRID; i++) {
    for (let j = 0; j < GRID; j++) {
      const p = nodeAt(i, j)
      nodes.push(`${id(i, j)},${p.lat.toFixed(6)},${p.lng.toFixed(6)}`)
    }
  }
  const arcs: Array<[number, number]> = []
  for (let i = 0; i < GRID; i++) {
    for (let j = 0; j < GRID; j++) {
      if (j + 1 < GRID) arcs.push([id(i, j), id(i, j + 1)], [id(i, j + 1), id(i, j)])
      if (i + 1 < GRID) arcs.push([id(i, j), id(i + 1, j)], [id(i + 1, j), id(i, j)])
    }
  }
  arcs.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  arcs.forEach(([from, to], k) => {
    edges.push(`${from},${to},200.0,36,residential,,0`)
    geometry.push(`${k},`)
  })
  const gz = (name: string, lines: Array<string>) => writeFileSync(join(roads, name), gzipSync(`${lines.join("\n")}\n`))
  gz("nodes.csv.gz", nodes)
  gz("edges.csv.gz", edges)
  gz("edges_geometry.csv.gz", geometry)
  const market = {
    id: "grid", name: "Grid", timeZone: TZ, homeRegion: "us-west", h3Resolution: 8,
    area: { type: "BBox", bbox: [-122.5, 37.7, -122.3, 37.85] },
    roads: { path: "roads", speedProfile: { factorByHour: Array.from({ length: 24 }, () => 1) } }
  }
  const file = join(dir, "grid.json")
  writeFileSync(file, JSON.stringify(market))
  return file
}

describe("EtaFitter on a road graph", () => {
  const marketFile = writeGridMarket()
  afterAll(() => rmSync(dirname(marketFile), { recursive: true, force: true }))
  const trueFactor = (h: number) => 1.5 + h / 20

  it("recovers the hourly speed profile from durations alone, and the road factor from the routes' lengths", async () => {
    const market = Result.getOrThrow(parseMarket(readFileSync(marketFile, "utf8"), marketFile))
    const routes = (await Effect.runPromise(TripRoutes.forMarket(market)))!
    const random = new SeededRandom(14)
    const localHour = new LocalHour(TZ)
    const start = Date.parse("2025-06-06T07:00:00Z")
    const fitter = new EtaFitter(TZ, 0.5, 5, routes)
    let manhattanKm = 0, gcKm = 0
    for (let n = 0; n < 24 * 60; n++) {
      const [a, b, c, d] = [0, 0, 0, 0].map(() => Math.floor(random.next() * GRID)) as [number, number, number, number]
      const pickup = nodeAt(a, b), dropoff = nodeAt(c, d)
      const gc = distanceMeters(pickup.lat, pickup.lng, dropoff.lat, dropoff.lng) / 1000
      const requestTime = start + Math.floor((n / (24 * 60)) * 86_400_000)
      const blocks = Math.abs(a - c) + Math.abs(b - d)
      const seconds = blocks * BLOCK_S * trueFactor(localHour.hourOf(requestTime))
      if (gc >= 0.5) {
        manhattanKm += blocks * 0.2
        gcKm += gc
      }
      fitter.add({ requestTime, pickup, dropoff, dropoffTime: requestTime + Math.round(seconds * 1000), line: n + 2 })
    }
    const fit = fitter.result(DEFAULT_ETA_PARAMETERS, market.roads!.factorByHour)!
    expect(fit.skipped.no_dropoff_time_or_distance).toBe(0)
    expect(fit.tripsUsed).toBeGreaterThan(1_000)
    expect(fit.sparseHours).toEqual([])
    fit.road!.factorByHour.forEach((f, h) => expect(f).toBeCloseTo(trueFactor(h), 2))
    expect(fit.roadKmFrom).toBe("routes")
    expect(fit.routesMeasured).toBe(fit.tripsUsed)
    // The routes' lengths use the drawn shape at the ends (199.7 m a block), the stated 200 m between.
    expect(Math.abs(fit.parameters.roadFactor / (manhattanKm / gcKm) - 1)).toBeLessThan(0.003)
    // Both models' errors on the same trips: the road model is the truth here, the great circle is not.
    expect(fit.road!.error.medianApe).toBeLessThan(0.5)
    expect(fit.road!.error.bias).toBeCloseTo(0, 1)
    expect(fit.error.medianApe).toBeGreaterThan(5)
    expect(fit.road!.previousError.mape).toBeGreaterThan(30)
  })

  it("measures a route's length along the streets", async () => {
    const market = Result.getOrThrow(parseMarket(readFileSync(marketFile, "utf8"), marketFile))
    const routes = (await Effect.runPromise(TripRoutes.forMarket(market)))!
    expect(routes.freeFlowSeconds(nodeAt(2, 3), nodeAt(7, 1))).toBeCloseTo(7 * BLOCK_S, 6)
    expect(routes.routeMeters(nodeAt(2, 3), nodeAt(7, 1))).toBeGreaterThan(7 * 200 - 1)
    expect(routes.routeMeters(nodeAt(2, 3), nodeAt(7, 1))).toBeLessThanOrEqual(7 * 200)
    expect(routes.routeMeters(nodeAt(2, 3), { lat: 0, lng: 0 })).toBeNaN()
  })
})
