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
 * keeps it while the same point is asked); drivers' snaps, and their seeds as sources, are
 * remembered in a direct-mapped table keyed by their exact coordinates, since a driver is asked
 * about at every order near it until it moves.
 */
import type { LatLng } from "../domain/geo.ts"
import type { Market } from "../domain/market.ts"
import { RoadPoint } from "../roads/edge-snap.ts"
import type { RoadNetwork } from "../roads/road-network.ts"
import { Router, Seeds } from "../roads/router.ts"
import { SpeedProfile } from "../roads/speed-profile.ts"
import { TravelTimeBound } from "../roads/time-bound.ts"
import type { Eta } from "./eta.ts"
import { GreatCircleEta } from "./great-circle-eta.ts"
import { LocalHour } from "./local-hour.ts"

/** Slots of the snap memo (a power of two): ~8.4 MB, room for a 20k-driver market many times over. */
const SNAP_MEMO_SLOTS = 1 << 16

/** Fields of a memo record, one record per slot (16 doubles: two cache lines). */
const KEY_LAT = 0, KEY_LNG = 1, ARC = 2, VERTEX = 3, LAT = 4, LNG = 5, OFFSET = 6, ALONG = 7, REMAIN = 8, SEED_COUNT = 9, NODE0 = 10, COST0 = 11, NODE1 = 12, COST1 = 13
const STRIDE = 16

/**
 * Remembered snaps by exact coordinates, one per slot (a newer point evicts the older): the
 * fields of `RoadPoint` and the point's seeds as a source (`Router.sourceSeeds`), in one record
 * per slot, so that a driver asked about again costs one or two cache lines before its label
 * scan; `arc` -1 for "off the roads".
 */
class SnapMemo {
  readonly #records = new Float64Array(SNAP_MEMO_SLOTS * STRIDE).fill(Number.NaN)
  readonly #bits = new Float64Array(2)
  readonly #words = new Uint32Array(this.#bits.buffer)

  /** The record's offset of (lat, lng). */
  slot(lat: number, lng: number): number {
    this.#bits[0] = lat
    this.#bits[1] = lng
    const w = this.#words
    let h = Math.imul(w[0]! ^ w[1]!, 0x9e3779b1) ^ Math.imul(w[2]! ^ w[3]!, 0x85ebca77)
    h ^= h >>> 15
    return ((Math.imul(h, 0x2c1b3c6d) >>> 16) & (SNAP_MEMO_SLOTS - 1)) * STRIDE
  }

  /** 1 when (lat, lng) is remembered on a road, 0 off the roads, -1 unknown. */
  known(at: number, lat: number, lng: number): number {
    const r = this.#records
    if (r[at + KEY_LAT] !== lat || r[at + KEY_LNG] !== lng) return -1
    return r[at + ARC]! < 0 ? 0 : 1
  }

  arc(at: number): number {
    return this.#records[at + ARC]!
  }

  /** Copies a known on-road record's point into `out`. */
  point(at: number, out: RoadPoint): RoadPoint {
    const r = this.#records
    out.arc = r[at + ARC]!
    out.vertex = r[at + VERTEX]!
    out.lat = r[at + LAT]!
    out.lng = r[at + LNG]!
    out.offsetMeters = r[at + OFFSET]!
    out.alongMeters = r[at + ALONG]!
    out.remainMeters = r[at + REMAIN]!
    return out
  }

  /** Copies a known on-road record's source seeds into `out`. */
  seeds(at: number, out: Seeds): Seeds {
    const r = this.#records
    out.count = r[at + SEED_COUNT]!
    out.nodes[0] = r[at + NODE0]!
    out.costs[0] = r[at + COST0]!
    out.nodes[1] = r[at + NODE1]!
    out.costs[1] = r[at + COST1]!
    return out
  }

  set(at: number, lat: number, lng: number, onRoad: boolean, p: RoadPoint, seeds: Seeds | undefined): void {
    const r = this.#records
    r[at + KEY_LAT] = lat
    r[at + KEY_LNG] = lng
    r[at + ARC] = onRoad ? p.arc : -1
    r[at + VERTEX] = p.vertex
    r[at + LAT] = p.lat
    r[at + LNG] = p.lng
    r[at + OFFSET] = p.offsetMeters
    r[at + ALONG] = p.alongMeters
    r[at + REMAIN] = p.remainMeters
    if (seeds === undefined) return
    r[at + SEED_COUNT] = seeds.count
    r[at + NODE0] = seeds.nodes[0]!
    r[at + COST0] = seeds.costs[0]!
    r[at + NODE1] = seeds.nodes[1]!
    r[at + COST1] = seeds.costs[1]!
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
  readonly #scratch = new RoadPoint()
  readonly #seeds = new Seeds()
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

  /** The memo record of (lat, lng), snapped (and its seeds kept) when new. */
  #record(lat: number, lng: number): number {
    const at = this.#memo.slot(lat, lng)
    if (this.#memo.known(at, lat, lng) >= 0) return at
    const p = this.#scratch
    const onRoad = this.network.snap.snap(lat, lng, this.maxSnapMeters, p)
    this.#memo.set(at, lat, lng, onRoad, p, onRoad ? this.router.sourceSeeds(p, this.#seeds) : undefined)
    return at
  }

  /** Snaps (lat, lng) into `out` through the memo; false when off the roads. */
  #snap(lat: number, lng: number, out: RoadPoint): boolean {
    const at = this.#record(lat, lng)
    if (this.#memo.arc(at) < 0) return false
    this.#memo.point(at, out)
    return true
  }

  /** Free-flow seconds from `from` to `to` by road, or NaN when either is off the roads. */
  freeFlowSeconds(from: LatLng, to: LatLng): number {
    if (to.lat !== this.#toLat || to.lng !== this.#toLng) {
      this.#toLat = to.lat
      this.#toLng = to.lng
      this.#toOnRoad = this.#snap(to.lat, to.lng, this.#to)
      if (this.#toOnRoad) this.router.setTarget(this.#to)
    }
    if (!this.#toOnRoad) return Number.NaN
    const at = this.#record(from.lat, from.lng), arc = this.#memo.arc(at)
    if (arc < 0) return Number.NaN
    // The same-road route exists only between points on one arc (of a twin pair, the lower id).
    const sameRoad = arc === this.#to.arc ? this.router.sameRoadMs(this.#memo.point(at, this.#from), this.#to) : Infinity
    const ms = this.router.fromSeedsMs(this.#memo.seeds(at, this.#seeds), sameRoad)
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
    return this.#memo.arc(this.#record(p.lat, p.lng)) >= 0
  }
}
