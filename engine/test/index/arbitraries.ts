/**
 * fast-check generators of positions for index and matching tests: uniform points in a small
 * box of central San Francisco, and points exactly on or a hair off H3 cell edges and vertices,
 * where a wrong lower bound or a wrong cell would show.
 */
import fc from "fast-check"
import { cellToBoundary, latLngToCell } from "h3-js"
import type { LatLng } from "../../src/domain/geo.ts"

/** About 2.8 km × 2.6 km: at resolutions 8–10 a scenario spans a few to hundreds of cells. */
export const TEST_BOX = { south: 37.765, north: 37.79, west: -122.435, east: -122.405 } as const

export const uniformPoint: fc.Arbitrary<LatLng> = fc.record({
  lat: fc.double({ min: TEST_BOX.south, max: TEST_BOX.north, noNaN: true }),
  lng: fc.double({ min: TEST_BOX.west, max: TEST_BOX.east, noNaN: true })
})

/** Offsets (degrees) off an edge: exactly on it, a rounding error off, a few cm, a metre. */
const EDGE_OFFSETS = [0, 1e-15, -1e-15, 1e-12, -1e-12, 3e-7, -3e-7, 1e-5, -1e-5]

/** A point on an edge or vertex of the resolution-`resolution` cell holding a uniform point. */
export const boundaryPoint = (resolution: number): fc.Arbitrary<LatLng> =>
  fc.record({
    base: uniformPoint,
    edge: fc.nat({ max: 5 }),
    t: fc.oneof(fc.constant(0), fc.constant(0.5), fc.double({ min: 0, max: 1, noNaN: true })),
    dLat: fc.constantFrom(...EDGE_OFFSETS),
    dLng: fc.constantFrom(...EDGE_OFFSETS)
  }).map(({ base, edge, t, dLat, dLng }) => {
    const boundary = cellToBoundary(latLngToCell(base.lat, base.lng, resolution))
    const a = boundary[edge % boundary.length]!, b = boundary[(edge + 1) % boundary.length]!
    return { lat: a[0]! + t * (b[0]! - a[0]!) + dLat, lng: a[1]! + t * (b[1]! - a[1]!) + dLng }
  })

/** Uniform and boundary points, mixed. */
export const testPoint = (resolution: number): fc.Arbitrary<LatLng> =>
  fc.oneof({ arbitrary: uniformPoint, weight: 1 }, { arbitrary: boundaryPoint(resolution), weight: 1 })
