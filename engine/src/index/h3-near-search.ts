/**
 * The H3 index's incremental search (`DriverIndex.near`). It reads the rings of cells around
 * the origin as `nearestInto` does, with the same bounds, but throws nothing away: a driver
 * measured beyond the current reach waits in `pending` for a later `extend`, a cell whose
 * distance bound is beyond it waits unread in `deferred`, and the next ring to read is
 * remembered. So however often the search grows, each driver is measured once and each cell
 * read once, and `found` is appended to, never sorted.
 *
 * State lives in typed arrays reused from search to search: a search allocates nothing once
 * they have grown to the largest one's size.
 */
import { distanceMeters } from "../domain/geo.ts"
import { distanceLowerBound, METERS_PER_DEGREE_LAT_LOWER } from "./distance-bounds.ts"
import { type NearSearch, Neighbors } from "./driver-index.ts"
import type { CellSlot, OriginRings, RingCache } from "./ring-cache.ts"

const RAD = Math.PI / 180

const grown = (old: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
  const next = new Float64Array(2 * old.length)
  next.set(old)
  return next
}

export class H3NearSearch implements NearSearch {
  readonly found = new Neighbors()
  reach = 0
  readonly #cells: RingCache
  /** The index's driver ids by slot (the index's own array, read only). */
  readonly #ids: ReadonlyArray<string>
  #lat = 0
  #lng = 0
  #cosLat = 1
  #maxRadius = 0
  #origin: CellSlot | undefined
  #rings: OriginRings | undefined
  /** The origin cell's distance from the point (ring-cache.ts, `originOffsetMeters`). */
  #slack = 0
  /** The next ring to read. */
  #ring = 0
  /** Drivers in the cells of the rings read so far, and available drivers in all. */
  #accounted = 0
  #available = 0
  /** Rings and cells are read while their bound is within this. */
  #limit = 0
  /** Measured drivers not in `found` yet: distance, slot and position. */
  #pendingCount = 0
  #pendingDistance = new Float64Array(64)
  #pendingLat = new Float64Array(64)
  #pendingLng = new Float64Array(64)
  #pendingSlot = new Int32Array(64)
  /** Cells of rings read whose distance bound was beyond `#limit`, and those bounds. */
  readonly #deferred: Array<CellSlot | undefined> = []
  #deferredBound = new Float64Array(16)
  #deferredCount = 0
  /** While `near` looks for the k nearest: the k smallest distances measured, ascending. */
  #k = 0
  #kHeld = 0
  #kBest = new Float64Array(16)

  constructor(cells: RingCache, ids: ReadonlyArray<string>) {
    this.#cells = cells
    this.#ids = ids
  }

  /** The search of `DriverIndex.near`, with the index's available count. */
  start(lat: number, lng: number, k: number, maxRadiusMeters: number, available: number): this {
    this.found.clear()
    this.#pendingCount = 0
    this.#deferred.fill(undefined, 0, this.#deferredCount)
    this.#deferredCount = 0
    this.#lat = lat
    this.#lng = lng
    this.#cosLat = Math.cos(lat * RAD)
    this.#maxRadius = maxRadiusMeters
    this.#accounted = 0
    this.#available = available
    this.#ring = 0
    this.reach = maxRadiusMeters
    if (!(maxRadiusMeters >= 0) || available === 0) {
      this.#origin = undefined
      this.#rings = undefined
      return this
    }
    const cells = this.#cells
    const origin = cells.origin(lat, lng)
    this.#origin = origin
    this.#slack = cells.originOffsetMeters
    this.#rings = origin.rings ?? cells.ringsReaching(origin, 0)
    // More than every available driver is every available driver (and k may be Infinity).
    this.#k = Math.min(Math.max(1, Math.floor(k)), available)
    if (this.#k > this.#kBest.length) this.#kBest = new Float64Array(Math.max(this.#k, 2 * this.#kBest.length))
    this.#kHeld = 0
    this.#limit = maxRadiusMeters
    this.#readRings()
    const reach = this.#kHeld === this.#k ? this.#kBest[this.#k - 1]! : maxRadiusMeters
    this.#k = 0
    this.#settle(reach)
    return this
  }

  extend(radius: number): number {
    const reach = Math.min(radius, this.#maxRadius)
    if (!(reach > this.reach)) return this.found.count
    this.#limit = reach
    this.#readRings()
    let kept = 0
    const deferred = this.#deferred, bound = this.#deferredBound
    for (let i = 0; i < this.#deferredCount; i++) {
      const cell = deferred[i]!
      if (bound[i]! <= reach) this.#read(cell)
      else {
        deferred[kept] = cell
        bound[kept++] = bound[i]!
      }
    }
    deferred.fill(undefined, kept, this.#deferredCount)
    this.#deferredCount = kept
    this.#settle(reach)
    return this.found.count
  }

  /** Moves the pending drivers within `reach` to `found`, and sets `reach` (the radius when nothing in range is left). */
  #settle(reach: number): void {
    const d = this.#pendingDistance, lats = this.#pendingLat, lngs = this.#pendingLng, slots = this.#pendingSlot
    let kept = 0
    for (let i = 0; i < this.#pendingCount; i++) {
      if (d[i]! <= reach) this.found.push(d[i]!, this.#ids[slots[i]!]!, lats[i]!, lngs[i]!)
      else {
        d[kept] = d[i]!
        lats[kept] = lats[i]!
        lngs[kept] = lngs[i]!
        slots[kept++] = slots[i]!
      }
    }
    this.#pendingCount = kept
    this.reach = kept === 0 && this.#deferredCount === 0 && this.#ringsDone() ? this.#maxRadius : reach
  }

  /** True when no unread ring holds a driver in range. */
  #ringsDone(): boolean {
    if (this.#accounted >= this.#available) return true
    const rings = this.#rings!, j = this.#ring
    return j < rings.ringEnd.length && rings.lowerBound[j]! - this.#slack > this.#maxRadius
  }

  /** Reads ring after ring while the ring's bound is within `#limit`; cells beyond it are deferred. */
  #readRings(): void {
    let rings = this.#rings!
    const lat = this.#lat, lng = this.#lng, cosLat = this.#cosLat, max = this.#maxRadius
    while (this.#accounted < this.#available) {
      const j = this.#ring
      if (j >= rings.ringEnd.length) rings = this.#rings = this.#cells.ringsReaching(this.#origin!, j)
      if (rings.lowerBound[j]! - this.#slack > this.#limit) return
      const ringCells = rings.cells, end = rings.ringEnd[j]!
      for (let c = j === 0 ? 0 : rings.ringEnd[j - 1]!; c < end; c++) {
        const cell = ringCells[c]!
        const n = cell.drivers.length
        if (n === 0) continue
        this.#accounted += n
        const bound = distanceLowerBound(lat, lng, cosLat, cell.lat, cell.lng, cell.cosLat) - cell.radiusMeters
        if (bound > max) continue
        if (bound > this.#limit) this.#defer(cell, bound)
        else this.#read(cell)
      }
      this.#ring = j + 1
    }
  }

  #defer(cell: CellSlot, bound: number): void {
    const i = this.#deferredCount++
    if (i === this.#deferredBound.length) this.#deferredBound = grown(this.#deferredBound)
    this.#deferred[i] = cell
    this.#deferredBound[i] = bound
  }

  /** Measures the cell's drivers in range into `pending` (and, in `near`'s search, the k smallest). */
  #read(cell: CellSlot): void {
    const lat = this.#lat, lng = this.#lng, max = this.#maxRadius
    const lats = cell.lats, lngs = cell.lngs, slots = cell.drivers
    for (let b = 0; b < slots.length; b++) {
      const dLat = lats[b]!
      if (Math.abs(dLat - lat) * METERS_PER_DEGREE_LAT_LOWER > max) continue
      const dLng = lngs[b]!
      const d = distanceMeters(lat, lng, dLat, dLng)
      if (d > max) continue
      const i = this.#pendingCount++
      if (i === this.#pendingDistance.length) this.#growPending()
      this.#pendingDistance[i] = d
      this.#pendingLat[i] = dLat
      this.#pendingLng[i] = dLng
      this.#pendingSlot[i] = slots[b]!
      if (this.#k > 0) this.#offer(d)
    }
  }

  /** Keeps d among the k smallest distances; once k are held, `#limit` is the k-th. */
  #offer(d: number): void {
    const best = this.#kBest, k = this.#k
    if (this.#kHeld === k && !(d < best[k - 1]!)) return
    let i = this.#kHeld < k ? this.#kHeld++ : k - 1
    while (i > 0 && best[i - 1]! > d) {
      best[i] = best[i - 1]!
      i--
    }
    best[i] = d
    if (this.#kHeld === k) this.#limit = best[k - 1]!
  }

  #growPending(): void {
    this.#pendingDistance = grown(this.#pendingDistance)
    this.#pendingLat = grown(this.#pendingLat)
    this.#pendingLng = grown(this.#pendingLng)
    const slots = new Int32Array(2 * this.#pendingSlot.length)
    slots.set(this.#pendingSlot)
    this.#pendingSlot = slots
  }
}
