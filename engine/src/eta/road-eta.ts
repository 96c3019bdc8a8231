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
import { Router, SourceLabels } from "../roads/router.ts"
import { SpeedProfile } from "../roads/speed-profile.ts"
import { TravelTimeBound } from "../roads/time-bound.ts"
import type { Eta } from "./eta.ts"
import { GreatCircleEta } from "./great-circle-eta.ts"
import { LocalHour } from "./local-hour.ts"

/**
 * Records of the snap memo (powers of two): 16 B of key, 64 B hot and 16 B cold each. It starts
 * small and grows fourfold, emptied, each time it has evicted as many records as it holds, up
 * to 12.6 MB, which a 20k-driver market fills a sixth of, so that its sets hardly ever
 * overflow; a model on a small test graph asked about a few points stays small.
 */
const SNAP_MEMO_FIRST_RECORDS = 1 << 11
const SNAP_MEMO_MAX_RECORDS = 1 << 17
/**
 * Records per set, whose keys share one cache line: a point may sit in any of its set's four.
 * With one way, a quarter of a 20k-driver market shared a slot with another driver and the two
 * evicted each other at every order near both, and a fresh snap costs about two whole ETAs.
 */
const WAYS = 4

/**
 * A hot record is one 64-byte cache line, all a driver's ETA reads after its key: as doubles,
 * the two seeds' costs and the projection; as int32s (from int 10 on), the arc and the two
 * seeds' label ranges. The rest of the point (read only on the same road as the target, and
 * for a pickup) is cold.
 */
const COST0 = 0, COST1 = 1, LAT = 2, LNG = 3, OFFSET = 4, HOT_DOUBLES = 8
const ARC = 10, START0 = 11, END0 = 12, START1 = 13, END1 = 14, VERTEX = 15, HOT_INTS = 16
const ALONG = 0, REMAIN = 1, COLD_DOUBLES = 2

/**
 * Remembered snaps by exact coordinates: the fields of `RoadPoint` and the point's seeds as a
 * source (`Router.sourceLabels`), so that a driver asked about again costs two cache lines
 * (its set's keys, its record) before its label scan; `arc` -1 for "off the roads". A full
 * set replaces its oldest record.
 */
class SnapMemo {
  #records = 0
  /** (lat, lng) of each record, a set's four in one line; NaN: empty. */
  #keys = new Float64Array(0)
  #hot = new Float64Array(0)
  #hotInts = new Int32Array(0)
  #cold = new Float64Array(0)
  /** Per set: the way its next new point replaces. */
  #next = new Uint8Array(0)
  /** Records replaced since the last growth. */
  #evicted = 0
  readonly #bits = new Float64Array(2)
  readonly #words = new Uint32Array(this.#bits.buffer)

  constructor() {
    this.#allocate(SNAP_MEMO_FIRST_RECORDS)
  }

  #allocate(records: number): void {
    this.#records = records
    this.#keys = new Float64Array(records * 2).fill(Number.NaN)
    this.#hot = new Float64Array(records * HOT_DOUBLES)
    this.#hotInts = new Int32Array(this.#hot.buffer)
    this.#cold = new Float64Array(records * COLD_DOUBLES)
    this.#next = new Uint8Array(records / WAYS)
    this.#evicted = 0
  }

  /** The set of (lat, lng). */
  #set(lat: number, lng: number): number {
    this.#bits[0] = lat
    this.#bits[1] = lng
    const w = this.#words
    let h = Math.imul(w[0]! ^ w[1]!, 0x9e3779b1) ^ Math.imul(w[2]! ^ w[3]!, 0x85ebca77)
    h ^= h >>> 15
    return (Math.imul(h, 0x2c1b3c6d) >>> 12) & (this.#records / WAYS - 1)
  }

  /** The record number of (lat, lng), or -1 when it is not remembered. */
  find(lat: number, lng: number): number {
    const k = this.#keys, first = this.#set(lat, lng) * WAYS
    for (let rec = first; rec < first + WAYS; rec++) {
      if (k[2 * rec] === lat && k[2 * rec + 1] === lng) return rec
    }
    return -1
  }

  /** The record (lat, lng) is to be written to: its set's oldest (after growing, when due). */
  claim(lat: number, lng: number): number {
    let set = this.#set(lat, lng), way = this.#next[set]!
    if (!Number.isNaN(this.#keys[2 * (set * WAYS + way)]!) && ++this.#evicted > this.#records && this.#records < SNAP_MEMO_MAX_RECORDS) {
      this.#allocate(this.#records * 4)
      set = this.#set(lat, lng)
      way = 0
    }
    this.#next[set] = (way + 1) % WAYS
    return set * WAYS + way
  }

  arc(rec: number): number {
    return this.#hotInts[rec * HOT_INTS + ARC]!
  }

  /** Copies a known on-road record's point into `out`. */
  point(rec: number, out: RoadPoint): RoadPoint {
    const h = this.#hot, at = rec * HOT_DOUBLES, cold = rec * COLD_DOUBLES
    out.arc = this.#hotInts[rec * HOT_INTS + ARC]!
    out.vertex = this.#hotInts[rec * HOT_INTS + VERTEX]!
    out.lat = h[at + LAT]!
    out.lng = h[at + LNG]!
    out.offsetMeters = h[at + OFFSET]!
    out.alongMeters = this.#cold[cold + ALONG]!
    out.remainMeters = this.#cold[cold + REMAIN]!
    return out
  }

  /** Copies a known on-road record's label ranges into `out`. */
  labels(rec: number, out: SourceLabels): SourceLabels {
    const h = this.#hot, n = this.#hotInts, at = rec * HOT_DOUBLES, ints = rec * HOT_INTS
    out.costs[0] = h[at + COST0]!
    out.costs[1] = h[at + COST1]!
    out.starts[0] = n[ints + START0]!
    out.ends[0] = n[ints + END0]!
    out.starts[1] = n[ints + START1]!
    out.ends[1] = n[ints + END1]!
    return out
  }

  set(rec: number, lat: number, lng: number, onRoad: boolean, p: RoadPoint, labels: SourceLabels | undefined): void {
    const h = this.#hot, n = this.#hotInts, at = rec * HOT_DOUBLES, ints = rec * HOT_INTS, cold = rec * COLD_DOUBLES
    this.#keys[2 * rec] = lat
    this.#keys[2 * rec + 1] = lng
    n[ints + ARC] = onRoad ? p.arc : -1
    n[ints + VERTEX] = p.vertex
    h[at + LAT] = p.lat
    h[at + LNG] = p.lng
    h[at + OFFSET] = p.offsetMeters
    this.#cold[cold + ALONG] = p.alongMeters
    this.#cold[cold + REMAIN] = p.remainMeters
    if (labels === undefined) return
    h[at + COST0] = labels.costs[0]!
    h[at + COST1] = labels.costs[1]!
    n[ints + START0] = labels.starts[0]!
    n[ints + END0] = labels.ends[0]!
    n[ints + START1] = labels.starts[1]!
    n[ints + END1] = labels.ends[1]!
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
  readonly #labels = new SourceLabels()
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
    const known = this.#memo.find(lat, lng)
    if (known >= 0) return known
    const rec = this.#memo.claim(lat, lng), p = this.#scratch
    const onRoad = this.network.snap.snap(lat, lng, this.maxSnapMeters, p)
    this.#memo.set(rec, lat, lng, onRoad, p, onRoad ? this.router.sourceLabels(p, this.#labels) : undefined)
    return rec
  }

  /** Snaps (lat, lng) into `out` through the memo; false when off the roads (farther than `maxSnapMeters`). */
  snap(lat: number, lng: number, out: RoadPoint): boolean {
    const rec = this.#record(lat, lng)
    if (this.#memo.arc(rec) < 0) return false
    this.#memo.point(rec, out)
    return true
  }

  /** Free-flow seconds from `from` to `to` by road, or NaN when either is off the roads. */
  freeFlowSeconds(from: LatLng, to: LatLng): number {
    if (to.lat !== this.#toLat || to.lng !== this.#toLng) {
      this.#toLat = to.lat
      this.#toLng = to.lng
      this.#toOnRoad = this.snap(to.lat, to.lng, this.#to)
      if (this.#toOnRoad) this.router.setTarget(this.#to)
    }
    if (!this.#toOnRoad) return Number.NaN
    const rec = this.#record(from.lat, from.lng), arc = this.#memo.arc(rec)
    if (arc < 0) return Number.NaN
    // The same-road route exists only between points on one arc (of a twin pair, the lower id).
    const sameRoad = arc === this.#to.arc ? this.router.sameRoadMs(this.#memo.point(rec, this.#from), this.#to) : Infinity
    const ms = this.router.fromLabelsMs(this.#memo.labels(rec, this.#labels), sameRoad)
    // Within one strongly connected graph every point reaches every other; kept for safety.
    return ms === Infinity ? Number.NaN : ms / 1000
  }

  /** The speed profile's factor of the local hour of `atMs`: free-flow time × it = the ETA. */
  hourFactor(atMs: number): number {
    return this.profile.factorByHour[this.#localHour.hourOf(atMs)]!
  }

  eta(from: LatLng, to: LatLng, atMs: number): number {
    const seconds = this.freeFlowSeconds(from, to)
    if (Number.isNaN(seconds)) return this.#fallback.eta(from, to, atMs)
    return seconds * this.hourFactor(atMs)
  }

  minEta(distanceMeters: number, atMs: number, to: LatLng): number {
    const freeFlow = this.#bound === undefined ? distanceMeters * this.#boundSecondsPerMeter : this.#bound.minMs(to.lat, to.lng, distanceMeters) / 1000
    const road = freeFlow * this.hourFactor(atMs)
    return Math.min(road, this.#fallback.minEta(distanceMeters, atMs, to))
  }

  /** True when the point is within `maxSnapMeters` of a road. */
  onRoads(p: LatLng): boolean {
    return this.#memo.arc(this.#record(p.lat, p.lng)) >= 0
  }
}
