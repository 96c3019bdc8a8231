/**
 * The road model: ETA = the exact shortest free-flow route between the two points on the
 * market's road network (engine/src/roads), × the speed profile's factor of the local hour.
 *
 * Points farther than `maxSnapMeters` from every road (water, a park without drives, beyond the
 * graph's clip) are not routed: such a pair gets the market's great-circle ETA. `minEta` is
 * the smaller of the two models' bounds, so it stays a lower bound whichever answers:
 * - roads: every piece of a route (access legs, partial arcs, whole arcs) takes at least its
 *   great circle ÷ (its speed × `boundSlack`), so a route between points d apart takes at least
 *   d ÷ (top speed × slack) at free flow, × the hour's factor (road-graph.ts); ring by ring,
 *   with the top speed of the roads near the pickup at each distance, it takes at least
 *   time-bound.ts's integral, which is what is used;
 * - great circle: its own ETA, exact.
 *
 * Speed, for the candidate search's hundreds of ETAs per order (docs/roads.md, "Router"):
 * the pickup is the same for all of them, so its label is loaded once (`Router.setTarget`
 * keeps it while the same point is asked); drivers' snaps are remembered in a direct-mapped
 * table keyed by their exact coordinates, since a driver is asked about at every order near it
 * until it moves.
 */
import type { LatLng } from "../domain/geo.ts"
import type { Market } from "../domain/market.ts"
import { RoadPoint } from "../roads/edge-snap.ts"
import type { RoadNetwork } from "../roads/road-network.ts"
import { Router } from "../roads/router.ts"
import { SpeedProfile } from "../roads/speed-profile.ts"
import { TravelTimeBound } from "../roads/time-bound.ts"
import type { Eta } from "./eta.ts"
import { GreatCircleEta } from "./great-circle-eta.ts"
import { LocalHour } from "./local-hour.ts"

/** Slots of the snap memo (a power of two): ~4.5 MB, room for a 20k-driver market many times over. */
const SNAP_MEMO_SLOTS = 1 << 16

/**
 * Remembered snaps by exact coordinates, one per slot (a newer point evicts the older): the
 * fields of `RoadPoint` in columns, `arc` -1 for "off the roads".
 */
class SnapMemo {
  readonly #keyLat = new Float64Array(SNAP_MEMO_SLOTS).fill(Number.NaN)
  readonly #keyLng = new Float64Array(SNAP_MEMO_SLOTS).fill(Number.NaN)
  readonly #arc = new Int32Array(SNAP_MEMO_SLOTS)
  readonly #vertex = new Int32Array(SNAP_MEMO_SLOTS)
  readonly #lat = new Float64Array(SNAP_MEMO_SLOTS)
  readonly #lng = new Float64Array(SNAP_MEMO_SLOTS)
  readonly #offset = new Float64Array(SNAP_MEMO_SLOTS)
  readonly #along = new Float64Array(SNAP_MEMO_SLOTS)
  readonly #remain = new Float64Array(SNAP_MEMO_SLOTS)
  readonly #bits = new Float64Array(2)
  readonly #words = new Uint32Array(this.#bits.buffer)

  slot(lat: number, lng: number): number {
    this.#bits[0] = lat
    this.#bits[1] = lng
    const w = this.#words
    let h = Math.imul(w[0]! ^ w[1]!, 0x9e3779b1) ^ Math.imul(w[2]! ^ w[3]!, 0x85ebca77)
    h ^= h >>> 15
    return (Math.imul(h, 0x2c1b3c6d) >>> 16) & (SNAP_MEMO_SLOTS - 1)
  }

  /** Copies the remembered snap of (lat, lng) at `slot` into `out`: 1 on a road, 0 off it, -1 unknown. */
  get(slot: number, lat: number, lng: number, out: RoadPoint): number {
    if (this.#keyLat[slot] !== lat || this.#keyLng[slot] !== lng) return -1
    const arc = this.#arc[slot]!
    if (arc < 0) return 0
    out.arc = arc
    out.vertex = this.#vertex[slot]!
    out.lat = this.#lat[slot]!
    out.lng = this.#lng[slot]!
    out.offsetMeters = this.#offset[slot]!
    out.alongMeters = this.#along[slot]!
    out.remainMeters = this.#remain[slot]!
    return 1
  }

  set(slot: number, lat: number, lng: number, onRoad: boolean, p: RoadPoint): void {
    this.#keyLat[slot] = lat
    this.#keyLng[slot] = lng
    this.#arc[slot] = onRoad ? p.arc : -1
    this.#vertex[slot] = p.vertex
    this.#lat[slot] = p.lat
    this.#lng[slot] = p.lng
    this.#offset[slot] = p.offsetMeters
    this.#along[slot] = p.alongMeters
    this.#remain[slot] = p.remainMeters
  }
}

export interface RoadEtaOptions {
  /**
   * `minEta` from the graph's top speed alone, not from the speeds around the pickup: the
   * plain bound, kept to measure what the local one saves (engine/bench/roads.bench.ts).
   */
  readonly plainBound?: boolean
}

export class RoadEta implements Eta {
  readonly network: RoadNetwork
  readonly router: Router
  readonly profile: SpeedProfile
  readonly maxSnapMeters: number
  readonly #fallback: Eta
  readonly #localHour: LocalHour
  /** Seconds per metre of great circle that no route beats at free flow: 3.6 ÷ (top km/h × slack). */
  readonly #boundSecondsPerMeter: number
  /** The ring-by-ring bound around the pickup (time-bound.ts); undefined: the top speed's alone. */
  readonly #bound: TravelTimeBound | undefined
  readonly #memo = new SnapMemo()
  readonly #from = new RoadPoint()
  readonly #to = new RoadPoint()
  #toLat = Number.NaN
  #toLng = Number.NaN
  #toOnRoad = false

  constructor(network: RoadNetwork, profile: SpeedProfile, timeZone: string, maxSnapMeters: number, fallback: Eta, options: RoadEtaOptions = {}) {
    this.network = network
    this.router = new Router(network.graph, network.labels)
    this.profile = profile
    this.maxSnapMeters = maxSnapMeters
    this.#fallback = fallback
    this.#localHour = new LocalHour(timeZone)
    this.#boundSecondsPerMeter = 3.6 / (network.graph.topSpeedKph * network.graph.boundSlack)
    this.#bound = options.plainBound === true ? undefined : new TravelTimeBound(network.graph)
  }

  /** The road model of a market with roads, on its loaded network; great circle off the roads. */
  static forMarket(market: Market, network: RoadNetwork, options: RoadEtaOptions = {}): RoadEta {
    if (market.roads === undefined) throw new RangeError(`market ${market.id} has no roads`)
    return new RoadEta(network, new SpeedProfile(market.roads.factorByHour), market.timeZone, market.roads.maxSnapMeters, GreatCircleEta.forMarket(market), options)
  }

  /** Snaps (lat, lng) into `out` through the memo; false when off the roads. */
  #snap(lat: number, lng: number, out: RoadPoint): boolean {
    const slot = this.#memo.slot(lat, lng)
    const known = this.#memo.get(slot, lat, lng, out)
    if (known >= 0) return known === 1
    const onRoad = this.network.snap.snap(lat, lng, this.maxSnapMeters, out)
    this.#memo.set(slot, lat, lng, onRoad, out)
    return onRoad
  }

  /** Free-flow seconds from `from` to `to` by road, or NaN when either is off the roads. */
  freeFlowSeconds(from: LatLng, to: LatLng): number {
    if (to.lat !== this.#toLat || to.lng !== this.#toLng) {
      this.#toLat = to.lat
      this.#toLng = to.lng
      this.#toOnRoad = this.#snap(to.lat, to.lng, this.#to)
      if (this.#toOnRoad) this.router.setTarget(this.#to)
    }
    if (!this.#toOnRoad || !this.#snap(from.lat, from.lng, this.#from)) return Number.NaN
    const ms = this.router.fromMs(this.#from)
    // Within one strongly connected graph every point reaches every other; kept for safety.
    return ms === Infinity ? Number.NaN : ms / 1000
  }

  eta(from: LatLng, to: LatLng, atMs: number): number {
    const seconds = this.freeFlowSeconds(from, to)
    if (Number.isNaN(seconds)) return this.#fallback.eta(from, to, atMs)
    return seconds * this.profile.factorByHour[this.#localHour.hourOf(atMs)]!
  }

  minEta(distanceMeters: number, atMs: number, to: LatLng): number {
    const freeFlow = this.#bound === undefined ? distanceMeters * this.#boundSecondsPerMeter : this.#bound.minMs(to.lat, to.lng, distanceMeters) / 1000
    const road = freeFlow * this.profile.factorByHour[this.#localHour.hourOf(atMs)]!
    return Math.min(road, this.#fallback.minEta(distanceMeters, atMs, to))
  }

  /** True when the point is within `maxSnapMeters` of a road. */
  onRoads(p: LatLng): boolean {
    return this.#snap(p.lat, p.lng, this.#from)
  }
}
