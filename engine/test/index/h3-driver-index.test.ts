/**
 * The H3 index runs the conformance suite (with and without its origin grid), then is proven
 * equal to brute force with fast-check:
 * random sequences of upserts (including drivers stacked on one position, for ties), GPS-jitter
 * and teleport moves, status changes and removals, interleaved with queries at uniform points
 * and at points on or a hair off cell edges and vertices, for radii that are zero, random,
 * exactly some driver's distance (inclusive edge), or unbounded.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { distanceMeters, type LatLng } from "../../src/domain/geo.ts"
import { BruteForceIndex } from "../../src/index/brute-force-index.ts"
import type { DriverIndex, DriverStatus, Neighbor } from "../../src/index/driver-index.ts"
import { H3DriverIndex } from "../../src/index/h3-driver-index.ts"
import { driverIndexConformance } from "./driver-index-conformance.ts"
import { TEST_BOX, testPoint, uniformPoint } from "./arbitraries.ts"

for (const resolution of [8, 10]) {
  driverIndexConformance(`H3DriverIndex res ${resolution}`, () => new H3DriverIndex({ resolution, ringCacheCapacity: 1000 }))
  driverIndexConformance(`H3DriverIndex res ${resolution}, origin grid`, () => new H3DriverIndex({ resolution, ringCacheCapacity: 1000, bounds: TEST_BOX }))
}

/** Driver ids come from a small pool so that ops hit known, removed and re-added drivers. */
const ID_POOL = 60
const driverId = fc.nat({ max: ID_POOL - 1 }).map((n) => `d${String(n).padStart(2, "0")}`)
const status = fc.constantFrom<DriverStatus>("available", "busy", "offline")

type Radius = { readonly kind: "fixed"; readonly meters: number } | { readonly kind: "toDriver"; readonly driverId: string }

type Op =
  | { readonly op: "upsert"; readonly driverId: string; readonly at: LatLng | { readonly copyOf: string }; readonly status: DriverStatus }
  | { readonly op: "jitter"; readonly driverId: string; readonly dLat: number; readonly dLng: number }
  | { readonly op: "teleport"; readonly driverId: string; readonly to: LatLng }
  | { readonly op: "status"; readonly driverId: string; readonly status: DriverStatus }
  | { readonly op: "remove"; readonly driverId: string }
  | { readonly op: "query"; readonly at: LatLng; readonly k: number; readonly radius: Radius }

const COARSE_GRID = { south: TEST_BOX.south - 2, west: TEST_BOX.west - 2, north: TEST_BOX.north + 2, east: TEST_BOX.east + 2 }

/** ~50 m of GPS jitter per axis, in degrees. */
const JITTER_DEG = 0.00045

const opArbitrary = (resolution: number): fc.Arbitrary<Op> => {
  const point = testPoint(resolution)
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant("upsert" as const), driverId, status, at: fc.oneof({ weight: 3, arbitrary: point }, { weight: 1, arbitrary: fc.record({ copyOf: driverId }) }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("jitter" as const), driverId, dLat: fc.double({ min: -JITTER_DEG, max: JITTER_DEG, noNaN: true }), dLng: fc.double({ min: -JITTER_DEG, max: JITTER_DEG, noNaN: true }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("teleport" as const), driverId, to: point }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("status" as const), driverId, status }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("remove" as const), driverId }) },
    {
      weight: 5,
      arbitrary: fc.record({
        op: fc.constant("query" as const),
        at: point,
        k: fc.integer({ min: 1, max: 12 }),
        radius: fc.oneof(
          fc.record({ kind: fc.constant("fixed" as const), meters: fc.oneof(fc.constant(0), fc.constant(Number.POSITIVE_INFINITY), fc.double({ min: 0, max: 4000, noNaN: true })) }),
          fc.record({ kind: fc.constant("toDriver" as const), driverId })
        )
      })
    }
  )
}

const scenario = fc.constantFrom(8, 9, 10).chain((resolution) =>
  fc.record({
    resolution: fc.constant(resolution),
    // With an origin grid, queries start from their square's cell, not their own; the coarse
    // grid (a 440 km box, so squares of ~390 m) puts that cell up to several rings away.
    grid: fc.constantFrom(undefined, TEST_BOX, COARSE_GRID),
    ops: fc.array(opArbitrary(resolution), { minLength: 20, maxLength: 160, size: "max" })
  })
)

describe("H3DriverIndex equals brute force", () => {
  it("on random scenarios near cell edges, with ties, moves, status changes and removals", () => {
    let queries = 0
    fc.assert(
      fc.property(scenario, ({ resolution, grid, ops }) => {
        const h3 = new H3DriverIndex({ resolution, ringCacheCapacity: 8, ...(grid === undefined ? {} : { bounds: grid }) })
        const brute = new BruteForceIndex()
        for (const op of ops) {
          switch (op.op) {
            case "upsert": {
              const at = "copyOf" in op.at ? brute.get(op.at.copyOf) : op.at
              if (at === undefined) break
              h3.upsert(op.driverId, at.lat, at.lng, op.status)
              brute.upsert(op.driverId, at.lat, at.lng, op.status)
              break
            }
            case "jitter": {
              const d = brute.get(op.driverId)
              const lat = (d?.lat ?? 0) + op.dLat, lng = (d?.lng ?? 0) + op.dLng
              expect(h3.move(op.driverId, lat, lng)).toBe(brute.move(op.driverId, lat, lng))
              break
            }
            case "teleport":
              expect(h3.move(op.driverId, op.to.lat, op.to.lng)).toBe(brute.move(op.driverId, op.to.lat, op.to.lng))
              break
            case "status":
              expect(h3.setStatus(op.driverId, op.status)).toBe(brute.setStatus(op.driverId, op.status))
              break
            case "remove":
              expect(h3.remove(op.driverId)).toBe(brute.remove(op.driverId))
              break
            case "query": {
              const target = op.radius.kind === "toDriver" ? brute.get(op.radius.driverId) : undefined
              const radius = op.radius.kind === "fixed"
                ? op.radius.meters
                : target === undefined ? 1000 : distanceMeters(op.at.lat, op.at.lng, target.lat, target.lng)
              queries++
              expect(h3.nearest(op.at.lat, op.at.lng, op.k, radius)).toEqual(brute.nearest(op.at.lat, op.at.lng, op.k, radius))
            }
          }
          expect(h3.availableCount).toBe(brute.availableCount)
        }
        expect(h3.snapshot()).toEqual(brute.snapshot())
        // The cache bound held (8 origins) although scenarios query dozens of points: evictions happened mid-scenario.
        expect(h3.cacheStats.origins).toBeLessThanOrEqual(8)
      }),
      { numRuns: 300 }
    )
    // The generator must really exercise queries: ~5/14 of ~90 ops per run.
    expect(queries).toBeGreaterThan(300 * 20)
  })

  it("on dense crowds: many drivers stacked on a few positions, k up to 40", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(8, 9, 10),
        fc.array(testPoint(9), { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(fc.nat(), testPoint(9), fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 3000, noNaN: true })), { minLength: 10, maxLength: 30, size: "max" }),
        (resolution, spots, queries) => {
          const h3 = new H3DriverIndex({ resolution, ringCacheCapacity: 1000, bounds: TEST_BOX })
          const brute = new BruteForceIndex()
          for (let i = 0; i < 150; i++) {
            const p = spots[i % spots.length]!
            h3.upsert(`c${i}`, p.lat, p.lng, "available")
            brute.upsert(`c${i}`, p.lat, p.lng, "available")
          }
          for (const [spot, p, k, r] of queries) {
            const at = spot % 2 === 0 ? spots[spot % spots.length]! : p
            expect(h3.nearest(at.lat, at.lng, k, r)).toEqual(brute.nearest(at.lat, at.lng, k, r))
          }
        }
      ),
      { numRuns: 200 }
    )
  })
})

/** Sorted by the contract's order, to compare answers found in any order. */
const byDistance = (found: ReadonlyArray<Neighbor>): Array<Neighbor> =>
  [...found].sort((a, b) => a.distanceMeters - b.distanceMeters || (a.driverId < b.driverId ? -1 : a.driverId > b.driverId ? 1 : 0))

/**
 * One incremental search checked against brute force: after `near` and after each `extend`,
 * `found` is exactly the available drivers within `reach`, earlier entries keep their place,
 * and `reach` is at least what was asked.
 */
const checkNear = (index: DriverIndex, brute: BruteForceIndex, at: LatLng, k: number, radius: number, steps: ReadonlyArray<number>): void => {
  const search = index.near(at.lat, at.lng, k, radius)
  const inRange = brute.nearest(at.lat, at.lng, Number.POSITIVE_INFINITY, radius)
  const check = (asked: number, before: ReadonlyArray<Neighbor>) => {
    const found = search.found.toArray()
    expect(found.slice(0, before.length)).toEqual(before)
    expect(byDistance(found)).toEqual(inRange.filter((n) => n.distanceMeters <= search.reach))
    expect(search.reach).toBeLessThanOrEqual(radius)
    expect(search.reach).toBeGreaterThanOrEqual(asked)
    return found
  }
  let found = check(inRange.length < k ? radius : inRange[k - 1]!.distanceMeters, [])
  let asked = search.reach
  for (const step of steps) {
    asked = Math.min(radius, Math.max(asked, search.reach + step))
    search.extend(search.reach + step)
    found = check(asked, found)
  }
}

describe("H3DriverIndex.near equals brute force", () => {
  it("finds exactly the drivers within its reach as it grows, with ties, near cell edges, between status changes", () => {
    let searches = 0
    fc.assert(
      fc.property(
        fc.constantFrom(8, 9, 10).chain((resolution) =>
          fc.record({
            resolution: fc.constant(resolution),
            grid: fc.constantFrom(undefined, TEST_BOX, COARSE_GRID),
            drivers: fc.array(fc.tuple(testPoint(resolution), fc.nat({ max: 3 })), { minLength: 0, maxLength: 40 }),
            searches: fc.array(
              fc.record({
                at: testPoint(resolution),
                k: fc.integer({ min: 1, max: 12 }),
                radius: fc.oneof(fc.constant(0), fc.constant(Number.POSITIVE_INFINITY), fc.double({ min: 0, max: 4000, noNaN: true })),
                steps: fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1500, noNaN: true })), { maxLength: 5 }),
                flip: fc.nat()
              }),
              { minLength: 1, maxLength: 8 }
            )
          })
        ),
        ({ resolution, grid, drivers, searches: list }) => {
          const h3 = new H3DriverIndex({ resolution, ringCacheCapacity: 4, ...(grid === undefined ? {} : { bounds: grid }) })
          const brute = new BruteForceIndex()
          drivers.forEach(([p, copies], i) => {
            // Stacked copies make distance ties.
            for (let c = 0; c <= copies; c++) {
              h3.upsert(`d${i}-${c}`, p.lat, p.lng, "available")
              brute.upsert(`d${i}-${c}`, p.lat, p.lng, "available")
            }
          })
          for (const { at, k, radius, steps, flip } of list) {
            checkNear(h3, brute, at, k, radius, steps)
            checkNear(brute, brute, at, k, radius, steps)
            searches++
            const id = `d${flip % Math.max(1, drivers.length)}-0`
            const status = brute.get(id)?.status === "available" ? "busy" : "available"
            h3.setStatus(id, status)
            brute.setStatus(id, status)
          }
        }
      ),
      { numRuns: 150 }
    )
    expect(searches).toBeGreaterThan(150 * 3)
  })

  it("on hundreds of drivers, small k and many steps (cells deferred and read later)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(9, 10),
        fc.array(uniformPoint, { minLength: 200, maxLength: 400 }),
        fc.array(fc.record({ at: uniformPoint, k: fc.integer({ min: 1, max: 9 }), steps: fc.array(fc.double({ min: 10, max: 400, noNaN: true }), { minLength: 1, maxLength: 8 }) }), { minLength: 1, maxLength: 6 }),
        (resolution, drivers, list) => {
          const h3 = new H3DriverIndex({ resolution, ringCacheCapacity: 1000, bounds: TEST_BOX })
          const brute = new BruteForceIndex()
          drivers.forEach((p, i) => {
            h3.upsert(`d${i}`, p.lat, p.lng, "available")
            brute.upsert(`d${i}`, p.lat, p.lng, "available")
          })
          for (const { at, k, steps } of list) checkNear(h3, brute, at, k, 5000, steps)
        }
      ),
      { numRuns: 40 }
    )
  })
})

describe("H3DriverIndex.forMarket", () => {
  it("bounds the ring cache by the market's cell count at its resolution", () => {
    const market = {
      id: "t", name: "t", timeZone: "UTC", homeRegion: "r", h3Resolution: 8, maxPickupRadiusMeters: 5000, eta: undefined, roads: undefined,
      area: { type: "BBox" as const, bbox: [-122.52, 37.70, -122.36, 37.81] as const }
    }
    const index = H3DriverIndex.forMarket(market)
    expect(index.resolution).toBe(8)
    // polygonToCells with overlapping containment over the SF city box: 225 centres + the edge band.
    expect(index.cacheStats.capacity).toBeGreaterThan(225)
    expect(index.cacheStats.capacity).toBeLessThan(400)
    expect(H3DriverIndex.forMarket(market, 10).cacheStats.capacity).toBeGreaterThan(11_000)
  })
})
