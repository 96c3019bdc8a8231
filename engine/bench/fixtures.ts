/**
 * Fixtures and measuring helpers shared by the benchmarks (and a test on real data): the SF city
 * box, a seeded random source, the real SF evening of taxi trips kept in the repository, and
 * timing with warm-up and medians.
 *
 * The area is the San Francisco city/peninsula box 37.70..37.81 N × -122.52..-122.36 E
 * (12.2 km × 14.1 km, 172 km²): a city-sized area, denser than docs/limits.md's 50 km NYC box,
 * so the same driver counts mean a harder test for a grid index.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { gunzipSync } from "node:zlib"
import type { LatLng } from "../src/domain/geo.ts"
import type { Market } from "../src/domain/market.ts"
import type { Bounds } from "../src/index/ring-cache.ts"

export const SF_CITY_BOX = { south: 37.70, north: 37.81, west: -122.52, east: -122.36 } as const

/** The market's longest pickup (m), `DEFAULT_MAX_PICKUP_RADIUS_METERS` and sf.json's value. */
export const PICKUP_RADIUS_METERS = 5_000

/**
 * The city box as a market (SF's time zone and resolution 8, as engine/markets/sf.json): an
 * index made `forMarket` gets its ring cache bounded by the box's cells and its origin grid
 * over the box.
 */
export const SF_CITY_MARKET: Market = {
  id: "sf-city",
  name: "SF city box",
  timeZone: "America/Los_Angeles",
  homeRegion: "us-west",
  h3Resolution: 8,
  maxPickupRadiusMeters: PICKUP_RADIUS_METERS,
  eta: undefined,
  roads: undefined,
  area: { type: "BBox", bbox: [SF_CITY_BOX.west, SF_CITY_BOX.south, SF_CITY_BOX.east, SF_CITY_BOX.north] }
}

/** 2008-05-31 18:30 PDT, in the SF sample's Saturday evening: when benchmark ETAs are taken. */
export const EVENING = Date.UTC(2008, 5, 1, 1, 30)

export { seededRandom } from "#engine/testing"

export const randomPoint = (random: () => number, box = SF_CITY_BOX): LatLng => ({
  lat: box.south + random() * (box.north - box.south),
  lng: box.west + random() * (box.east - box.west)
})

/** Degrees of about 50 m of GPS jitter per axis at SF's latitude. */
export const JITTER_DEG = { lat: 50 / 111_195, lng: 50 / 88_000 } as const

export interface Trip {
  readonly requestedAt: number
  readonly pickup: LatLng
  readonly dropoff: LatLng
  /** Epoch ms of the last occupied GPS fix. */
  readonly dropoffAt: number
  /** Length of the GPS polyline (km). */
  readonly polylineKm: number
}

/** The simulator's SF sample: 6,756 real trips of Saturday 31 May 2008, 17:00–22:00 PDT. */
export const SF_SAMPLE_TRIPS = fileURLToPath(new URL("../../simulator/scenarios/sf-sample/trips.csv", import.meta.url))

/**
 * Trips of a cabspotting-format CSV (plain or gzip) whose pickup and dropoff are both inside the
 * box. A deliberately small reader for fixtures; the simulator has the real one.
 */
export const loadTrips = (path: string = SF_SAMPLE_TRIPS, box: Bounds = SF_CITY_BOX): Array<Trip> => {
  const inBox = (p: LatLng) => p.lat >= box.south && p.lat <= box.north && p.lng >= box.west && p.lng <= box.east
  const bytes = readFileSync(path)
  const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString("utf8")
  const [header, ...rows] = text.trim().split("\n")
  const col = Object.fromEntries(header!.split(",").map((name, i) => [name, i]))
  const at = (cells: Array<string>, name: string) => cells[col[name]!]!
  return rows.flatMap((row) => {
    const cells = row.split(",")
    const trip = {
      requestedAt: Date.parse(at(cells, "request_time")),
      pickup: { lat: Number(at(cells, "pickup_lat")), lng: Number(at(cells, "pickup_lng")) },
      dropoff: { lat: Number(at(cells, "dropoff_lat")), lng: Number(at(cells, "dropoff_lng")) },
      dropoffAt: Date.parse(at(cells, "dropoff_time")),
      polylineKm: Number(at(cells, "trip_distance_km"))
    }
    return inBox(trip.pickup) && inBox(trip.dropoff) ? [trip] : []
  })
}

export const median = (values: ReadonlyArray<number>): number => percentile(values, 0.5)

/** Nearest-rank percentile. */
export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
}

/** Runs per measurement, after one discarded warm-up run (as docs/limits.md). */
export const RUNS = 5

/** Operations per second of `run(ops)`: median of RUNS runs after a warm-up run. */
export const opsPerSecond = (ops: number, run: () => void): number => {
  run()
  const rates: Array<number> = []
  for (let r = 0; r < RUNS; r++) {
    const start = process.hrtime.bigint()
    run()
    rates.push(ops / (Number(process.hrtime.bigint() - start) / 1e9))
  }
  return median(rates)
}

/**
 * Operations per second of several contenders, measured in alternation (warm-up round, then
 * RUNS rounds of one run each) so that a burst of load on this shared 2-vCPU machine hits all
 * of them alike; medians per contender.
 */
export const interleavedOpsPerSecond = (contenders: ReadonlyArray<{ readonly ops: number; readonly run: () => void }>): Array<number> => {
  for (const c of contenders) c.run()
  const rates = contenders.map((): Array<number> => [])
  for (let r = 0; r < RUNS; r++) {
    contenders.forEach((c, i) => {
      const start = process.hrtime.bigint()
      c.run()
      rates[i]!.push(c.ops / (Number(process.hrtime.bigint() - start) / 1e9))
    })
  }
  return rates.map(median)
}

/** Wall time (ms) of each call, for percentiles. */
export const timeEach = (times: number, run: (i: number) => void): Array<number> => {
  const samples: Array<number> = []
  for (let i = 0; i < times; i++) {
    const start = process.hrtime.bigint()
    run(i)
    samples.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  return samples
}

/** Human figures: 1234567 -> "1.23M", 45678 -> "45.7k". */
export const si = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n >= 10 ? n.toFixed(0) : n.toFixed(2)

/** Prints a table with padded columns. */
export const printTable = (title: string, head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): void => {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
  console.log(`\n${title}\n${line(head)}\n| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`)
  for (const r of rows) console.log(line(r))
}
