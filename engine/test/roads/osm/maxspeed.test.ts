import { describe, expect, it } from "vitest"
import { KM_PER_MILE, parseMaxSpeedKph, UNLIMITED_SIGN_KPH, WALK_KPH } from "../../../src/roads/osm/maxspeed.ts"

describe("parseMaxSpeedKph", () => {
  it("reads bare numbers as km/h, decimals included", () => {
    expect(parseMaxSpeedKph("50")).toBe(50)
    expect(parseMaxSpeedKph(" 30 ")).toBe(30)
    expect(parseMaxSpeedKph("7.5")).toBe(7.5)
  })

  it("converts mph with or without a space", () => {
    expect(parseMaxSpeedKph("25 mph")).toBeCloseTo(25 * KM_PER_MILE, 9)
    expect(parseMaxSpeedKph("25mph")).toBeCloseTo(40.2336, 4)
    expect(parseMaxSpeedKph("35 MPH")).toBeCloseTo(56.32704, 5)
  })

  it("reads km/h units and knots", () => {
    expect(parseMaxSpeedKph("60 km/h")).toBe(60)
    expect(parseMaxSpeedKph("60kph")).toBe(60)
    expect(parseMaxSpeedKph("60 kmh")).toBe(60)
    expect(parseMaxSpeedKph("10 knots")).toBeCloseTo(18.52, 9)
  })

  it("none is GraphHopper's unlimited-sign speed; walk and living streets walking pace", () => {
    expect(parseMaxSpeedKph("none")).toBe(UNLIMITED_SIGN_KPH)
    expect(parseMaxSpeedKph("walk")).toBe(WALK_KPH)
    expect(parseMaxSpeedKph("DE:living_street")).toBe(WALK_KPH)
  })

  it("zone values: urban 50, rural and trunk 80", () => {
    expect(parseMaxSpeedKph("DE:urban")).toBe(50)
    expect(parseMaxSpeedKph("FR:rural")).toBe(80)
    expect(parseMaxSpeedKph("CZ:trunk")).toBe(80)
  })

  it("signals, variable, lists, zero, negative and garbage are unknown", () => {
    for (const value of ["signals", "variable", "50;30", "0", "-5", "fast", "mph", "25 mph;35 mph", "", "   ", "US:motorway"]) {
      expect(parseMaxSpeedKph(value), value).toBeUndefined()
    }
    expect(parseMaxSpeedKph(undefined)).toBeUndefined()
  })
})
