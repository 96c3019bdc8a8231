/**
 * The shipped real sample (simulator/scenarios/sf-sample): it reads with zero rejections in
 * its market, it is what its README says it is, and, where the full shared data set is on the
 * machine, it is exactly the README's cut of it.
 */
import { assert, describe, it } from "@effect/vitest"
import { loadMarketCatalog, SHIPPED_MARKET_FILES } from "#engine"
import { Effect, Stream } from "effect"
import { createHash } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { readTripCsv } from "../../src/trips/trip-csv.ts"
import { readAll } from "./fixtures.ts"

const SAMPLE_DIR = fileURLToPath(new URL("../../scenarios/sf-sample/", import.meta.url))
const SAMPLE = `${SAMPLE_DIR}trips.csv`
/** The full record the sample was cut from, where the machine has it; see the sample's README for where to get it. */
const FULL = process.env["SF_TRIPS_FILE"] ?? ""
/** The README's rule: request_time in [FROM, TO), Saturday 2008-05-31 17:00-22:00 PDT. */
const FROM = Date.parse("2008-06-01T00:00:00Z")
const TO = Date.parse("2008-06-01T05:00:00Z")
const SAMPLE_TRIPS = 6_756

describe("the shipped SF sample", () => {
  it.effect("reads with zero rejections inside the shipped sf market, all in the stated window", () =>
    Effect.gen(function*() {
      const catalog = yield* loadMarketCatalog(SHIPPED_MARKET_FILES)
      const { trips, summary } = yield* readAll(SAMPLE, { market: { catalog, marketId: "sf" } })
      assert.deepStrictEqual([summary.rows, summary.rejected, summary.complete], [SAMPLE_TRIPS, 0, true])
      assert.isTrue(trips.every((t) => t.requestTime >= FROM && t.requestTime < TO))
    }))

  it("matches the checksum its README states", () => {
    const readme = readFileSync(`${SAMPLE_DIR}README.md`, "utf8")
    const sha256 = createHash("sha256").update(readFileSync(SAMPLE)).digest("hex")
    assert.include(readme, sha256)
  })

  it.effect.skipIf(!existsSync(FULL))("is exactly the README's cut of the full record", () =>
    Effect.gen(function*() {
      const full = yield* readTripCsv(FULL)
      const cut = yield* Stream.runCollect(full.trips.pipe(Stream.filter((t) => t.requestTime >= FROM && t.requestTime < TO)))
      const { trips } = yield* readAll(SAMPLE)
      // Line numbers differ (the sample has its own); everything else must be identical, in order.
      const strip = ({ line: _, ...rest }: { line: number }) => rest
      assert.strictEqual(cut.length, SAMPLE_TRIPS)
      assert.deepStrictEqual(trips.map(strip), cut.map(strip))
    }))
})

if (!existsSync(FULL)) {
  console.warn(`NOTICE: ${FULL === "" ? "SF_TRIPS_FILE not set" : `${FULL} not found`} (point SF_TRIPS_FILE at the full trips.csv.gz): skipping the check that the SF sample is the README's cut of it`)
}
