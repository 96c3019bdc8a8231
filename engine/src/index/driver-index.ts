/**
 * The driver index contract: where the market's drivers are, which of them may be offered an
 * order, and "the k available drivers nearest to a point".
 *
 * Two implementations answer it: `H3DriverIndex` (the product's, H3 cell buckets) and
 * `BruteForceIndex` (a plain scan, the reference the first is proven against). The policies in
 * engine/src/matching see only this interface.
 *
 * "Nearest" has one meaning everywhere: rank by `distanceMeters` (haversine) from the query
 * point to the driver, ties broken by driver id ascending (JavaScript string order, i.e. UTF-16
 * code units; driver ids are `[A-Za-z0-9_-]` tokens, so that is plain ASCII order). The radius is
 * inclusive: a driver exactly `maxRadiusMeters` away is returned.
 */

import type { DriverStatus } from "../domain/messages.ts"

/** `available` drivers are searchable; `busy` (on a trip or reserved by a decision) and `offline` are not. */
export type { DriverStatus }

/** One driver as the index knows it. */
export interface DriverRecord {
  readonly driverId: string
  readonly lat: number
  readonly lng: number
  readonly status: DriverStatus
}

/** A query answer: an available driver and its distance from the query point. */
export interface Neighbor {
  readonly driverId: string
  readonly lat: number
  readonly lng: number
  readonly distanceMeters: number
}

/** Everything needed to rebuild an index (takeover, simulation checkpoints), sorted by driver id. */
export interface DriverIndexSnapshot {
  readonly drivers: ReadonlyArray<DriverRecord>
}

export interface DriverIndex {
  /** Drivers known to the index, whatever their status. */
  readonly size: number
  /** Drivers a query can return. */
  readonly availableCount: number
  /** Adds the driver, or replaces its position and status: what a `driver.state` update says. */
  upsert(driverId: string, lat: number, lng: number, status: DriverStatus): void
  /** Moves a known driver, keeping its status; false when the id is unknown. */
  move(driverId: string, lat: number, lng: number): boolean
  /** Changes a known driver's status; false when the id is unknown. */
  setStatus(driverId: string, status: DriverStatus): boolean
  /** Forgets the driver; false when the id is unknown. */
  remove(driverId: string): boolean
  get(driverId: string): DriverRecord | undefined
  /**
   * The `k` available drivers nearest to the point within `maxRadiusMeters` (inclusive),
   * nearest first, ties by driver id. Fewer when fewer are in range.
   */
  nearest(lat: number, lng: number, k: number, maxRadiusMeters: number): Array<Neighbor>
  /** `nearest` into a reusable buffer, without allocating; returns the count. */
  nearestInto(out: Neighbors, lat: number, lng: number, k: number, maxRadiusMeters: number): number
  /**
   * Starts an incremental search around the point, within `maxRadiusMeters`: it finds the `k`
   * (>= 1) nearest at once, and `extend` then adds only the drivers not found yet. The object
   * is the index's own, valid until the next `near` call or change to the index.
   */
  near(lat: number, lng: number, k: number, maxRadiusMeters: number): NearSearch
  snapshot(): DriverIndexSnapshot
  /** Replaces the whole content with the snapshot's drivers. */
  restore(snapshot: DriverIndexSnapshot): void
}

/**
 * An incremental nearest search (`DriverIndex.near`): the ring search of the candidate search
 * (matching/candidates.ts) grows its radius several times per order, and asking the index for
 * everything within each larger radius again re-read, re-measured and re-sorted the inner
 * drivers every time.
 */
export interface NearSearch {
  /**
   * The drivers found so far, in the order found (not sorted): an entry keeps its index as the
   * search grows, and `count` only grows. Exactly the available drivers within `reach`.
   */
  readonly found: Neighbors
  /**
   * Every available driver within this distance (m, inclusive) of the point is in `found`, and
   * no other: after `near`, the k-th nearest's distance (ties all in), or the search's radius
   * when fewer are in range; the search's radius as well once every driver in range is found.
   */
  readonly reach: number
  /** Grows `reach` to `radius` (at most the search's radius; a smaller one changes nothing); returns `found.count`. */
  extend(radius: number): number
}

/**
 * A reusable, allocation-free answer buffer that also keeps the k best during a search:
 * `offer` inserts in (distance, driver id) order and drops what falls beyond k.
 */
export class Neighbors {
  count = 0
  /** The k of the current search; `offer` keeps at most this many. */
  limit = 0
  readonly driverIds: Array<string> = []
  distances = new Float64Array(8)
  lats = new Float64Array(8)
  lngs = new Float64Array(8)

  /** Empties the buffer for a search of the k best. */
  reset(k: number): void {
    this.count = 0
    this.limit = k
    if (k > this.distances.length) {
      const capacity = Math.max(k, this.distances.length * 2)
      this.distances = new Float64Array(capacity)
      this.lats = new Float64Array(capacity)
      this.lngs = new Float64Array(capacity)
    }
  }

  /** Empties the buffer for `push`. */
  clear(): void {
    this.count = 0
    this.limit = 0
  }

  /** Appends, growing the buffer when full: the unsorted answer of a `NearSearch`. */
  push(distance: number, driverId: string, lat: number, lng: number): void {
    const i = this.count++
    if (i === this.distances.length) {
      const grow = (old: Float64Array) => {
        const next = new Float64Array(2 * old.length)
        next.set(old)
        return next
      }
      this.distances = grow(this.distances)
      this.lats = grow(this.lats)
      this.lngs = grow(this.lngs)
    }
    this.distances[i] = distance
    this.driverIds[i] = driverId
    this.lats[i] = lat
    this.lngs[i] = lng
  }

  /** True when a driver at `distance` with `driverId` would enter the k best. */
  admits(distance: number, driverId: string): boolean {
    if (this.count < this.limit) return true
    const last = this.count - 1
    const worst = this.distances[last]!
    return distance < worst || (distance === worst && driverId < this.driverIds[last]!)
  }

  /** Inserts in order when it enters the k best (callers may pre-check with `admits`). */
  offer(distance: number, driverId: string, lat: number, lng: number): void {
    if (this.limit === 0 || !this.admits(distance, driverId)) return
    let i = this.count < this.limit ? this.count++ : this.count - 1
    const ids = this.driverIds, ds = this.distances, las = this.lats, lns = this.lngs
    while (i > 0) {
      const d = ds[i - 1]!
      if (d < distance || (d === distance && ids[i - 1]! < driverId)) break
      ds[i] = d
      ids[i] = ids[i - 1]!
      las[i] = las[i - 1]!
      lns[i] = lns[i - 1]!
      i--
    }
    ds[i] = distance
    ids[i] = driverId
    las[i] = lat
    lns[i] = lng
  }

  /** Distance of the k-th best so far, or +Infinity while fewer than k are held. */
  get worstDistance(): number {
    return this.count < this.limit ? Number.POSITIVE_INFINITY : this.distances[this.count - 1]!
  }

  toArray(): Array<Neighbor> {
    const result: Array<Neighbor> = []
    for (let i = 0; i < this.count; i++) {
      result.push({ driverId: this.driverIds[i]!, lat: this.lats[i]!, lng: this.lngs[i]!, distanceMeters: this.distances[i]! })
    }
    return result
  }
}

/**
 * Coordinates reach the index already decoded by the domain schemas; a non-finite or
 * out-of-range value here is a defect upstream, so it throws rather than corrupting the index.
 */
export const assertCoordinates = (lat: number, lng: number): void => {
  if (!(lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180)) {
    throw new RangeError(`invalid driver coordinates lat=${lat} lng=${lng}`)
  }
}
