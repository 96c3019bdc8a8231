import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { mkdir } from "node:fs/promises"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { parseColumnMapping } from "../../src/trips/column-mapping.ts"
import { formatReadSummary } from "../../src/trips/rejections.ts"
import { readTripCsv } from "../../src/trips/trip-csv.ts"
import type { Trip } from "../../src/trips/trip.ts"
import { HEADER, readAll, row, tempDir, tempFile, testvilleCatalog } from "./fixtures.ts"

const T0 = Date.UTC(2024, 4, 17, 10, 0, 0)
const iso = (offsetSeconds: number) => new Date(T0 + offsetSeconds * 1000).toISOString()
const csv = (...lines: ReadonlyArray<string>) => [HEADER, ...lines].join("\n") + "\n"

describe("readTripCsv: file problems are typed errors naming the file", () => {
  it.effect("a missing file", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(readAll("/nonexistent/dir/trips.csv"))
      assert.strictEqual(error._tag, "TripFileNotFound")
      assert.include(error.message, "/nonexistent/dir/trips.csv")
    }))

  it.effect("a directory", () =>
    Effect.gen(function*() {
      const dir = join(yield* tempDir, "trips.csv")
      yield* Effect.promise(() => mkdir(dir))
      const error = yield* Effect.flip(readAll(dir))
      assert.strictEqual(error._tag, "TripFileUnreadable")
      assert.include(error.message, dir)
    }))

  it.effect("an empty file, a BOM-only file and an empty gzip", () =>
    Effect.gen(function*() {
      for (const [name, content] of [["empty.csv", ""], ["bom.csv", "\uFEFF\n\n"], ["empty.csv.gz", gzipSync("")]] as const) {
        const path = yield* tempFile(name, content)
        const error = yield* Effect.flip(readAll(path))
        assert.strictEqual(error._tag, "TripFileEmpty", name)
      }
    }))

  it.effect("a file without a header", () =>
    Effect.gen(function*() {
      const path = yield* tempFile("noheader.csv", row(iso(0)) + "\n")
      const error = yield* Effect.flip(readAll(path))
      assert.strictEqual(error._tag, "TripFileNoHeader")
      assert.include(error.message, `${path}:1`)
    }))

  it.effect("a missing required column", () =>
    Effect.gen(function*() {
      const path = yield* tempFile("missing.csv", "request_time,pickup_lat,dropoff_lat,dropoff_lng\n")
      const error = yield* Effect.flip(readAll(path))
      assert.strictEqual(error._tag, "TripFileMissingColumns")
      assert.include(error.message, "pickup_lng")
    }))

  it.effect("an optional column a caller requires fails at the header, before any row is read, saying what for", () =>
    Effect.gen(function*() {
      const rows = Array.from({ length: 2_000 }, (_, i) => row(iso(i))).join("\n")
      const path = yield* tempFile("no-distance.csv", `request_time,pickup_lat,pickup_lng,dropoff_lat,dropoff_lng,dropoff_time\n${rows}\n`)
      const require = { columns: ["dropoff_time", "trip_distance_km"] as const, purpose: "the fit needs them", docs: "docs/x.md" }
      const csv = yield* readTripCsv(path, { require })
      const error = yield* Effect.flip(Stream.runCollect(csv.trips))
      assert.strictEqual(error._tag, "TripFileMissingColumns")
      assert.strictEqual(
        error.message,
        `${path}:1: missing column(s) trip_distance_km (the fit needs them); the header has request_time, pickup_lat, pickup_lng, dropoff_lat, dropoff_lng, dropoff_time; ` +
          "map yours with --columns, e.g. --columns trip_distance_km=<your column> (docs/x.md)"
      )
      assert.strictEqual((yield* csv.summary).rows, 0)
    }))

  it.effect("an invalid option fails before any reading", () =>
    Effect.gen(function*() {
      const tolerance = yield* Effect.flip(readTripCsv("any.csv", { sortToleranceMs: -1 }))
      assert.strictEqual(tolerance.option, "sortToleranceMs")
      const market = yield* Effect.flip(readTripCsv("any.csv", { market: { catalog: testvilleCatalog(), marketId: "nowhere" } }))
      assert.include(market.message, "unknown market \"nowhere\"")
    }))
})

describe("readTripCsv: rows", () => {
  it.effect("a header-only file is zero trips and zero rejections", () =>
    Effect.gen(function*() {
      const { trips, summary } = yield* readAll(yield* tempFile("h.csv", HEADER))
      assert.deepStrictEqual(trips, [])
      assert.deepStrictEqual([summary.rows, summary.rejected, summary.complete], [0, 0, true])
    }))

  it.effect("reads every column; optional ones may be empty or absent", () =>
    Effect.gen(function*() {
      const path = yield* tempFile("ok.csv", csv(row(iso(0), [38.7, -9.1], [38.8, -9.2], iso(600), "3.5"), row(iso(5))))
      const { trips } = yield* readAll(path)
      assert.deepStrictEqual(trips, [
        { requestTime: T0, pickup: { lat: 38.7, lng: -9.1 }, dropoff: { lat: 38.8, lng: -9.2 }, dropoffTime: T0 + 600_000, tripDistanceKm: 3.5, line: 2 },
        { requestTime: T0 + 5000, pickup: { lat: 38.72, lng: -9.14 }, dropoff: { lat: 38.74, lng: -9.15 }, dropoffTime: undefined, tripDistanceKm: undefined, line: 3 }
      ])
      const minimal = yield* tempFile("min.csv", "pickup_lng,pickup_lat,request_time,dropoff_lat,dropoff_lng\n-9.1,38.7,1715940000,38.8,-9.2\n")
      const { trips: [trip] } = yield* readAll(minimal)
      assert.deepStrictEqual([trip?.requestTime, trip?.pickup, trip?.dropoffTime], [1_715_940_000_000, { lat: 38.7, lng: -9.1 }, undefined])
    }))

  it.effect("junk rows are counted by reason with file:line examples, never fatal", () =>
    Effect.gen(function*() {
      const path = yield* tempFile("junk.csv", csv(
        row(iso(0)),
        "just,some,junk",
        row("yesterday"),
        row(iso(1), [Number.NaN, -9.1]),
        row(iso(2), [38.7, Number.POSITIVE_INFINITY]),
        row(iso(3), [91, -9.1]),
        row(iso(4), [38.7, -9.1], [38.8, -181]),
        row(iso(5), [38.7, -9.1], [38.8, -9.2], iso(4)),
        row(iso(6), [38.7, -9.1], [38.8, -9.2], "", "-1"),
        row(iso(7), [38.7, -9.1], [38.8, -9.2], "", "far"),
        "\"unclosed,1,2,3,4,5,6",
        row(iso(8))
      ))
      const { trips, summary } = yield* readAll(path)
      assert.deepStrictEqual(trips.map((t) => t.line), [2, 13])
      assert.deepStrictEqual([summary.rows, summary.accepted, summary.rejected], [12, 2, 10])
      assert.deepInclude(summary.byReason, {
        wrong_field_count: 1,
        bad_time: 1,
        bad_number: 3,
        coordinate_out_of_range: 2,
        dropoff_before_request: 1,
        negative_distance: 1,
        bad_quoting: 1
      })
      assert.deepStrictEqual(summary.examples.map((e) => [e.line, e.reason]), [
        [3, "wrong_field_count"], [4, "bad_time"], [5, "bad_number"], [6, "bad_number"], [7, "coordinate_out_of_range"],
        [8, "coordinate_out_of_range"], [9, "dropoff_before_request"], [10, "negative_distance"], [11, "bad_number"], [12, "bad_quoting"]
      ])
      assert.include(summary.examples[1]!.detail, "\"yesterday\"")
      const report = formatReadSummary(summary)
      assert.strictEqual(report[0], `${path}: 2 of 12 rows used, 10 rejected`)
      assert.include(report, "  bad_number: 3")
      assert.include(report, `  ${path}:9: dropoff_before_request: dropoff_time ${iso(4)} is before request_time ${iso(5)}`)
    }))

  it.effect("huge values: out of range, overflowing or too long", () =>
    Effect.gen(function*() {
      const path = yield* tempFile("huge.csv", csv(
        row(iso(0), [1e308, -9.1]),
        `${iso(1)},1e999,-9.1,38.8,-9.2,,`,
        row("99999999999999999999"),
        row(iso(2), [38.7, -9.1], [38.8, -9.2], "", "1e400"),
        row(iso(3), [38.7, -9.1], [38.8, -9.2], "", "9".repeat(400)),
        "9".repeat(100_000),
        row(iso(4), [38.7, -9.1], [38.8, -9.2], "", "12345.6")
      ))
      const { trips, summary } = yield* readAll(path)
      assert.deepStrictEqual(trips.map((t) => [t.line, t.tripDistanceKm]), [[8, 12345.6]])
      assert.deepInclude(summary.byReason, { coordinate_out_of_range: 1, bad_number: 3, bad_time: 1, record_too_long: 1 })
    }))

  it.effect("CRLF line endings, quoted fields and a BOM read like plain LF", () =>
    Effect.gen(function*() {
      const plain = yield* tempFile("plain.csv", csv(row(iso(0), [38.7, -9.1], [38.8, -9.2], iso(60), "1.5")))
      const fancy = yield* tempFile("fancy.csv",
        `\uFEFF"request_time",pickup_lat,"pickup_lng",dropoff_lat,dropoff_lng,dropoff_time,"trip_distance_km"\r\n` +
          `"${iso(0)}","38.7",-9.1,38.8,"-9.2",${iso(60)},"1.5"\r\n`)
      const a = yield* readAll(plain)
      const b = yield* readAll(fancy)
      assert.deepStrictEqual(b.trips, a.trips)
      assert.strictEqual(b.summary.rejected, 0)
    }))

  it.effect("a column mapping reads another layout; extra columns are ignored", () =>
    Effect.gen(function*() {
      const mapping = parseColumnMapping("request_time=ts,pickup_lat=lat0,pickup_lng=lng0,dropoff_lat=lat1,dropoff_lng=lng1,trip_distance_km=km")
      assert.isTrue(mapping._tag === "Success")
      const path = yield* tempFile("other.csv", `vendor,ts,lat0,lng0,lat1,lng1,km\nacme,${iso(0)},38.7,-9.1,38.8,-9.2,2.5\n`)
      const { trips } = yield* readAll(path, { columns: mapping._tag === "Success" ? mapping.success : {} })
      assert.deepStrictEqual(trips.map((t) => [t.requestTime, t.pickup.lat, t.dropoff.lng, t.tripDistanceKm]), [[T0, 38.7, -9.2, 2.5]])
      const error = yield* Effect.flip(readAll(path))
      assert.strictEqual(error._tag, "TripFileMissingColumns")
    }))

  it.effect("rows outside the market are counted with the point at fault", () =>
    Effect.gen(function*() {
      const path = yield* tempFile("market.csv", csv(
        row(iso(0)),
        row(iso(1), [37.79, -122.40]),
        row(iso(2), [38.72, -9.14], [51.5, -0.12]),
        row(iso(3))
      ))
      const market = { catalog: testvilleCatalog(), marketId: "testville" }
      const { trips, summary } = yield* readAll(path, { market })
      assert.deepStrictEqual(trips.map((t) => t.line), [2, 5])
      assert.strictEqual(summary.byReason.outside_market, 2)
      assert.deepStrictEqual(summary.examples.map((e) => e.detail), [
        "pickup 37.79,-122.4 is outside the market",
        "dropoff 51.5,-0.12 is outside the market"
      ])
      const all = yield* readAll(path)
      assert.strictEqual(all.trips.length, 4)
    }))
})

describe("readTripCsv: order", () => {
  it.effect("re-sorts rows disordered within the tolerance; refuses rows beyond it", () =>
    Effect.gen(function*() {
      const path = yield* tempFile("order.csv", csv(
        row(iso(0)),
        row(iso(30)),
        row(iso(10)), // 20 s late: kept, moved before 30
        row(iso(30)), // tie with line 3: after it, file order
        row(iso(300)),
        row(iso(200)), // 100 s late: refused
        row(iso(241)), // 59 s late: kept
        row(iso(240)) // exactly 60 s late: kept
      ))
      const { trips, summary } = yield* readAll(path)
      assert.deepStrictEqual(trips.map((t) => t.line), [2, 4, 3, 5, 9, 8, 6])
      assert.strictEqual(summary.byReason.unsorted, 1)
      assert.deepStrictEqual(summary.examples.map((e) => e.line), [7])
      const strict = yield* readAll(path, { sortToleranceMs: 0 })
      assert.deepStrictEqual(strict.trips.map((t) => t.line), [2, 3, 5, 6])
      assert.strictEqual(strict.summary.byReason.unsorted, 4)
    }))
})

describe("readTripCsv: gzip", () => {
  const rows = Array.from({ length: 5_000 }, (_, i) => row(iso(i), [38.7 + (i % 97) / 1e4, -9.1], [38.8, -9.2 - (i % 89) / 1e4], iso(i + 600), `${(i % 50) / 10}`))
  const text = csv(...rows)

  it.effect("is detected by magic bytes, not the name, and reads like the plain file", () =>
    Effect.gen(function*() {
      const plain = yield* readAll(yield* tempFile("a.csv", text))
      const gz = yield* readAll(yield* tempFile("b.csv", gzipSync(text)))
      assert.strictEqual(gz.trips.length, 5_000)
      assert.deepStrictEqual(gz.trips, plain.trips)
      assert.deepStrictEqual([plain.summary.gzip, gz.summary.gzip], [false, true])
      // Concatenated gzip members (`cat a.gz b.gz`) read as one file.
      const cut = text.indexOf("\n", text.length >> 1) + 1
      const members = Buffer.concat([gzipSync(text.slice(0, cut)), gzipSync(text.slice(cut))])
      const multi = yield* readAll(yield* tempFile("multi.csv.gz", members))
      assert.deepStrictEqual(multi.trips, plain.trips)
    }))

  it.effect("a truncated gzip emits the rows before the cut, then fails naming the file and line", () =>
    Effect.gen(function*() {
      const full = gzipSync(text)
      const path = yield* tempFile("cut.csv.gz", full.subarray(0, Math.floor(full.length / 2)))
      const { trips, summary } = yield* readTripCsv(path)
      const got: Array<Trip> = []
      const error = yield* Effect.flip(Stream.runForEach(trips, (t) => Effect.sync(() => got.push(t))))
      assert.strictEqual(error._tag, "TripFileCorrupt")
      assert.include(error.message, path)
      assert.isAbove(got.length, 100)
      assert.isBelow(got.length, 5_000)
      assert.deepStrictEqual(got.map((t) => t.line), Array.from({ length: got.length }, (_, i) => i + 2))
      // Every complete row before the cut was handed over, the sort window's included.
      assert.strictEqual(error._tag === "TripFileCorrupt" ? error.afterLine : 0, got.length + 1)
      assert.isFalse((yield* summary).complete)
    }))

  it.effect("a corrupt gzip fails with TripFileCorrupt", () =>
    Effect.gen(function*() {
      const bytes = Uint8Array.from(gzipSync(text))
      for (let i = 20; i < 60; i++) bytes[i] = bytes[i]! ^ 0xa5
      const error = yield* Effect.flip(readAll(yield* tempFile("bad.gz", bytes)))
      assert.strictEqual(error._tag, "TripFileCorrupt")
    }))

  it.effect("a consumer may stop early; the summary then says the file was not read to the end", () =>
    Effect.gen(function*() {
      const { trips, summary } = yield* readTripCsv(yield* tempFile("c.csv.gz", gzipSync(text)))
      const first = yield* Stream.runCollect(Stream.take(trips, 3))
      assert.deepStrictEqual(first.map((t) => t.line), [2, 3, 4])
      assert.isFalse((yield* summary).complete)
      const again = yield* Stream.runCollect(trips)
      assert.strictEqual(again.length, 5_000)
      assert.isTrue((yield* summary).complete)
    }))
})
