import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { SortWindow } from "../../src/trips/sort-window.ts"
import type { Trip } from "../../src/trips/trip.ts"

const trip = (requestTime: number, line: number): Trip => ({
  requestTime,
  pickup: { lat: 0, lng: 0 },
  dropoff: { lat: 0, lng: 0 },
  line
})

describe("SortWindow", () => {
  it("admits what a reference model admits and emits it sorted by time, ties in input order", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 200 }), fc.integer({ min: 0, max: 50 }), (times, tolerance) => {
        const window = new SortWindow(tolerance)
        const out: Array<Trip> = []
        const admitted: Array<Trip> = []
        let latest = -Infinity
        times.forEach((time, i) => {
          // The model: a time at most `tolerance` below the latest admitted one is admitted.
          const expected = time >= latest - tolerance
          expect(window.admits(time)).toBe(expected)
          if (!expected) return
          latest = Math.max(latest, time)
          admitted.push(trip(time, i))
          window.add(trip(time, i), out)
          // Nothing is released that a later admissible trip could precede.
          for (const t of out) expect(t.requestTime).toBeLessThanOrEqual(latest - tolerance)
        })
        window.flush(out)
        const sorted = [...admitted].sort((a, b) => a.requestTime - b.requestTime || a.line - b.line)
        expect(out).toEqual(sorted)
      })
    )
  })
})
