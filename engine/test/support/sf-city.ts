/**
 * The real San Francisco data the engine's tests and benchmarks share: the SF city box, a
 * market over it, the real SF evening of taxi trips kept in the repository, random points.
 *
 * The area is the San Francisco city/peninsula box 37.70..37.81 N × -122.52..-122.36 E
 * (12.2 km × 14.1 km, 172 km²): a city-sized area, denser than docs/limits.md's 50 km NYC box,
 * so the same driver counts mean a harder test for a grid index.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { gunzipSync } from "node:zlib"
import type { LatLng } from "../../src/domain/geo.ts"
import type { Market } from "../../src/domain/market.ts"
import type { Bounds } from "../../src/index/ring-cache.ts"

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
export const SF_SAMPLE_TRIPS = fileURLToPath(new URL("../../../simulator/scenarios/sf-sample/trips.csv", import.meta.url))

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
