/**
 * Exact shortest free-flow travel time between points on the road network, point-to-point and
 * one-to-many (many drivers to one pickup), on hub labels.
 *
 * A point is first snapped onto its road (edge-snap.ts). A route from point S to point T is
 * then: the access leg from S to its road (its great-circle offset, at `ACCESS_SPEED_KPH`), the
 * rest of S's arc to its end, the shortest path between nodes, the start of T's arc up to T,
 * and T's access leg; or, when S and T are on the same road and S comes first in a direction
 * the road may be driven, straight along it. On a two-way road a point may leave (or be reached)
 * either way: each end has up to two seeds, and the answer is the least combination. One-way
 * streets have one arc, hence one seed.
 *
 * Node-to-node distances come from the labels in integer ms; partial pieces are fractions of
 * an arc's ms by shape length. Everything here is free flow: the time of day is the ETA
 * model's (engine/src/eta/road-eta.ts), one factor per hour on the whole answer.
 *
 * Nothing is allocated per query: the target's label lives in a dense array by hub, filled
 * when the target changes and cleared through its list of hubs.
 */
import { distanceMeters } from "../domain/geo.ts"
import { RoadPoint } from "./edge-snap.ts"
import type { HubLabels } from "./hub-labels.ts"
import { msAt, type RoadGraph } from "./road-graph.ts"

/** The fields of a `RoadPoint` the same-road route reads. */
type PointOnArc = Pick<RoadPoint, "arc" | "vertex" | "lat" | "lng" | "offsetMeters" | "alongMeters">

/**
 * Speed of the access leg between a point and its road (km/h): a car pulling out of a parking
 * spot or a driveway, or a GPS fix a little off the carriageway, at most 20 km/h (and never
 * faster than the road itself). A cap below the roads' speeds is also what lets the ETA bound
 * around a pickup (time-bound.ts) ignore where snapped drivers' roads are: every access leg is
 * slower than the slowest band it counts.
 */
export const ACCESS_SPEED_KPH = 20

/** The access leg's speed onto (or off) an arc of `arcKph`. */
export const accessKph = (arcKph: number): number => (arcKph < ACCESS_SPEED_KPH ? arcKph : ACCESS_SPEED_KPH)

/** Up to two (node, ms) seeds of a point: its arc, and its twin's on a two-way road. */
export class Seeds {
  count = 0
  readonly nodes = new Int32Array(2)
  readonly costs = new Float64Array(2)
}

/**
 * A point's seeds as a source, as ranges of the packed forward labels (`forwardPairsOf`): what a
 * one-to-many scan reads, cheaper seed first; a missing second seed is an empty range.
 */
export class SourceLabels {
  readonly starts = new Int32Array(2)
  readonly ends = new Int32Array(2)
  readonly costs = new Float64Array(2)
}

/**
 * The forward labels as (hub, distance) pairs in one array, label of rank r at
 * `2 * forwardStart[r]`: a scan reads one stream instead of two (two cache misses fewer per
 * seed). Built once per labels, shared by their routers.
 */
const packedForward = new WeakMap<HubLabels, Int32Array>()
const forwardPairsOf = (labels: HubLabels): Int32Array => {
  let pairs = packedForward.get(labels)
  if (pairs === undefined) {
    pairs = new Int32Array(2 * labels.forwardHub.length)
    for (let i = 0; i < labels.forwardHub.length; i++) {
      pairs[2 * i] = labels.forwardHub[i]!
      pairs[2 * i + 1] = labels.forwardDist[i]!
    }
    packedForward.set(labels, pairs)
  }
  return pairs
}

export class Router {
  readonly graph: RoadGraph
  readonly labels: HubLabels
  /** Per hub: the least (target seed cost + backward distance) of the loaded target, or Infinity. */
  readonly #toTarget: Float64Array
  readonly #targetHubs: Int32Array
  #targetHubCount = 0
  /** The least of the loaded target's entries: none of `#toTarget` is below it. */
  #targetFloor = Infinity
  readonly #target: RoadPoint
  readonly #targetSeeds = new Seeds()
  readonly #sourceSeeds = new Seeds()
  readonly #sourceLabels = new SourceLabels()
  /** `forwardPairsOf(labels)`. */
  readonly #forward: Int32Array
  #hasTarget = false

  constructor(graph: RoadGraph, labels: HubLabels) {
    this.graph = graph
    this.labels = labels
    this.#toTarget = new Float64Array(graph.nodeCount).fill(Infinity)
    this.#targetHubs = new Int32Array(graph.nodeCount)
    this.#target = new RoadPoint()
    this.#forward = forwardPairsOf(labels)
  }

  /** ms per metre along arc a's shape. */
  #perShapeMeter(a: number): number {
    const shape = this.graph.arcShapeLength[a]!
    return shape > 0 ? this.graph.arcMs[a]! / shape : 0
  }

  /** The seeds of p as a start: to the end of its arc, or (two-way) back to its start. */
  sourceSeeds(p: RoadPoint, out: Seeds): Seeds {
    const g = this.graph, a = p.arc, twin = g.arcTwin[a]!
    out.count = 1
    out.nodes[0] = g.arcTo[a]!
    out.costs[0] = p.remainMeters * this.#perShapeMeter(a) + msAt(p.offsetMeters, accessKph(g.arcSpeed[a]!))
    if (twin >= 0) {
      out.count = 2
      out.nodes[1] = g.arcTo[twin]!
      out.costs[1] = p.alongMeters * this.#perShapeMeter(twin) + msAt(p.offsetMeters, accessKph(g.arcSpeed[twin]!))
    }
    return out
  }

  /** The seeds of p as a destination: from the start of its arc, or (two-way) from its end. */
  targetSeeds(p: RoadPoint, out: Seeds): Seeds {
    const g = this.graph, a = p.arc, twin = g.arcTwin[a]!
    out.count = 1
    out.nodes[0] = g.arcFrom[a]!
    out.costs[0] = p.alongMeters * this.#perShapeMeter(a) + msAt(p.offsetMeters, accessKph(g.arcSpeed[a]!))
    if (twin >= 0) {
      out.count = 2
      out.nodes[1] = g.arcFrom[twin]!
      out.costs[1] = p.remainMeters * this.#perShapeMeter(twin) + msAt(p.offsetMeters, accessKph(g.arcSpeed[twin]!))
    }
    return out
  }

  /**
   * The route along one road from s to t without leaving it, ms, or Infinity: in the arc's
   * direction when s comes first, against it on a two-way road when t comes first.
   */
  sameRoadMs(s: PointOnArc, t: PointOnArc): number {
    if (s.arc !== t.arc) return Infinity
    const g = this.graph, a = s.arc
    const forward = s.vertex < t.vertex || (s.vertex === t.vertex && s.alongMeters <= t.alongMeters)
    const arc = forward ? a : g.arcTwin[a]!
    if (arc < 0) return Infinity
    const piece = forward ? this.#pieceMeters(s, t) : this.#pieceMeters(t, s)
    return piece * this.#perShapeMeter(arc) + msAt(s.offsetMeters + t.offsetMeters, accessKph(g.arcSpeed[arc]!))
  }

  /**
   * Metres along a shape from `first` to `second` (first not after second), as haversine pieces:
   * the same segment directly, else to the first's segment end, whole segments between, and
   * from the second's segment start. Each piece is at least its great circle.
   */
  #pieceMeters(first: PointOnArc, second: PointOnArc): number {
    const g = this.graph
    if (first.vertex === second.vertex) return distanceMeters(first.lat, first.lng, second.lat, second.lng)
    return distanceMeters(first.lat, first.lng, g.vertexLat[first.vertex + 1]!, g.vertexLng[first.vertex + 1]!) +
      (g.vertexAlong[second.vertex]! - g.vertexAlong[first.vertex + 1]!) +
      distanceMeters(g.vertexLat[second.vertex]!, g.vertexLng[second.vertex]!, second.lat, second.lng)
  }

  /**
   * Makes `t` the target of `fromMs`: loads its seeds' backward labels into the dense array.
   * Asking again for the same point keeps what is loaded.
   */
  setTarget(t: RoadPoint): void {
    const held = this.#target
    if (this.#hasTarget && held.arc === t.arc && held.vertex === t.vertex && held.lat === t.lat && held.lng === t.lng && held.offsetMeters === t.offsetMeters) return
    const dense = this.#toTarget, hubs = this.#targetHubs
    for (let i = 0; i < this.#targetHubCount; i++) dense[hubs[i]!] = Infinity
    let count = 0, floor = Infinity
    const seeds = this.targetSeeds(t, this.#targetSeeds)
    const { rankOf, backwardStart, backwardHub, backwardDist } = this.labels
    for (let k = 0; k < seeds.count; k++) {
      const r = rankOf[seeds.nodes[k]!]!, cost = seeds.costs[k]!
      for (let i = backwardStart[r]!; i < backwardStart[r + 1]!; i++) {
        const h = backwardHub[i]!, d = backwardDist[i]! + cost
        const old = dense[h]!
        if (d < old) {
          if (old === Infinity) hubs[count++] = h
          dense[h] = d
          if (d < floor) floor = d
        }
      }
    }
    this.#targetHubCount = count
    this.#targetFloor = floor
    held.copyFrom(t)
    this.#hasTarget = true
  }

  /** Free-flow ms from s to the target set by `setTarget`; Infinity when it cannot be reached. */
  fromMs(s: RoadPoint): number {
    return this.fromLabelsMs(this.sourceLabels(s, this.#sourceLabels), this.sameRoadMs(s, this.#target))
  }

  /** The seeds of p as a source, as label ranges (`fromLabelsMs` reads them). */
  sourceLabels(p: RoadPoint, out: SourceLabels): SourceLabels {
    const seeds = this.sourceSeeds(p, this.#sourceSeeds)
    const { rankOf, forwardStart } = this.labels
    const first = seeds.count === 2 && seeds.costs[1]! < seeds.costs[0]! ? 1 : 0
    for (let j = 0; j < 2; j++) {
      const k = j === 0 ? first : 1 - first
      if (k >= seeds.count) {
        out.starts[j] = out.ends[j] = 0
        out.costs[j] = Infinity
        continue
      }
      const r = rankOf[seeds.nodes[k]!]!
      out.starts[j] = 2 * forwardStart[r]!
      out.ends[j] = 2 * forwardStart[r + 1]!
      out.costs[j] = seeds.costs[k]!
    }
    return out
  }

  /**
   * Free-flow ms to the loaded target from a source given by its label ranges
   * (`sourceLabels`), or `bestSoFar` when no route through them beats it (the same-road
   * route, or Infinity). A caller that keeps a point's ranges skips recomputing them
   * (road-eta.ts).
   *
   * Labels are sorted by distance (hub-labels.ts), and no target entry is below the target's
   * floor: a seed's scan stops at the first entry that, even with the floor, cannot beat the
   * best so far. For a near target (a pickup's candidate drivers) that is a few entries in;
   * the cheaper seed goes first, so that its meeting hub tightens the other's stop.
   */
  fromLabelsMs(src: SourceLabels, bestSoFar: number): number {
    const dense = this.#toTarget, floor = this.#targetFloor, pairs = this.#forward
    let best = bestSoFar
    for (let j = 0; j < 2; j++) {
      const cost = src.costs[j]!, reach = cost + floor
      for (let i = src.starts[j]!, end = src.ends[j]!; i < end; i += 2) {
        const f = pairs[i + 1]!
        if (reach + f >= best) break
        const d = cost + f + dense[pairs[i]!]!
        if (d < best) best = d
      }
    }
    return best
  }

  /** Free-flow ms from s to t. */
  travelMs(s: RoadPoint, t: RoadPoint): number {
    this.setTarget(t)
    return this.fromMs(s)
  }

  /** Free-flow ms between two nodes (no partial arcs). */
  nodeMs(from: number, to: number): number {
    const { rankOf, forwardStart, forwardHub, forwardDist, backwardStart, backwardHub, backwardDist } = this.labels
    const dense = this.#toTarget
    this.#hasTarget = false
    for (let i = 0; i < this.#targetHubCount; i++) dense[this.#targetHubs[i]!] = Infinity
    const rt = rankOf[to]!, rs = rankOf[from]!
    let count = 0
    for (let i = backwardStart[rt]!; i < backwardStart[rt + 1]!; i++) {
      dense[backwardHub[i]!] = backwardDist[i]!
      this.#targetHubs[count++] = backwardHub[i]!
    }
    this.#targetHubCount = count
    this.#targetFloor = 0
    let best = Infinity
    for (let i = forwardStart[rs]!; i < forwardStart[rs + 1]!; i++) {
      const d = forwardDist[i]! + dense[forwardHub[i]!]!
      if (d < best) best = d
    }
    return best
  }
}
