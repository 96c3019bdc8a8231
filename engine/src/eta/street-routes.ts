/**
 * The routes behind the road model's ETAs, as lines to drive: what the simulator moves its
 * drivers along, so that a simulated car takes the very route the engine timed it on.
 *
 * A route exists exactly when the road model routes the pair (both ends within `maxSnapMeters`
 * of a road, the same snap as road-eta.ts); otherwise the model answers by great circle and so
 * must the caller. The line's free-flow ms × the local hour's factor is the model's ETA.
 */
import type { LatLng } from "../domain/geo.ts"
import { RoadPoint } from "../roads/edge-snap.ts"
import { RouteArcs, RouteFinder } from "../roads/route-arcs.ts"
import { RouteLine } from "../roads/route-line.ts"
import type { Eta } from "./eta.ts"
import { RoadEta } from "./road-eta.ts"

export { RouteLine }

export class StreetRoutes {
  readonly #eta: RoadEta
  readonly #finder: RouteFinder
  readonly #arcs = new RouteArcs()
  readonly #from = new RoadPoint()
  readonly #to = new RoadPoint()

  constructor(eta: RoadEta) {
    this.#eta = eta
    this.#finder = new RouteFinder(eta.network.graph, eta.network.labels)
  }

  /** The routes of a market's model when it is the road model; undefined for any other model. */
  static of(eta: Eta): StreetRoutes | undefined {
    return eta instanceof RoadEta ? new StreetRoutes(eta) : undefined
  }

  /**
   * The route from `from` to `to` into `line` (reused, see route-line.ts); false, leaving `line`
   * as it was, when either end is off the roads. With `maxMeters`, the line may stop at the
   * first node past that distance (a drive toward `to` that goes no farther).
   */
  route(from: LatLng, to: LatLng, line: RouteLine, maxMeters = Infinity): boolean {
    if (!this.#find(from, to, maxMeters)) return false
    line.fill(this.#eta.network.graph, from.lat, from.lng, this.#from, this.#arcs, this.#to, to.lat, to.lng)
    return true
  }

  /**
   * The route from `from` to `to` without its line: false when either end is off the roads;
   * else its free-flow ms and metres are `ms` and `meters` until the next call.
   */
  measure(from: LatLng, to: LatLng): boolean {
    return this.#find(from, to, Infinity)
  }

  /** Free-flow ms of the last route found (`route` or `measure`; up to `maxMeters` only when it was cut there: see `meters`). */
  get ms(): number {
    return this.#arcs.ms
  }
  /** Metres of the last route found, whole (a cut route's are in its line). */
  get meters(): number {
    return this.#arcs.meters
  }

  #find(from: LatLng, to: LatLng, maxMeters: number): boolean {
    const eta = this.#eta
    // Through the road model's snap memo: its answer, and pickups and drivers it has seen.
    if (!eta.snap(to.lat, to.lng, this.#to) || !eta.snap(from.lat, from.lng, this.#from)) return false
    const arcs = this.#finder.find(this.#from, this.#to, this.#arcs, maxMeters)
    // Within one strongly connected graph every point reaches every other (graph-validation.ts).
    return arcs.ms < Infinity
  }

  /** Seconds a route of `freeFlowMs` takes leaving at `atMs`: what the road model answers for it. */
  seconds(freeFlowMs: number, atMs: number): number {
    return (freeFlowMs / 1000) * this.#eta.hourFactor(atMs)
  }
}
