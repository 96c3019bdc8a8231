/**
 * The geometry the H3 search relies on, checked on real H3 cells of San Francisco at
 * resolutions 8–10: every point of a cell lies within its circumradius; every point within its
 * inradius is in the cell (the move fast path); no point of ring j or beyond is closer to any
 * point of the origin cell than `lowerBound[j]` (the stop rule, docs/matching.md), nor closer
 * to a query point than that minus the point's offset from the origin grid's anchor; and the
 * cache stays within its capacity.
 */
import fc from "fast-check"
import { cellToBoundary, gridDiskDistances, latLngToCell } from "h3-js"
import { describe, expect, it } from "vitest"
import { distanceMeters, EARTH_RADIUS_METERS } from "../../src/domain/geo.ts"
import { RingCache } from "../../src/index/ring-cache.ts"
import { uniformPoint } from "./arbitraries.ts"

const RAD = Math.PI / 180

/** The point `meters` from (lat, lng) along the initial bearing (great circle). */
const destination = (lat: number, lng: number, bearingRad: number, meters: number): [number, number] => {
  const d = meters / EARTH_RADIUS_METERS, φ = lat * RAD, λ = lng * RAD
  const φ2 = Math.asin(Math.sin(φ) * Math.cos(d) + Math.cos(φ) * Math.sin(d) * Math.cos(bearingRad))
  const λ2 = λ + Math.atan2(Math.sin(bearingRad) * Math.sin(d) * Math.cos(φ), Math.cos(d) - Math.sin(φ) * Math.sin(φ2))
  return [φ2 / RAD, λ2 / RAD]
}

/** Points of a cell's closure: centre, vertices, and points along each edge. */
const cellPoints = (cell: string, center: readonly [number, number]): Array<readonly [number, number]> => {
  const boundary = cellToBoundary(cell)
  const points: Array<readonly [number, number]> = [center]
  boundary.forEach((a, i) => {
    const b = boundary[(i + 1) % boundary.length]!
    for (const t of [0, 0.1, 0.25, 0.5, 0.75, 0.9]) points.push([a[0]! + t * (b[0]! - a[0]!), a[1]! + t * (b[1]! - a[1]!)])
  })
  return points
}

const resolution = fc.constantFrom(8, 9, 10)

describe("RingCache geometry", () => {
  it("circumradius covers every vertex and edge point; inradius points stay in the cell", () => {
    fc.assert(
      fc.property(resolution, uniformPoint, fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }), (res, p, bearing) => {
        const cache = new RingCache(res, 10)
        const slot = cache.slot(latLngToCell(p.lat, p.lng, res))
        for (const [lat, lng] of cellPoints(slot.cell, [slot.lat, slot.lng])) {
          expect(distanceMeters(slot.lat, slot.lng, lat, lng)).toBeLessThanOrEqual(slot.radiusMeters)
        }
        expect(slot.inradiusMeters).toBeGreaterThan(0.7 * slot.radiusMeters)
        const [lat, lng] = destination(slot.lat, slot.lng, bearing, slot.inradiusMeters * (1 - 1e-9))
        expect(latLngToCell(lat, lng, res)).toBe(slot.cell)
      }),
      { numRuns: 2000 }
    )
  })

  it("lowerBound[j] bounds the distance from the origin cell to rings j and j + 1", () => {
    fc.assert(
      fc.property(resolution, uniformPoint, (res, p) => {
        const cache = new RingCache(res, 10)
        const origin = cache.slot(latLngToCell(p.lat, p.lng, res))
        const rings = cache.ringsReaching(origin, 5)
        const byRing = gridDiskDistances(origin.cell, 6)
        const originPoints = cellPoints(origin.cell, [origin.lat, origin.lng])
        for (let j = 2; j <= 5; j++) {
          const bound = rings.lowerBound[j]!
          let closest = Number.POSITIVE_INFINITY
          for (const cell of [...byRing[j]!, ...byRing[j + 1]!]) {
            const slot = cache.slot(cell)
            for (const [lat, lng] of cellPoints(cell, [slot.lat, slot.lng])) {
              for (const [oLat, oLng] of originPoints) closest = Math.min(closest, distanceMeters(oLat, oLng, lat, lng))
            }
          }
          expect(bound).toBeLessThanOrEqual(closest)
          // Not vacuous: beyond ring 1 the bound grows with j (about 1.5 edge lengths per ring).
          expect(bound).toBeGreaterThan(0.4 * (j - 1.5) * origin.radiusMeters)
        }
      }),
      { numRuns: 150 }
    )
  })

  it("origin(): lowerBound[j] minus the origin offset bounds the distance from the query point itself", () => {
    // A coarse grid (squares of ~390 m) so that the origin cell is often not the point's own.
    const bounds = { south: 35.7, west: -124.5, north: 39.8, east: -120.4 }
    const caches = new Map([8, 9, 10].map((res) => [res, new RingCache(res, 1000, bounds)]))
    fc.assert(
      fc.property(resolution, uniformPoint, (res, p) => {
        const cache = caches.get(res)!
        const origin = cache.origin(p.lat, p.lng)
        const offset = cache.originOffsetMeters
        expect(offset).toBeLessThan(300)
        const rings = cache.ringsReaching(origin, 5)
        const byRing = gridDiskDistances(origin.cell, 6)
        for (let j = 2; j <= 5; j++) {
          for (const cell of [...byRing[j]!, ...byRing[j + 1]!]) {
            const slot = cache.slot(cell)
            for (const [lat, lng] of cellPoints(cell, [slot.lat, slot.lng])) {
              expect(distanceMeters(p.lat, p.lng, lat, lng)).toBeGreaterThanOrEqual(rings.lowerBound[j]! - offset)
            }
          }
        }
        // Outside the grid the origin is the point's own cell.
        expect(cache.origin(p.lat + 10, p.lng).cell).toBe(latLngToCell(p.lat + 10, p.lng, res))
        expect(cache.originOffsetMeters).toBe(0)
      }),
      { numRuns: 150 }
    )
  })

  it("memoises rings up to its capacity of origins, then starts afresh keeping cells with drivers", () => {
    const cache = new RingCache(9, 3)
    const cells = ["89283082803ffff", "89283082807ffff", "8928308280bffff", "8928308280fffff", "89283082813ffff"]
    const withDriver = cache.slot(cells[4]!)
    withDriver.drivers.push(0)
    for (const cell of cells.slice(0, 3)) cache.ringsReaching(cache.slot(cell), 2)
    expect(cache.originCount).toBe(3)
    const known = cache.cellCount
    const fourth = cache.slot(cells[3]!)
    cache.ringsReaching(fourth, 2)
    expect(cache.originCount).toBe(1)
    expect(cache.slot(cells[0]!).rings).toBeUndefined()
    expect(fourth.rings?.ringEnd).toHaveLength(4)
    expect(cache.slot(cells[4]!)).toBe(withDriver)
    expect(cache.cellCount).toBeLessThan(known)
  })

  it("deepens an origin's rings on demand, geometrically", () => {
    const cache = new RingCache(10, 10)
    const origin = cache.slot(latLngToCell(37.7749, -122.4194, 10))
    expect(cache.ringsReaching(origin, 0).ringEnd).toHaveLength(4)
    expect(cache.ringsReaching(origin, 5).ringEnd).toHaveLength(8)
    expect(cache.ringsReaching(origin, 20).ringEnd).toHaveLength(21)
    expect(cache.ringsReaching(origin, 20).ringEnd[20]).toBe(1 + 3 * 20 * 21)
    expect(cache.originCount).toBe(1)
  })
})
