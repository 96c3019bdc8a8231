/**
 * Instants in the market's zone: the offset in the ISO form follows daylight saving and
 * quarter-hour zones; the span for people names the zone, and both zone names across a change.
 */
import { assert, describe, it } from "@effect/vitest"
import { MarketTime } from "../../src/report/market-time.ts"

const sf = new MarketTime("America/Los_Angeles")

describe("MarketTime", () => {
  it("writes ISO-8601 with the local offset, summer and winter, and in a +05:45 zone", () => {
    assert.strictEqual(sf.iso(Date.parse("2008-06-01T00:00:01Z")), "2008-05-31T17:00:01.000-07:00")
    assert.strictEqual(sf.iso(Date.parse("2008-12-01T08:30:00.250Z")), "2008-12-01T00:30:00.250-08:00")
    assert.strictEqual(new MarketTime("Asia/Kathmandu").iso(Date.parse("2024-01-01T00:00:00Z")), "2024-01-01T05:45:00.000+05:45")
    // The local form is the same instant.
    assert.strictEqual(Date.parse(sf.iso(1_212_278_401_000)), 1_212_278_401_000)
  })

  it("writes a window for people: one date when it is one day, the zone once unless it changed", () => {
    assert.strictEqual(sf.span(Date.parse("2008-06-01T00:00:01Z"), Date.parse("2008-06-01T02:00:00Z")), "2008-05-31 17:00 → 19:00 PDT (America/Los_Angeles)")
    assert.strictEqual(sf.span(Date.parse("2008-06-01T06:00:00Z"), Date.parse("2008-06-01T08:00:00Z")), "2008-05-31 23:00 → 2008-06-01 01:00 PDT (America/Los_Angeles)")
    // 2008-11-02 02:00 PDT became 01:00 PST.
    assert.strictEqual(sf.span(Date.parse("2008-11-02T07:00:00Z"), Date.parse("2008-11-02T11:00:00Z")), "2008-11-02 00:00 PDT → 03:00 PST (America/Los_Angeles)")
    assert.strictEqual(sf.minute(Date.parse("2008-06-01T00:46:59Z")), "2008-05-31 17:46 PDT")
  })
})
