/**
 * Driving on streets: a leg follows the route the road model timed (the engine's
 * `StreetRoutes`: the router's shortest route as a polyline with metres and free-flow ms at
 * every point), at each road's own speed scaled by the hour's factor, so every position the
 * driver reports lies on the route and the leg ends exactly when the road ETA says.
 *
 * A leg that may go only `maxMeters` (repositioning) stops at that many metres along the route,
 * after the free-flow time it takes to get there. A ride whose record gives both its duration
 * and its length needs neither the route's time nor its length, and nobody asks where a busy
 * driver is between pickup and dropoff, so its route is drawn only if a position is asked.
 *
 * Each driver has one `StreetPath`, reused leg after leg (its line's arrays grow to the
 * longest route it has driven): planning a leg allocates nothing once the buffers are large.
 */
import { type LatLng, RouteLine, type StreetRoutes } from "#engine"
import type { LegPath, LegPlanner, RecordedRide } from "./leg-path.ts"

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
  readonly #routes: StreetRoutes

  constructor(routes: StreetRoutes) {
    this.#routes = routes
  }

  /** Routes from `from` to `to`; false when either is off the roads. */
  route(from: LatLng, to: LatLng, at: number, maxMeters: number, record: RecordedRide | undefined): boolean {
    if (!this.#routes.route(from, to, this.line, maxMeters)) return false
    this.#pending = false
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

  /** A recorded ride from `from` to `to`: its own duration and length, the route drawn later if asked. */
  defer(from: LatLng, to: LatLng, durationMs: number, meters: number): void {
    this.#pending = true
    this.#fromLat = from.lat
    this.#fromLng = from.lng
    this.endLat = to.lat
    this.endLng = to.lng
    this.durationMs = durationMs
    this.meters = meters
    this.#recordMeters = true
  }

  #draw(): void {
    this.#pending = false
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
    return share === 1 ? this.meters : this.#metersAtMs(share * this.endMs)
  }

  /** The last point of the line at or before `ms`, so that a point between it and the next holds `ms`. */
  #segmentAt(ms: number): number {
    const times = this.line.ms
    let lo = 0, hi = this.line.count - 1
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
    if (record?.durationMs !== undefined && record.meters !== undefined && maxMeters === Infinity) {
      path.defer(from, to, record.durationMs, record.meters)
      return path
    }
    return path.route(from, to, at, maxMeters, record) ? path : this.#offRoads.plan(driver, from, to, at, maxMeters, record)
  }
}
