/**
 * A route as a polyline a car drives: the points from the start to the end (the start itself,
 * its projection on the road, the shape of every arc driven, the target's projection, the target),
 * each with the metres and the free-flow ms from the start. Times follow the router's costs piece
 * by piece (access legs at the access speed, arcs at their own ms spread along their shape), so
 * the line's last time is the router's answer and a position by time moves at each road's speed.
 *
 * Reused: `RouteLine.fill` overwrites it, growing its arrays when a route is longer than any
 * before, so driving a fleet allocates nothing per leg once the buffers are large enough.
 */
import { distanceMeters } from "../domain/geo.ts"
import type { RoadPoint } from "./edge-snap.ts"
import type { RouteArcs } from "./route-arcs.ts"
import { accessKph } from "./router.ts"
import { msAt, type RoadGraph } from "./road-graph.ts"

export class RouteLine {
  /** Points `0 ..< count`. */
  count = 0
  lat: Float64Array
  lng: Float64Array
  /** Metres from the start along the line (haversine segments), nondecreasing. */
  meters: Float64Array
  /** Free-flow ms from the start, nondecreasing. */
  ms: Float64Array

  constructor(capacity = 64) {
    this.lat = new Float64Array(capacity)
    this.lng = new Float64Array(capacity)
    this.meters = new Float64Array(capacity)
    this.ms = new Float64Array(capacity)
  }

  get totalMeters(): number {
    return this.count === 0 ? 0 : this.meters[this.count - 1]!
  }
  get totalMs(): number {
    return this.count === 0 ? 0 : this.ms[this.count - 1]!
  }

  /** Empties the line and starts it at (lat, lng). */
  start(lat: number, lng: number): void {
    this.count = 0
    this.#append(lat, lng, 0, 0)
  }

  /**
   * Appends a point reached from the last one at `msPerMeter` (its segment's metres are the
   * haversine between them). An exact repeat of the last point is dropped.
   */
  to(lat: number, lng: number, msPerMeter: number): void {
    const k = this.count - 1
    const lastLat = this.lat[k]!, lastLng = this.lng[k]!
    if (lat === lastLat && lng === lastLng) return
    const d = distanceMeters(lastLat, lastLng, lat, lng)
    this.#append(lat, lng, this.meters[k]! + d, this.ms[k]! + d * msPerMeter)
  }

  /** Appends a point at `meters` and `ms`; a repeat of the last point at the same time is dropped. */
  #at(lat: number, lng: number, meters: number, ms: number): void {
    const k = this.count - 1
    if (lat === this.lat[k] && lng === this.lng[k] && ms === this.ms[k]) return
    this.#append(lat, lng, meters, ms)
  }

  #append(lat: number, lng: number, meters: number, ms: number): void {
    if (this.count === this.lat.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2)
        b.set(a)
        return b
      }
      this.lat = grow(this.lat)
      this.lng = grow(this.lng)
      this.meters = grow(this.meters)
      this.ms = grow(this.ms)
    }
    const k = this.count++
    this.lat[k] = lat
    this.lng[k] = lng
    this.meters[k] = meters
    this.ms[k] = ms
  }

  /**
   * The line of `route` from (fromLat, fromLng), snapped at `s`, to (toLat, toLng), snapped at
   * `t`: the access leg, the rest of the first arc, every whole arc, the start of the last arc,
   * the access leg; a truncated route (route-arcs.ts) ends with its last whole arc.
   */
  fill(g: RoadGraph, fromLat: number, fromLng: number, s: RoadPoint, route: RouteArcs, t: RoadPoint, toLat: number, toLng: number): this {
    this.start(fromLat, fromLng)
    const first = route.firstArc, last = route.lastArc
    this.to(s.lat, s.lng, msAt(1, accessKph(g.arcSpeed[first]!)))
    if (route.sameRoad) {
      // Along s's arc from s to t: forward when the arc driven is s's own, else against its shape.
      const rate = perShapeMeter(g, first)
      if (first === s.arc) for (let k = s.vertex + 1; k <= t.vertex; k++) this.to(g.vertexLat[k]!, g.vertexLng[k]!, rate)
      else for (let k = s.vertex; k > t.vertex; k--) this.to(g.vertexLat[k]!, g.vertexLng[k]!, rate)
    } else {
      this.#restOf(g, s, first)
      for (let i = 0; i < route.count; i++) this.#whole(g, route.arcs[i]!)
      if (route.truncated) return this
      this.#startOf(g, t, last)
    }
    this.to(t.lat, t.lng, perShapeMeter(g, last))
    this.to(toLat, toLng, msAt(1, accessKph(g.arcSpeed[last]!)))
    return this
  }

  /** From p's projection to the end of `arc` (p's arc, or its twin: p's shape backwards). */
  #restOf(g: RoadGraph, p: RoadPoint, arc: number): void {
    const rate = perShapeMeter(g, arc)
    if (arc === p.arc) for (let k = p.vertex + 1; k < g.vertexStart[arc + 1]!; k++) this.to(g.vertexLat[k]!, g.vertexLng[k]!, rate)
    else for (let k = p.vertex; k >= g.vertexStart[p.arc]!; k--) this.to(g.vertexLat[k]!, g.vertexLng[k]!, rate)
  }

  /** From the start of `arc` (p's arc, or its twin) to just before p's projection. */
  #startOf(g: RoadGraph, p: RoadPoint, arc: number): void {
    const rate = perShapeMeter(g, arc)
    if (arc === p.arc) for (let k = g.vertexStart[arc]! + 1; k <= p.vertex; k++) this.to(g.vertexLat[k]!, g.vertexLng[k]!, rate)
    else for (let k = g.vertexStart[p.arc + 1]! - 2; k > p.vertex; k--) this.to(g.vertexLat[k]!, g.vertexLng[k]!, rate)
  }

  /**
   * A whole arc: its shape after its from-node, its own ms spread by shape length, the to-node
   * at exactly its ms (an arc of no shape, two nodes at one position, still takes its time).
   */
  #whole(g: RoadGraph, arc: number): void {
    const m0 = this.meters[this.count - 1]!, ms0 = this.ms[this.count - 1]!, arcMs = g.arcMs[arc]!, shape = g.arcShapeLength[arc]!
    const first = g.vertexStart[arc]!, last = g.vertexStart[arc + 1]! - 1
    const along = g.vertexAlong
    for (let k = first + 1; k < last; k++) this.#at(g.vertexLat[k]!, g.vertexLng[k]!, m0 + along[k]!, shape > 0 ? ms0 + (arcMs * along[k]!) / shape : ms0)
    this.#at(g.vertexLat[last]!, g.vertexLng[last]!, m0 + shape, ms0 + arcMs)
  }
}

/** ms per metre along arc a's shape (0 for a shape of no length). */
const perShapeMeter = (g: RoadGraph, a: number): number => {
  const shape = g.arcShapeLength[a]!
  return shape > 0 ? g.arcMs[a]! / shape : 0
}
