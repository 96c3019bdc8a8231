/**
 * The reference `DriverIndex`: a map of drivers and a full scan per query, sorted with the
 * contract's order. Deliberately the most obvious code (no pruning, no shared search machinery
 * with the H3 index) so that comparing the two tests the H3 index and not a shared bug. Also a
 * fine index below a few thousand drivers.
 */
import { distanceMeters } from "../domain/geo.ts"
import {
  assertCoordinates,
  type DriverIndex,
  type DriverIndexSnapshot,
  type DriverRecord,
  type DriverStatus,
  type NearSearch,
  type Neighbor,
  Neighbors
} from "./driver-index.ts"

/** `near` the obvious way: every driver in range measured and sorted at the start, then handed out by distance. */
class SortedNearSearch implements NearSearch {
  readonly found = new Neighbors()
  reach = 0
  #inRange: Array<Neighbor> = []
  #maxRadius = 0

  start(inRange: Array<Neighbor>, k: number, maxRadiusMeters: number): this {
    this.#inRange = inRange
    this.#maxRadius = maxRadiusMeters
    this.found.clear()
    this.reach = Number.NEGATIVE_INFINITY
    const kth = inRange[Math.max(1, Math.floor(k)) - 1]
    this.extend(kth === undefined ? maxRadiusMeters : kth.distanceMeters)
    return this
  }

  extend(radius: number): number {
    const reach = Math.min(radius, this.#maxRadius)
    if (!(reach > this.reach)) return this.found.count
    this.reach = reach
    for (let i = this.found.count; i < this.#inRange.length && this.#inRange[i]!.distanceMeters <= reach; i++) {
      const n = this.#inRange[i]!
      this.found.push(n.distanceMeters, n.driverId, n.lat, n.lng)
    }
    if (this.found.count === this.#inRange.length) this.reach = this.#maxRadius
    return this.found.count
  }
}

export class BruteForceIndex implements DriverIndex {
  readonly #drivers = new Map<string, DriverRecord>()
  readonly #search = new SortedNearSearch()

  get size(): number {
    return this.#drivers.size
  }

  get availableCount(): number {
    let n = 0
    for (const d of this.#drivers.values()) if (d.status === "available") n++
    return n
  }

  upsert(driverId: string, lat: number, lng: number, status: DriverStatus): void {
    assertCoordinates(lat, lng)
    this.#drivers.set(driverId, { driverId, lat, lng, status })
  }

  move(driverId: string, lat: number, lng: number): boolean {
    const d = this.#drivers.get(driverId)
    if (d === undefined) return false
    this.upsert(driverId, lat, lng, d.status)
    return true
  }

  setStatus(driverId: string, status: DriverStatus): boolean {
    const d = this.#drivers.get(driverId)
    if (d === undefined) return false
    this.#drivers.set(driverId, { ...d, status })
    return true
  }

  remove(driverId: string): boolean {
    return this.#drivers.delete(driverId)
  }

  get(driverId: string): DriverRecord | undefined {
    return this.#drivers.get(driverId)
  }

  nearest(lat: number, lng: number, k: number, maxRadiusMeters: number): Array<Neighbor> {
    const inRange: Array<Neighbor> = []
    for (const d of this.#drivers.values()) {
      if (d.status !== "available") continue
      const distance = distanceMeters(lat, lng, d.lat, d.lng)
      if (distance <= maxRadiusMeters) inRange.push({ driverId: d.driverId, lat: d.lat, lng: d.lng, distanceMeters: distance })
    }
    inRange.sort((a, b) =>
      a.distanceMeters - b.distanceMeters || (a.driverId < b.driverId ? -1 : a.driverId > b.driverId ? 1 : 0)
    )
    return k >= 1 ? inRange.slice(0, Math.floor(k)) : []
  }

  nearestInto(out: Neighbors, lat: number, lng: number, k: number, maxRadiusMeters: number): number {
    const found = this.nearest(lat, lng, k, maxRadiusMeters)
    out.reset(found.length)
    for (const n of found) out.offer(n.distanceMeters, n.driverId, n.lat, n.lng)
    return out.count
  }

  near(lat: number, lng: number, k: number, maxRadiusMeters: number): NearSearch {
    return this.#search.start(this.nearest(lat, lng, Number.POSITIVE_INFINITY, maxRadiusMeters), k, maxRadiusMeters)
  }

  snapshot(): DriverIndexSnapshot {
    return { drivers: [...this.#drivers.values()].sort((a, b) => (a.driverId < b.driverId ? -1 : 1)) }
  }

  restore(snapshot: DriverIndexSnapshot): void {
    this.#drivers.clear()
    for (const d of snapshot.drivers) this.upsert(d.driverId, d.lat, d.lng, d.status)
  }
}
