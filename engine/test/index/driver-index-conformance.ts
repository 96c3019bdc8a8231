/**
 * The conformance suite every `DriverIndex` runs (h3-driver-index.test.ts,
 * brute-force-index.test.ts): the contract's semantics on small, hand-checked cases. That the
 * H3 index answers exactly as brute force on random scenarios is proven separately, by
 * fast-check, in h3-driver-index.test.ts.
 */
import { describe, expect, it } from "vitest"
import { distanceMeters } from "../../src/domain/geo.ts"
import { type DriverIndex, Neighbors } from "../../src/index/driver-index.ts"

const P = { lat: 37.7749, lng: -122.4194 }
/** A point about `meters` north of P. */
const north = (meters: number) => ({ lat: P.lat + meters / 111_195, lng: P.lng })

export const driverIndexConformance = (name: string, make: () => DriverIndex): void => {
  describe(`DriverIndex conformance: ${name}`, () => {
    it("answers nothing when empty, for k <= 0 and for a negative radius", () => {
      const index = make()
      expect(index.nearest(P.lat, P.lng, 5, 1000)).toEqual([])
      index.upsert("a", P.lat, P.lng, "available")
      expect(index.nearest(P.lat, P.lng, 0, 1000)).toEqual([])
      expect(index.nearest(P.lat, P.lng, 3, -1)).toEqual([])
    })

    it("returns the k nearest, nearest first, with their distances and positions", () => {
      const index = make()
      for (const [id, m] of [["far", 900], ["near", 100], ["mid", 400], ["out", 5000]] as const) {
        const p = north(m)
        index.upsert(id, p.lat, p.lng, "available")
      }
      const found = index.nearest(P.lat, P.lng, 2, 2000)
      expect(found.map((n) => n.driverId)).toEqual(["near", "mid"])
      const near = north(100)
      expect(found[0]).toEqual({ driverId: "near", lat: near.lat, lng: near.lng, distanceMeters: distanceMeters(P.lat, P.lng, near.lat, near.lng) })
      expect(index.nearest(P.lat, P.lng, 10, 2000).map((n) => n.driverId)).toEqual(["near", "mid", "far"])
    })

    it("returns every driver in range when k exceeds them, even for k = Infinity", () => {
      const index = make()
      for (let i = 0; i < 7; i++) index.upsert(`d${i}`, north(100 * i).lat, P.lng, i === 3 ? "busy" : "available")
      expect(index.nearest(P.lat, P.lng, Number.POSITIVE_INFINITY, 450).map((n) => n.driverId)).toEqual(["d0", "d1", "d2", "d4"])
      expect(index.nearest(P.lat, P.lng, 50, Number.POSITIVE_INFINITY)).toHaveLength(6)
      expect(index.nearestInto(new Neighbors(), P.lat, P.lng, Number.POSITIVE_INFINITY, 10_000)).toBe(6)
    })

    it("includes a driver exactly at the radius and excludes one just beyond", () => {
      const index = make()
      const p = north(700)
      index.upsert("edge", p.lat, p.lng, "available")
      const d = distanceMeters(P.lat, P.lng, p.lat, p.lng)
      expect(index.nearest(P.lat, P.lng, 1, d).map((n) => n.driverId)).toEqual(["edge"])
      expect(index.nearest(P.lat, P.lng, 1, d - 1e-9)).toEqual([])
    })

    it("breaks distance ties by driver id ascending", () => {
      const index = make()
      const p = north(300)
      for (const id of ["d", "B", "a", "c", "A"]) index.upsert(id, p.lat, p.lng, "available")
      expect(index.nearest(P.lat, P.lng, 3, 1000).map((n) => n.driverId)).toEqual(["A", "B", "a"])
    })

    it("searches available drivers only, and follows status changes", () => {
      const index = make()
      index.upsert("busy", P.lat, P.lng, "busy")
      index.upsert("off", P.lat, P.lng, "offline")
      index.upsert("free", north(200).lat, P.lng, "available")
      expect(index.nearest(P.lat, P.lng, 5, 1000).map((n) => n.driverId)).toEqual(["free"])
      expect(index.size).toBe(3)
      expect(index.availableCount).toBe(1)
      expect(index.setStatus("busy", "available")).toBe(true)
      expect(index.setStatus("free", "busy")).toBe(true)
      expect(index.nearest(P.lat, P.lng, 5, 1000).map((n) => n.driverId)).toEqual(["busy"])
      expect(index.availableCount).toBe(1)
      expect(index.get("free")?.status).toBe("busy")
    })

    it("moves drivers, busy ones included, and reports unknown ids", () => {
      const index = make()
      index.upsert("a", P.lat, P.lng, "available")
      index.upsert("b", north(500).lat, P.lng, "busy")
      expect(index.move("a", north(3000).lat, P.lng)).toBe(true)
      expect(index.move("b", P.lat, P.lng)).toBe(true)
      expect(index.nearest(P.lat, P.lng, 1, 1000)).toEqual([])
      index.setStatus("b", "available")
      expect(index.nearest(P.lat, P.lng, 1, 1000).map((n) => n.driverId)).toEqual(["b"])
      expect(index.move("nobody", P.lat, P.lng)).toBe(false)
      expect(index.setStatus("nobody", "busy")).toBe(false)
      expect(index.remove("nobody")).toBe(false)
      expect(index.get("nobody")).toBeUndefined()
    })

    it("upsert replaces position and status; remove forgets", () => {
      const index = make()
      index.upsert("a", P.lat, P.lng, "busy")
      index.upsert("a", north(50).lat, P.lng, "available")
      expect(index.get("a")).toEqual({ driverId: "a", lat: north(50).lat, lng: P.lng, status: "available" })
      expect(index.size).toBe(1)
      expect(index.remove("a")).toBe(true)
      expect(index.size).toBe(0)
      expect(index.availableCount).toBe(0)
      expect(index.nearest(P.lat, P.lng, 1, 1000)).toEqual([])
      index.upsert("a", P.lat, P.lng, "available")
      expect(index.nearest(P.lat, P.lng, 1, 1000).map((n) => n.driverId)).toEqual(["a"])
    })

    it("snapshot and restore round-trip, replacing previous content", () => {
      const index = make()
      index.upsert("z", P.lat, P.lng, "available")
      index.upsert("y", north(80).lat, P.lng, "offline")
      index.upsert("x", north(160).lat, P.lng, "busy")
      const snapshot = index.snapshot()
      expect(snapshot.drivers.map((d) => d.driverId)).toEqual(["x", "y", "z"])
      const other = make()
      other.upsert("stale", P.lat, P.lng, "available")
      other.restore(snapshot)
      expect(other.snapshot()).toEqual(snapshot)
      expect(other.nearest(P.lat, P.lng, 5, 1000)).toEqual(index.nearest(P.lat, P.lng, 5, 1000))
    })

    it("nearestInto fills a reusable buffer with the same answer", () => {
      const index = make()
      for (let i = 0; i < 20; i++) index.upsert(`d${i}`, north(i * 37).lat, P.lng + i * 1e-4, "available")
      const out = new Neighbors()
      for (const k of [3, 12, 1]) {
        expect(index.nearestInto(out, P.lat, P.lng, k, 800)).toBe(index.nearest(P.lat, P.lng, k, 800).length)
        expect(out.toArray()).toEqual(index.nearest(P.lat, P.lng, k, 800))
      }
    })

    it("near finds the k nearest with their distance ties, and extend adds only the drivers newly within", () => {
      const index = make()
      for (const [id, m] of [["far", 900], ["near", 100], ["b", 400], ["a", 400], ["out", 5000], ["busy", 200]] as const) {
        index.upsert(id, north(m).lat, P.lng, id === "busy" ? "busy" : "available")
      }
      const search = index.near(P.lat, P.lng, 2, 2000)
      const at400 = distanceMeters(P.lat, P.lng, north(400).lat, P.lng)
      const ids = () => search.found.driverIds.slice(0, search.found.count)
      expect(search.found.count).toBe(3)
      expect(ids().sort()).toEqual(["a", "b", "near"])
      expect(search.reach).toBe(at400)
      const first = ids()
      expect(search.extend(300)).toBe(3)
      expect(search.extend(1000)).toBe(4)
      // Entries keep their place; the new one is appended, with its distance and position.
      expect(ids()).toEqual([...first, "far"])
      expect(search.found.toArray()[3]).toEqual({ driverId: "far", lat: north(900).lat, lng: P.lng, distanceMeters: distanceMeters(P.lat, P.lng, north(900).lat, P.lng) })
      expect(search.reach).toBeGreaterThanOrEqual(1000)
      expect(search.extend(Number.POSITIVE_INFINITY)).toBe(4)
      expect(search.reach).toBe(2000)
      // Fewer in range than k: all of them at once, and the radius reached.
      const all = index.near(P.lat, P.lng, 10, 2000)
      expect(all.found.count).toBe(4)
      expect(all.reach).toBe(2000)
      expect(index.near(P.lat, P.lng, 1, -1).found.count).toBe(0)
    })

    it("rejects coordinates that cannot be a position", () => {
      const index = make()
      expect(() => index.upsert("a", Number.NaN, 0, "available")).toThrow(RangeError)
      expect(() => index.upsert("a", 91, 0, "available")).toThrow(RangeError)
      index.upsert("a", P.lat, P.lng, "available")
      expect(() => index.move("a", P.lat, 200)).toThrow(RangeError)
    })
  })
}
