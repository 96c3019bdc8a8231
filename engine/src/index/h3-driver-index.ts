/**
 * The product's `DriverIndex`: available drivers bucketed by H3 cell, nearest-k by ring
 * expansion from the query point's cell.
 *
 * Layout (measured in engine/bench/index.bench.ts, figures in docs/performance.md): driver
 * fields live in typed arrays indexed by a driver slot (reused after removal); a `Map` turns a
 * driver id into its slot. Each cell's bucket holds its available drivers' slots and, in the
 * same order, copies of their positions, so that a search reads a cell's positions contiguously
 * instead of at scattered slots; a driver knows its place in the bucket, so leaving a cell is a
 * swap-remove. Busy and offline drivers are in no bucket: queries never see them and their
 * moves cost no h3-js call. A move that stays within the cell's inradius costs none either.
 *
 * Query: scan ring 0, 1, 2, ... of the memoised rings around the origin cell (ring-cache.ts);
 * skip a cell whose distance lower bound says it cannot beat the current k-th distance, a
 * driver whose latitude alone says so, and stop before ring j when `lowerBound[j]` (proof in
 * docs/matching.md), less the origin offset, exceeds the k-th distance or the radius, or when
 * every available driver has been accounted for. The answer is exactly the brute-force one
 * (engine/test/index proves it with fast-check). `near`, the incremental search the candidate
 * search grows ring by ring, reads the same rings (h3-near-search.ts).
 */
import { latLngToCell, POLYGON_TO_CELLS_FLAGS, polygonToCellsExperimental } from "h3-js"
import { distanceMeters } from "../domain/geo.ts"
import { distanceLowerBound, METERS_PER_DEGREE_LAT_LOWER } from "./distance-bounds.ts"
import { areaRings, type Market } from "../domain/market.ts"
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
import { H3NearSearch } from "./h3-near-search.ts"
import { type Bounds, type CellSlot, RingCache } from "./ring-cache.ts"

export interface H3DriverIndexOptions {
  /** H3 resolution of the buckets (a market's `h3Resolution`; the bench sweeps 8..10). */
  readonly resolution: number
  /** Most query origins whose rings are memoised at once: the market's cell count. */
  readonly ringCacheCapacity: number
  /** The market's bounding box: queries inside it find their origin cell without h3-js. */
  readonly bounds?: Bounds
}

const STATUS_CODE: Readonly<Record<DriverStatus, number>> = { available: 0, busy: 1, offline: 2 }
const STATUS_OF: ReadonlyArray<DriverStatus> = ["available", "busy", "offline"]
const AVAILABLE = 0
const FREE = 255
const INITIAL_CAPACITY = 1024

const RAD = Math.PI / 180

export class H3DriverIndex implements DriverIndex {
  readonly resolution: number
  readonly #cells: RingCache
  readonly #slotOf = new Map<string, number>()
  readonly #free: Array<number> = []
  readonly #ids: Array<string> = []
  #lat = new Float64Array(INITIAL_CAPACITY)
  #lng = new Float64Array(INITIAL_CAPACITY)
  #status = new Uint8Array(INITIAL_CAPACITY).fill(FREE)
  #bucketPos = new Int32Array(INITIAL_CAPACITY)
  /** The bucket holding the driver while it is available. */
  #cellOf: Array<CellSlot | undefined> = []
  #available = 0
  /** Reused by `nearest`, so that only the returned array is allocated. */
  readonly #scratch = new Neighbors()
  readonly #near: H3NearSearch

  constructor(options: H3DriverIndexOptions) {
    this.resolution = options.resolution
    this.#cells = new RingCache(options.resolution, options.ringCacheCapacity, options.bounds)
    this.#near = new H3NearSearch(this.#cells, this.#ids)
  }

  /**
   * An index at the market's resolution (or another, e.g. for the bench): rings bounded by the
   * market's cell count, the origin grid over the market's bounding box.
   */
  static forMarket(market: Market, resolution: number = market.h3Resolution): H3DriverIndex {
    const rings = areaRings(market.area)
    const cells = polygonToCellsExperimental(rings.map((ring) => ring.map(([lng, lat]) => [lng, lat])), resolution, POLYGON_TO_CELLS_FLAGS.containmentOverlapping, true)
    const lats = rings.flatMap((ring) => ring.map(([, lat]) => lat)), lngs = rings.flatMap((ring) => ring.map(([lng]) => lng))
    const bounds = { south: Math.min(...lats), west: Math.min(...lngs), north: Math.max(...lats), east: Math.max(...lngs) }
    return new H3DriverIndex({ resolution, ringCacheCapacity: cells.length, bounds })
  }

  get size(): number {
    return this.#slotOf.size
  }

  get availableCount(): number {
    return this.#available
  }

  /** Cells and memoised origins, for memory accounting in the bench and tests. */
  get cacheStats(): { readonly cells: number; readonly origins: number; readonly capacity: number } {
    return { cells: this.#cells.cellCount, origins: this.#cells.originCount, capacity: this.#cells.capacity }
  }

  upsert(driverId: string, lat: number, lng: number, status: DriverStatus): void {
    assertCoordinates(lat, lng)
    let s = this.#slotOf.get(driverId)
    if (s === undefined) {
      s = this.#allocate(driverId)
      this.#status[s] = STATUS_CODE.offline
    }
    this.#lat[s] = lat
    this.#lng[s] = lng
    this.#applyStatus(s, STATUS_CODE[status])
    if (this.#status[s] === AVAILABLE) this.#refile(s)
  }

  move(driverId: string, lat: number, lng: number): boolean {
    const s = this.#slotOf.get(driverId)
    if (s === undefined) return false
    assertCoordinates(lat, lng)
    this.#lat[s] = lat
    this.#lng[s] = lng
    if (this.#status[s] === AVAILABLE) this.#refile(s)
    return true
  }

  setStatus(driverId: string, status: DriverStatus): boolean {
    const s = this.#slotOf.get(driverId)
    if (s === undefined) return false
    this.#applyStatus(s, STATUS_CODE[status])
    if (this.#status[s] === AVAILABLE) this.#refile(s)
    return true
  }

  remove(driverId: string): boolean {
    const s = this.#slotOf.get(driverId)
    if (s === undefined) return false
    this.#unfile(s)
    this.#slotOf.delete(driverId)
    this.#ids[s] = ""
    this.#status[s] = FREE
    this.#free.push(s)
    return true
  }

  get(driverId: string): DriverRecord | undefined {
    const s = this.#slotOf.get(driverId)
    if (s === undefined) return undefined
    return { driverId, lat: this.#lat[s]!, lng: this.#lng[s]!, status: STATUS_OF[this.#status[s]!]! }
  }

  nearest(lat: number, lng: number, k: number, maxRadiusMeters: number): Array<Neighbor> {
    this.nearestInto(this.#scratch, lat, lng, k, maxRadiusMeters)
    return this.#scratch.toArray()
  }

  nearestInto(out: Neighbors, lat: number, lng: number, k: number, maxRadiusMeters: number): number {
    // More than every available driver is every available driver (and k may be Infinity).
    out.reset(k >= 1 ? Math.min(Math.floor(k), this.#available) : 0)
    if (out.limit === 0 || !(maxRadiusMeters >= 0)) return 0
    const cells = this.#cells
    const origin = cells.origin(lat, lng)
    // The origin cell may be the cell of a point `slack` metres away rather than of this point.
    const slack = cells.originOffsetMeters
    let rings = origin.rings ?? cells.ringsReaching(origin, 0)
    const ids = this.#ids
    const available = this.#available
    const cosLat = Math.cos(lat * RAD)
    let limit = maxRadiusMeters
    let accounted = 0
    for (let j = 0; accounted < available; j++) {
      if (j >= rings.ringEnd.length) rings = cells.ringsReaching(origin, j)
      if (rings.lowerBound[j]! - slack > limit) break
      const ringCells = rings.cells
      const end = rings.ringEnd[j]!
      for (let c = j === 0 ? 0 : rings.ringEnd[j - 1]!; c < end; c++) {
        const cell = ringCells[c]!
        const n = cell.drivers.length
        if (n === 0) continue
        accounted += n
        if (distanceLowerBound(lat, lng, cosLat, cell.lat, cell.lng, cell.cosLat) - cell.radiusMeters > limit) continue
        const bucketLat = cell.lats, bucketLng = cell.lngs
        for (let b = 0; b < n; b++) {
          const dLat = bucketLat[b]!
          if (Math.abs(dLat - lat) * METERS_PER_DEGREE_LAT_LOWER > limit) continue
          const dLng = bucketLng[b]!
          const d = distanceMeters(lat, lng, dLat, dLng)
          if (d > limit) continue
          const id = ids[cell.drivers[b]!]!
          if (!out.admits(d, id)) continue
          out.offer(d, id, dLat, dLng)
          if (out.count === out.limit) limit = out.distances[out.count - 1]!
        }
      }
    }
    return out.count
  }

  near(lat: number, lng: number, k: number, maxRadiusMeters: number): NearSearch {
    return this.#near.start(lat, lng, k, maxRadiusMeters, this.#available)
  }

  snapshot(): DriverIndexSnapshot {
    const drivers: Array<DriverRecord> = []
    for (const [driverId, s] of this.#slotOf) {
      drivers.push({ driverId, lat: this.#lat[s]!, lng: this.#lng[s]!, status: STATUS_OF[this.#status[s]!]! })
    }
    return { drivers: drivers.sort((a, b) => (a.driverId < b.driverId ? -1 : 1)) }
  }

  restore(snapshot: DriverIndexSnapshot): void {
    for (const driverId of [...this.#slotOf.keys()]) this.remove(driverId)
    for (const d of snapshot.drivers) this.upsert(d.driverId, d.lat, d.lng, d.status)
  }

  #allocate(driverId: string): number {
    let s = this.#free.pop()
    if (s === undefined) {
      s = this.#ids.length
      if (s === this.#lat.length) this.#grow()
      this.#ids.push(driverId)
      this.#cellOf.push(undefined)
    } else {
      this.#ids[s] = driverId
    }
    this.#slotOf.set(driverId, s)
    return s
  }

  #grow(): void {
    const capacity = this.#lat.length * 2
    const grown = <T extends Float64Array | Uint8Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity)
      next.set(old)
      return next
    }
    this.#lat = grown(this.#lat, (n) => new Float64Array(n))
    this.#lng = grown(this.#lng, (n) => new Float64Array(n))
    this.#status = grown(this.#status, (n) => new Uint8Array(n).fill(FREE))
    this.#bucketPos = grown(this.#bucketPos, (n) => new Int32Array(n))
  }

  /** Sets the status code; leaving `available` takes the driver out of its bucket. */
  #applyStatus(s: number, code: number): void {
    if (code !== AVAILABLE) this.#unfile(s)
    this.#status[s] = code
  }

  /** Files an available driver in the bucket of the cell holding its position. */
  #refile(s: number): void {
    const lat = this.#lat[s]!, lng = this.#lng[s]!
    const current = this.#cellOf[s]
    // GPS jitter mostly stays well inside the cell: the inradius test spares the h3-js call.
    const cell = current !== undefined && distanceMeters(lat, lng, current.lat, current.lng) < current.inradiusMeters
      ? current.cell
      : latLngToCell(lat, lng, this.resolution)
    if (current !== undefined) {
      if (current.cell === cell) {
        const pos = this.#bucketPos[s]!
        current.lats[pos] = lat
        current.lngs[pos] = lng
        return
      }
      this.#unfile(s)
    }
    const target = this.#cells.slot(cell)
    this.#bucketPos[s] = target.drivers.length
    target.drivers.push(s)
    target.lats.push(lat)
    target.lngs.push(lng)
    this.#cellOf[s] = target
    this.#available++
  }

  #unfile(s: number): void {
    const current = this.#cellOf[s]
    if (current === undefined) return
    const { drivers, lats, lngs } = current
    const pos = this.#bucketPos[s]!
    const last = drivers.pop()!
    const lastLat = lats.pop()!, lastLng = lngs.pop()!
    if (last !== s) {
      drivers[pos] = last
      lats[pos] = lastLat
      lngs[pos] = lastLng
      this.#bucketPos[last] = pos
    }
    this.#cellOf[s] = undefined
    this.#available--
  }
}
