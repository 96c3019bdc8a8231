import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { parseColumnMapping, resolveColumns } from "../../src/trips/column-mapping.ts"

const problems = (spec: string) => {
  const parsed = parseColumnMapping(spec)
  return Result.isFailure(parsed) ? parsed.failure.problems : []
}

describe("parseColumnMapping", () => {
  it("maps our names to theirs, spaces trimmed", () => {
    expect(parseColumnMapping("request_time=pickup_datetime, pickup_lat = lat0,pickup_lng=lng0")).toEqual(
      Result.succeed({ request_time: "pickup_datetime", pickup_lat: "lat0", pickup_lng: "lng0" })
    )
  })

  it("names an unknown column of ours and lists ours", () => {
    expect(problems("pickup_latitude=lat")).toEqual([
      "unknown column \"pickup_latitude\"; the columns are request_time, pickup_lat, pickup_lng, dropoff_lat, dropoff_lng, dropoff_time, trip_distance_km"
    ])
  })

  it("refuses a column of ours mapped twice, and one of theirs used twice", () => {
    expect(problems("pickup_lat=a,pickup_lat=b")).toEqual(["\"pickup_lat\" is mapped more than once"])
    expect(problems("pickup_lat=lat,dropoff_lat=lat")).toEqual(["\"lat\" is mapped to both pickup_lat and dropoff_lat"])
  })

  it("refuses entries that are not ours=theirs, reporting every problem at once", () => {
    expect(problems("pickup_lat,=x,dropoff_lat=,bogus=y")).toHaveLength(4)
    expect(Result.isFailure(parseColumnMapping(""))).toBe(true)
  })
})

describe("resolveColumns", () => {
  const ours = ["request_time", "pickup_lat", "pickup_lng", "dropoff_lat", "dropoff_lng"]

  it("finds columns in any order, through the mapping; absent optional columns are -1", () => {
    const header = ["fare", "lng0", "lat0", "when", "dropoff_lat", "dropoff_lng"]
    const mapping = { request_time: "when", pickup_lat: "lat0", pickup_lng: "lng0" }
    expect(resolveColumns("f.csv", header, mapping)).toEqual(Result.succeed({
      request_time: 3,
      pickup_lat: 2,
      pickup_lng: 1,
      dropoff_lat: 4,
      dropoff_lng: 5,
      dropoff_time: -1,
      trip_distance_km: -1
    }))
  })

  it("names missing required columns, and mapped optional ones", () => {
    const result = resolveColumns("f.csv", ["request_time", "pickup_lat", "dropoff_lat", "dropoff_lng"], { trip_distance_km: "km" })
    expect(Result.isFailure(result) && result.failure._tag === "TripFileMissingColumns" && result.failure.missing).toEqual([
      "pickup_lng",
      "trip_distance_km (mapped to km)"
    ])
  })

  it("calls a first line with none of the columns a missing header", () => {
    const result = resolveColumns("f.csv", ["2008-05-17T10:00:53Z", "37.7", "-122.4", "37.7", "-122.4"], {})
    expect(Result.isFailure(result) && result.failure._tag).toBe("TripFileNoHeader")
  })

  it("refuses a needed column that the header has twice", () => {
    const result = resolveColumns("f.csv", [...ours, "pickup_lat"], {})
    expect(Result.isFailure(result) && result.failure._tag === "TripFileDuplicateColumn" && result.failure.column).toBe("pickup_lat")
  })
})
