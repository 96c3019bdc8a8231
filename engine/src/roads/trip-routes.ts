/**
 * Routes of recorded trips, for calibration (`dispatch calibrate`): the free-flow time of the
 * fastest route between a trip's two ends (the router's hub labels, the same answer the road
 * ETA model multiplies by the hour's factor) and, more slowly, that route's length in metres.
 *
 * The labels hold times only, so the length comes from a Dijkstra over every arc from the
 * source's seeds, stopped once nothing left can beat the best target seed, carrying metres
 * beside milliseconds: about a millisecond per SF trip against microseconds for the time, which
 * is why calibration measures lengths on a sample only (docs/roads.md, "Calibration").
 * Lengths count the access legs (point to road) as the router's times do.
 */
import { Effect } from "effect"
import type { LatLng } from "../domain/geo.ts"
import type { Market } from "../domain/market.ts"
import { RoadPoint } from "./edge-snap.ts"
import type { RoadGraphError } from "./errors.ts"
import { MinHeap } from "./min-heap.ts"
import { loadRoadNetwork, type RoadNetwork } from "./road-network.ts"
import { Router, Seeds } from "./router.ts"

export class TripRoutes {
  readonly network: RoadNetwork
  readonly maxSnapMeters: number
  readonly #router: Router
  readonly #from = new RoadPoint()
  readonly #to = new RoadPoint()
  readonly #sources = new Seeds()
  readonly #targets = new Seeds()
  readonly #ms: Float64Array
  readonly #meters: Float64Array
  readonly #touched: Int32Array
  readonly #heap = new MinHeap()

  constructor(network: RoadNetwork, maxSnapMeters: number) {
    this.network = network
    this.maxSnapMeters = maxSnapMeters
    this.#router = new Router(network.graph, network.labels)
    const n = network.graph.nodeCount
    this.#ms = new Float64Array(n).fill(Infinity)
    this.#meters = new Float64Array(n)
    this.#touched = new Int32Array(n)
  }

  /** The routes of a market with roads (its graph loaded as the engine loads it); undefined without roads. */
  static forMarket(market: Market): Effect.Effect<TripRoutes | undefined, RoadGraphError> {
    const roads = market.roads
    if (roads === undefined) return Effect.succeed(undefined)
    return Effect.map(loadRoadNetwork(roads.directory), (network) => new TripRoutes(network, roads.maxSnapMeters))
  }

  /** Snaps both ends into #from and #to; false when either is off the roads. */
  #snap(from: LatLng, to: LatLng): boolean {
    const snap = this.network.snap
    return snap.snap(from.lat, from.lng, this.maxSnapMeters, this.#from) && snap.snap(to.lat, to.lng, this.maxSnapMeters, this.#to)
  }

  /** Free-flow seconds of the fastest route from `from` to `to`, or NaN when either is off the roads. */
  freeFlowSeconds(from: LatLng, to: LatLng): number {
    if (!this.#snap(from, to)) return Number.NaN
    const ms = this.#router.travelMs(this.#from, this.#to)
    return ms === Infinity ? Number.NaN : ms / 1000
  }

  /** Metres along the fastest route from `from` to `to` (access legs included), or NaN off the roads. */
  routeMeters(from: LatLng, to: LatLng): number {
    if (!this.#snap(from, to)) return Number.NaN
    const g = this.network.graph, router = this.#router, s = this.#from, t = this.#to
    const ms = this.#ms, meters = this.#meters, touched = this.#touched, heap = this.#heap
    const sources = router.sourceSeeds(s, this.#sources), targets = router.targetSeeds(t, this.#targets)
    // Seed metres: the rest of the arc (or, on the twin, the part already passed) plus the access leg.
    const sourceMeters = [s.remainMeters + s.offsetMeters, s.alongMeters + s.offsetMeters]
    const targetMeters = [t.alongMeters + t.offsetMeters, t.remainMeters + t.offsetMeters]
    let best = router.sameRoadMs(s, t)
    let bestMeters = Math.abs(t.alongMeters - s.alongMeters) + s.offsetMeters + t.offsetMeters
    let count = 0
    heap.clear()
    for (let k = 0; k < sources.count; k++) {
      const v = sources.nodes[k]!, c = sources.costs[k]!
      if (c < ms[v]!) {
        if (ms[v] === Infinity) touched[count++] = v
        ms[v] = c
        meters[v] = sourceMeters[k]!
        heap.push(c, v)
      }
    }
    while (heap.size > 0 && heap.peekKey() < best) {
      const v = heap.pop()
      const d = heap.lastKey
      if (d > ms[v]!) continue
      for (let k = 0; k < targets.count; k++) {
        if (targets.nodes[k] !== v) continue
        const total = d + targets.costs[k]!
        if (total < best) {
          best = total
          bestMeters = meters[v]! + targetMeters[k]!
        }
      }
      for (let i = g.outStart[v]!; i < g.outStart[v + 1]!; i++) {
        const a = g.outArc[i]!, x = g.arcTo[a]!
        const nd = d + g.arcMs[a]!
        if (nd < ms[x]! && nd < best) {
          if (ms[x] === Infinity) touched[count++] = x
          ms[x] = nd
          meters[x] = meters[v]! + g.arcLength[a]!
          heap.push(nd, x)
        }
      }
    }
    for (let i = 0; i < count; i++) ms[touched[i]!] = Infinity
    return best === Infinity ? Number.NaN : bestMeters
  }
}
