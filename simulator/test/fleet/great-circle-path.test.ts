/**
 * Interpolation along the great circle: ends are exact, the distance splits in proportion.
 */
import { distanceMeters } from "#engine"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { intermediatePoint } from "../../src/fleet/great-circle-path.ts"

const lat = fc.double({ min: 37.2, max: 38.1, noNaN: true }), lng = fc.double({ min: -122.6, max: -121.7, noNaN: true })

describe("intermediatePoint", () => {
  it("splits the great-circle distance in proportion", () => {
    fc.assert(fc.property(lat, lng, lat, lng, fc.double({ min: 0, max: 1, noNaN: true }), (a, b, c, d, f) => {
      const p = intermediatePoint(a, b, c, d, f)
      const whole = distanceMeters(a, b, c, d)
      expect(distanceMeters(a, b, p.lat, p.lng)).toBeCloseTo(whole * f, 3)
      expect(distanceMeters(p.lat, p.lng, c, d)).toBeCloseTo(whole * (1 - f), 3)
    }))
    expect(intermediatePoint(1, 2, 3, 4, 0)).toEqual({ lat: 1, lng: 2 })
    expect(intermediatePoint(1, 2, 3, 4, 1)).toEqual({ lat: 3, lng: 4 })
  })
})
