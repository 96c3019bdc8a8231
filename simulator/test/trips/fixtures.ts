/**
 * Shared fixtures of the trip source tests: scoped temp files, a small non-SF market, and
 * reading a whole trips file into an array with its summary.
 */
import { Effect, Result, Stream } from "effect"
import { MarketCatalog, parseMarket } from "#engine"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { readTripCsv, type TripCsvOptions } from "../../src/trips/trip-csv.ts"

export const HEADER = "request_time,pickup_lat,pickup_lng,dropoff_lat,dropoff_lng,dropoff_time,trip_distance_km"

/** A temp dir for the test's scope, removed when the test ends (pass or fail). */
export const tempDir = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "dispatch-trips-"))),
  (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
)

/** Writes `content` to a new file in a scoped temp dir; returns its path. */
export const tempFile = (name: string, content: string | Uint8Array) =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    const path = join(dir, name)
    yield* Effect.promise(() => writeFile(path, content))
    return path
  })

/**
 * "Testville": a polygon market far from San Francisco, in another time zone, to show that a
 * market file alone makes a city. A lopsided pentagon around Lisbon, about 20 x 15 km.
 */
export const TESTVILLE_JSON = JSON.stringify({
  id: "testville",
  name: "Testville",
  timeZone: "Europe/Lisbon",
  homeRegion: "eu-central",
  h3Resolution: 8,
  area: {
    type: "Polygon",
    coordinates: [[[-9.25, 38.69], [-9.05, 38.68], [-9.02, 38.78], [-9.12, 38.83], [-9.24, 38.77], [-9.25, 38.69]]]
  }
})

export const testvilleCatalog = (): MarketCatalog => {
  const market = parseMarket(TESTVILLE_JSON, "testville.json")
  if (Result.isFailure(market)) throw new Error(market.failure.message)
  const catalog = MarketCatalog.make([market.success])
  if (typeof catalog === "string") throw new Error(catalog)
  return catalog
}

/** Reads a whole trips file: its trips and the final summary. */
export const readAll = (path: string, options?: TripCsvOptions) =>
  Effect.gen(function*() {
    const csv = yield* readTripCsv(path, options)
    const trips = yield* Stream.runCollect(csv.trips)
    return { trips, summary: yield* csv.summary }
  })

/** A trips row in our column order. */
export const row = (
  requestTime: string,
  pickup: readonly [number, number] = [38.72, -9.14],
  dropoff: readonly [number, number] = [38.74, -9.15],
  dropoffTime = "",
  distanceKm = ""
): string => [requestTime, pickup[0], pickup[1], dropoff[0], dropoff[1], dropoffTime, distanceKm].join(",")
