/**
 * Driving on streets: a leg follows the route the road model timed (the engine's
 * `StreetRoutes`: the router's shortest route as a polyline with metres and free-flow ms at
 * every point), at each road's own speed scaled by the hour's factor, so every position the
 * driver reports lies on the route and the leg ends exactly when the road ETA says.
 *
 * A leg that may go only `maxMeters` (repositioning) stops at that many metres along the route,
 * after the free-flow time it takes to get there: its line is drawn when it starts. A leg that
 * goes the whole way (to a pickup, to a dropoff) needs only its time and length, which the route
 * gives without its line (or the ride's record gives), so its line is drawn only when a position
 * in the middle of it is asked: in process nobody asks where a busy driver is, which keeps a
 * month's replay fast, and whoever asks gets the same route.
 *
 * Each driver has one `StreetPath`, reused leg after leg (its line's arrays grow to the
 * longest route it has driven): planning a leg allocates nothing once the buffers are large.
 */
import { type LatLng, RouteLine, type StreetRoutes } from "#engine"
import type { LegPath, LegPlanner, RecordedRide } from "./leg-path.ts"

/** Points `#segmentAt` steps over one by one before it bisects the rest. */
const SEGMENT_STEPS = 8

export class StreetPath implements LegPath {
  readonly line = new RouteLine(32)
  endLat = 0
  endLng = 0
  durationMs = 0
  meters = 0
  /** The leg ends at this free-flow ms of the line (its end, or where `maxMeters` ran out). */
  endMs = 0
  /** The record's length: metres by time share, not along the line. */
  #recordMeters = false
  /** Not routed yet (a recorded ride): the route from `#from` to the end is drawn when first needed. */
  #pending = false
  #fromLat = 0
  #fromLng = 0
  /** Where `#segmentAt` last answered on the current line. */
  #segment = 0
  readonly #routes: StreetRoutes

  constructor(routes: StreetRoutes) {
    this.#routes = routes
  }

  /** Routes from `from` to `to`; false when either is off the roads. */
  route(from: LatLng, to: LatLng, at: number, maxMeters: number, record: RecordedRide | undefined): boolean {
    if (!this.#routes.route(from, to, this.line, maxMeters)) return false
    this.#pending = false
    this.#segment = 0
    const line = this.line
    this.endMs = line.totalMeters <= maxMeters ? line.totalMs : this.#msAtMeters(maxMeters)
    const end = this.#pointAtMs(this.endMs)
    this.endLat = end.lat
    this.endLng = end.lng
    this.durationMs = record?.durationMs ?? Math.round(this.#routes.seconds(this.endMs, at) * 1000)
    this.#recordMeters = record?.meters !== undefined
    this.meters = record?.meters ?? this.#metersAtMs(this.endMs)
    return true
  }

  /**
   * A leg the whole way from `from` to `to` of `durationMs` and `meters`, its line drawn when a
   * position in it is first asked; `recordMeters`: the metres are a record's, not the route's.
   */
  defer(from: LatLng, to: LatLng, durationMs: number, meters: number, recordMeters: boolean): void {
    this.#pending = true
    this.#fromLat = from.lat
    this.#fromLng = from.lng
    this.endLat = to.lat
    this.endLng = to.lng
    this.durationMs = durationMs
    this.meters = meters
    this.#recordMeters = recordMeters
  }

  #draw(): void {
    this.#pending = false
    this.#segment = 0
    const from = { lat: this.#fromLat, lng: this.#fromLng }, to = { lat: this.endLat, lng: this.endLng }
    if (!this.#routes.route(from, to, this.line)) {
      // Off the roads (the road model timed no route either): straight, as great-circle legs go.
      this.line.start(from.lat, from.lng)
      this.line.to(to.lat, to.lng, 1)
    }
    this.endMs = this.line.totalMs
  }

  pointAt(f: number): LatLng {
    if (f >= 1) return { lat: this.endLat, lng: this.endLng }
    if (this.#pending) {
      if (f <= 0) return { lat: this.#fromLat, lng: this.#fromLng }
      this.#draw()
    }
    return this.#pointAtMs((f < 0 ? 0 : f) * this.endMs)
  }

  metersAt(f: number): number {
    const share = f < 0 ? 0 : f > 1 ? 1 : f
    if (this.#recordMeters) return this.meters * share
    if (share === 1 || share === 0) return this.meters * share
    if (this.#pending) this.#draw()
    return this.#metersAtMs(share * this.endMs)
  }

  /**
   * The last point of the line at or before `ms` (at most the one before the last), so that a
   * point between it and the next holds `ms`. Positions of a leg are asked in time order (the
   * 30 s publishes, then where the leg ends), so the search starts at the segment of the last
   * answer and steps forward: the few points a driver passes in between, read in order, rather
   * than a binary search's jumps across a line that is likely out of cache by then.
   */
  #segmentAt(ms: number): number {
    const times = this.line.ms, last = this.line.count - 1
    let lo = this.#segment
    if (lo >= last || times[lo]! > ms) lo = 0
    for (let steps = 0; steps < SEGMENT_STEPS && lo + 1 < last && times[lo + 1]! <= ms; steps++) lo++
    if (lo + 1 < last && times[lo + 1]! <= ms) lo = this.#bisect(lo + 1, ms)
    this.#segment = lo
    return lo
  }

  /** The last point at or before `ms` from `lo` on (`times[lo]` ≤ `ms`), at most the one before the last. */
  #bisect(lo: number, ms: number): number {
    const times = this.line.ms
    let hi = this.line.count - 1
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1
      if (times[mid]! <= ms) lo = mid
      else hi = mid
    }
    return lo
  }

  #pointAtMs(ms: number): LatLng {
    const { lat, lng, count } = this.line
    if (count === 1) return { lat: lat[0]!, lng: lng[0]! }
    const k = this.#segmentAt(ms), span = this.line.ms[k + 1]! - this.line.ms[k]!
    const u = span > 0 ? Math.min(1, (ms - this.line.ms[k]!) / span) : 1
    return { lat: lat[k]! + (lat[k + 1]! - lat[k]!) * u, lng: lng[k]! + (lng[k + 1]! - lng[k]!) * u }
  }

  #metersAtMs(ms: number): number {
    const { meters, count } = this.line
    if (count === 1) return 0
    const k = this.#segmentAt(ms), span = this.line.ms[k + 1]! - this.line.ms[k]!
    const u = span > 0 ? Math.min(1, (ms - this.line.ms[k]!) / span) : 1
    return meters[k]! + (meters[k + 1]! - meters[k]!) * u
  }

  /** Free-flow ms at which the line reaches `m` metres. */
  #msAtMeters(m: number): number {
    const { meters, ms } = this.line
    let lo = 0, hi = this.line.count - 1
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1
      if (meters[mid]! <= m) lo = mid
      else hi = mid
    }
    const span = meters[hi]! - meters[lo]!
    return span > 0 ? ms[lo]! + (ms[hi]! - ms[lo]!) * Math.min(1, (m - meters[lo]!) / span) : ms[lo]!
  }
}

/** Street legs, each along its route; great-circle legs (`offRoads`) where the road model routes none. */
export class StreetLegs implements LegPlanner {
  readonly #routes: StreetRoutes
  readonly #offRoads: LegPlanner
  readonly #paths: Array<StreetPath | undefined> = []

  constructor(routes: StreetRoutes, offRoads: LegPlanner) {
    this.#routes = routes
    this.#offRoads = offRoads
  }

  plan(driver: number, from: LatLng, to: LatLng, at: number, maxMeters: number, record?: RecordedRide): LegPath {
    const path = (this.#paths[driver] ??= new StreetPath(this.#routes))
    if (maxMeters !== Infinity) return path.route(from, to, at, maxMeters, record) ? path : this.#offRoads.plan(driver, from, to, at, maxMeters, record)
    if (record?.durationMs !== undefined && record.meters !== undefined) {
      path.defer(from, to, record.durationMs, record.meters, true)
      return path
    }
    const routes = this.#routes
    if (!routes.measure(from, to)) return this.#offRoads.plan(driver, from, to, at, maxMeters, record)
    path.defer(from, to, record?.durationMs ?? Math.round(routes.seconds(routes.ms, at) * 1000), record?.meters ?? routes.meters, record?.meters !== undefined)
    return path
  }
}
