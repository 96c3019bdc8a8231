/**
 * Driving on streets (motion.ts) in the shipped SF market, on random legs at random hours:
 * every position along a leg lies on the route's polyline and moves forward along it as time
 * goes on; the leg's length is the route's, its duration the road ETA at that hour; a leg cut at
 * `maxMeters` stops on the route that far along, sooner; a recorded ride keeps the record's
 * duration and length. A market without roads keeps great-circle legs.
 */
import { distanceMeters, type Eta, type LatLng, RouteLine, StreetRoutes } from "#engine"
import { Effect } from "effect"
import fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import { GreatCircleLegs, GreatCirclePath } from "../../src/fleet/leg-path.ts"
import { StreetLegs } from "../../src/fleet/motion.ts"
import { loadSf } from "../runner/scenario.ts"
import { alongLine, pointAtMeters } from "./on-route.ts"

const SF = { south: 37.71, north: 37.81, west: -122.51, east: -122.39 }
const point = fc.record({ lat: fc.double({ min: SF.south, max: SF.north, noNaN: true }), lng: fc.double({ min: SF.west, max: SF.east, noNaN: true }) })
/** Any moment of 2008 (the hour's factor changes the duration, not the route). */
const moment = fc.integer({ min: Date.UTC(2008, 0, 1), max: Date.UTC(2008, 11, 31) })

let eta: Eta
let routes: StreetRoutes
let legs: StreetLegs
beforeAll(async () => {
  const sf = await Effect.runPromise(loadSf)
  eta = sf.eta
  routes = StreetRoutes.of(eta)!
  legs = new StreetLegs(routes, new GreatCircleLegs(eta, 1.3))
})

describe("street legs", () => {
  it("the road model's markets drive on streets, others on the great circle", () => {
    expect(routes).toBeDefined()
    expect(StreetRoutes.of({ eta: () => 1, minEta: () => 0 })).toBeUndefined()
  })

  it("positions lie on the route and move forward along it; length = the route's; duration = the road ETA", () => {
    fc.assert(
      fc.property(point, point, moment, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }), fc.option(fc.double({ min: 100, max: 5_000, noNaN: true }), { nil: undefined }), (from, to, at, shares, max) => {
        const line = new RouteLine()
        fc.pre(routes.route(from, to, line))
        const path = legs.plan(0, from, to, at, max ?? Infinity)
        const cut = max !== undefined && line.totalMeters > max
        const full = Math.round(eta.eta(from, to, at) * 1000)
        if (cut) {
          expect(path.meters).toBeCloseTo(max, 6)
          expect(path.durationMs).toBeLessThanOrEqual(full + 1)
        } else {
          expect(path.meters).toBeCloseTo(line.totalMeters, 6)
          expect(Math.abs(path.durationMs - full)).toBeLessThanOrEqual(1)
          expect([path.endLat, path.endLng]).toEqual([to.lat, to.lng])
        }
        expect(path.pointAt(0)).toEqual({ lat: from.lat, lng: from.lng })
        const near = (p: LatLng, q: LatLng) => expect(distanceMeters(p.lat, p.lng, q.lat, q.lng)).toBeLessThanOrEqual(0.01)
        near(pointAtMeters(line, path.meters), { lat: path.endLat, lng: path.endLng })
        let driven = 0
        for (const f of [...shares, 1].sort((a, b) => a - b)) {
          // On the route, where the metres driven by then put it; the metres never go back.
          const p = path.pointAt(f), m = path.metersAt(f)
          expect(alongLine(line, p), `share ${f}: ${p.lat},${p.lng} is off the route`).toBeDefined()
          near(pointAtMeters(line, m), p)
          expect(m).toBeGreaterThanOrEqual(driven - 1e-9)
          driven = m
        }
      }),
      { numRuns: 300 }
    )
  })

  it("a position does not depend on which were asked before it (in time order, backwards, again)", () => {
    // motion.ts resumes each search where the last one ended: a fresh path, asked once, is the reference.
    const fresh = new StreetLegs(routes, new GreatCircleLegs(eta, 1.3))
    fc.assert(
      fc.property(point, point, moment, fc.array(fc.double({ min: -0.1, max: 1.1, noNaN: true }), { minLength: 2, maxLength: 40 }), fc.constantFrom(Infinity, 1_500), (from, to, at, shares, max) => {
        fc.pre(routes.route(from, to, new RouteLine(), max))
        const path = legs.plan(3, from, to, at, max)
        for (const f of [...[...shares].sort((a, b) => a - b), ...shares]) {
          const once = fresh.plan(4, from, to, at, max)
          expect([path.pointAt(f), path.metersAt(f)]).toEqual([once.pointAt(f), once.metersAt(f)])
        }
      }),
      { numRuns: 200 }
    )
  })

  it("a recorded ride keeps its duration and length, and is driven on the route if asked where it is", () => {
    fc.assert(
      fc.property(point, point, moment, fc.double({ min: 0.01, max: 0.99, noNaN: true }), (from, to, at, f) => {
        const line = new RouteLine()
        fc.pre(routes.route(from, to, line))
        const path = legs.plan(1, from, to, at, Infinity, { durationMs: 600_000, meters: 4_321 })
        expect([path.durationMs, path.meters, path.metersAt(0.5)]).toEqual([600_000, 4_321, 2_160.5])
        expect(alongLine(line, path.pointAt(f))).toBeDefined()
        expect(path.pointAt(1)).toEqual({ lat: to.lat, lng: to.lng })
      }),
      { numRuns: 30 }
    )
  })

  it("off the roads (the Pacific, 2 km off Ocean Beach), a leg is the great circle, as the road model's ETA is", () => {
    const offshore = { lat: 37.75, lng: -122.535 }, downtown = { lat: 37.7897, lng: -122.4011 }
    expect(routes.route(offshore, downtown, new RouteLine())).toBe(false)
    const path = legs.plan(2, offshore, downtown, Date.UTC(2008, 4, 31, 20), Infinity)
    expect(path).toBeInstanceOf(GreatCirclePath)
    expect(path.durationMs).toBe(Math.round(eta.eta(offshore, downtown, Date.UTC(2008, 4, 31, 20)) * 1000))
  })
})
