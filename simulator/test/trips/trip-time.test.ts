import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { parseTripTime } from "../../src/trips/trip-time.ts"

const at = (iso: string) => new Date(iso).getTime()

describe("parseTripTime", () => {
  it("reads ISO-8601 in UTC and with offsets in every accepted spelling", () => {
    const t = at("2008-05-17T10:00:53Z")
    for (const text of [
      "2008-05-17T10:00:53Z",
      "2008-05-17t10:00:53z",
      "2008-05-17 10:00:53Z",
      "2008-05-17T03:00:53-07:00",
      "2008-05-17T03:00:53-0700",
      "2008-05-17T03:00:53-07",
      "2008-05-17T15:30:53+05:30",
      " 2008-05-17T10:00:53Z "
    ]) expect(parseTripTime(text), text).toBe(t)
  })

  it("reads fractions to the millisecond and truncates the rest; seconds are optional", () => {
    expect(parseTripTime("2008-05-17T10:00:53.5Z")).toBe(at("2008-05-17T10:00:53.500Z"))
    expect(parseTripTime("2008-05-17T10:00:53,1239Z")).toBe(at("2008-05-17T10:00:53.123Z"))
    expect(parseTripTime("2008-05-17T10:00Z")).toBe(at("2008-05-17T10:00:00Z"))
  })

  it("reads epoch seconds below 1e11 and epoch milliseconds above", () => {
    expect(parseTripTime("1211018453")).toBe(1_211_018_453_000)
    expect(parseTripTime("1211018453.25")).toBe(1_211_018_453_250)
    expect(parseTripTime("1211018453123")).toBe(1_211_018_453_123)
    expect(parseTripTime("99999999999")).toBe(99_999_999_999_000)
    expect(parseTripTime("100000000000")).toBe(100_000_000_000)
  })

  it("rejects times without a zone, impossible dates and non-times", () => {
    for (const text of [
      "2008-05-17T10:00:53", // no zone: whose local time?
      "2008-05-17",
      "2008-02-30T00:00:00Z",
      "2007-02-29T00:00:00Z",
      "2008-13-01T00:00:00Z",
      "2008-05-17T24:00:00Z",
      "2008-05-17T10:60:00Z",
      "2008-05-17T10:00:60Z",
      "2008-05-17T10:00:00+24:00",
      "May 17 2008 10:00:53 GMT",
      "-1211018453",
      "0x10",
      "NaN",
      "Infinity",
      ""
    ]) expect(parseTripTime(text), text).toBeUndefined()
    expect(parseTripTime("2008-02-29T00:00:00Z")).toBe(at("2008-02-29T00:00:00Z"))
  })

  it("rejects epoch values beyond the Date range", () => {
    expect(parseTripTime("99999999999999999999")).toBeUndefined()
    expect(parseTripTime("8640000000000001")).toBeUndefined()
  })

  it("agrees with Date for any instant written by toISOString, in years 0000 to 9999", () => {
    const instant = fc.integer({ min: at("0000-01-01T00:00:00Z"), max: at("9999-12-31T23:59:59.999Z") })
    fc.assert(fc.property(instant, (t) => {
      expect(parseTripTime(new Date(t).toISOString())).toBe(t)
    }))
  })
})
