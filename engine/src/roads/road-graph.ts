/**
 * A market's road network in flat arrays: nodes, directed arcs with their free-flow travel
 * times, adjacency in compressed rows (CSR) both ways, arc shapes, and the constants that make
 * ETA lower bounds true. Built once from checked columns (graph-files.ts); the router, the snap
 * index and the reference Dijkstra all read it, none change it.
 *
 * Travel times are integer milliseconds (`arcMs`, ceil of length ÷ speed), so that route
 * lengths are sums of integers: every algorithm (Dijkstra, the contraction hierarchy, hub
 * labels) then finds bit-identical distances, whatever order it adds them in, and a test can
 * compare them with `===`. Rounding up keeps each arc no faster than its length and speed say.
 */
import { distanceMeters } from "../domain/geo.ts"
import type { RoadGraphColumns } from "./graph-files.ts"

/** Milliseconds to drive `meters` at `kph`. */
export const msAt = (meters: number, kph: number): number => (meters * 3_600) / kph

export class RoadGraph {
  readonly nodeCount: number
  readonly arcCount: number
  readonly nodeIds: Float64Array
  readonly nodeLat: Float64Array
  readonly nodeLng: Float64Array
  readonly arcFrom: Int32Array
  readonly arcTo: Int32Array
  readonly arcLength: Float64Array
  readonly arcSpeed: Float64Array
  readonly arcClass: Uint8Array
  readonly roadClasses: ReadonlyArray<string>
  readonly arcMaxSpeed: Float64Array
  readonly arcRoundabout: Uint8Array
  /** Free-flow travel time of each arc, integer ms, ≥ 1 for arcs of non-zero length. */
  readonly arcMs: Int32Array
  /** Out-arcs of node v: `outArc[outStart[v] ..< outStart[v + 1]]`. */
  readonly outStart: Int32Array
  readonly outArc: Int32Array
  /** In-arcs of node v: `inArc[inStart[v] ..< inStart[v + 1]]`. */
  readonly inStart: Int32Array
  readonly inArc: Int32Array
  /**
   * Polyline vertices of arc a (from-node, pillars, to-node): `vertexLat/Lng[vertexStart[a] ..<
   * vertexStart[a + 1]]`, and the haversine length from the from-node to each (`vertexAlong`).
   */
  readonly vertexStart: Int32Array
  readonly vertexLat: Float64Array
  readonly vertexLng: Float64Array
  readonly vertexAlong: Float64Array
  /** Haversine length of each arc's polyline (m). */
  readonly arcShapeLength: Float64Array
  /**
   * The arc driving the same road the other way (from ↔ to, the same shape reversed), or -1
   * (one-way streets). A point on a two-way street may leave or be reached either way.
   */
  readonly arcTwin: Int32Array
  /** The fastest arc's free-flow speed (km/h). */
  readonly topSpeedKph: number
  /**
   * ρ ≥ 1 such that every piece of every arc takes at least (great circle between its ends) ÷
   * (its arc's speed × ρ): the largest of shape length ÷ length over arcs (a shape drawn a bit
   * longer than the road's stated length makes partial pieces a bit faster than their straight
   * line at that speed). The ETA lower bound divides by `topSpeedKph × boundSlack`.
   */
  readonly boundSlack: number
  readonly bounds: { readonly south: number; readonly north: number; readonly west: number; readonly east: number }

  constructor(c: RoadGraphColumns) {
    const n = c.nodeLat.length, m = c.arcFrom.length
    this.nodeCount = n
    this.arcCount = m
    this.nodeIds = c.nodeIds
    this.nodeLat = c.nodeLat
    this.nodeLng = c.nodeLng
    this.arcFrom = c.arcFrom
    this.arcTo = c.arcTo
    this.arcLength = c.arcLength
    this.arcSpeed = c.arcSpeed
    this.arcClass = c.arcClass
    this.roadClasses = c.roadClasses
    this.arcMaxSpeed = c.arcMaxSpeed
    this.arcRoundabout = c.arcRoundabout

    this.arcMs = new Int32Array(m)
    let top = 0
    for (let a = 0; a < m; a++) {
      const ms = Math.ceil(msAt(c.arcLength[a]!, c.arcSpeed[a]!))
      this.arcMs[a] = c.arcLength[a]! > 0 ? Math.max(1, ms) : 0
      if (c.arcSpeed[a]! > top) top = c.arcSpeed[a]!
    }
    this.topSpeedKph = top

    const csr = (key: Int32Array): readonly [Int32Array, Int32Array] => {
      const start = new Int32Array(n + 1)
      for (let a = 0; a < m; a++) start[key[a]! + 1]!++
      for (let v = 0; v < n; v++) start[v + 1]! += start[v]!
      const list = new Int32Array(m)
      const fill = start.slice(0, n)
      for (let a = 0; a < m; a++) list[fill[key[a]!]!++] = a
      return [start, list]
    }
    ;[this.outStart, this.outArc] = csr(c.arcFrom)
    ;[this.inStart, this.inArc] = csr(c.arcTo)

    // Shapes: from-node, pillars, to-node, with running haversine lengths.
    this.vertexStart = new Int32Array(m + 1)
    for (let a = 0; a < m; a++) this.vertexStart[a + 1] = this.vertexStart[a]! + 2 + (c.pillarStart[a + 1]! - c.pillarStart[a]!)
    const vertices = this.vertexStart[m]!
    this.vertexLat = new Float64Array(vertices)
    this.vertexLng = new Float64Array(vertices)
    this.vertexAlong = new Float64Array(vertices)
    this.arcShapeLength = new Float64Array(m)
    let slack = 1
    let south = Infinity, north = -Infinity, west = Infinity, east = -Infinity
    for (let a = 0; a < m; a++) {
      let k = this.vertexStart[a]!
      const put = (lat: number, lng: number) => {
        this.vertexLat[k] = lat
        this.vertexLng[k] = lng
        this.vertexAlong[k] = k === this.vertexStart[a] ? 0 : this.vertexAlong[k - 1]! + distanceMeters(this.vertexLat[k - 1]!, this.vertexLng[k - 1]!, lat, lng)
        if (lat < south) south = lat
        if (lat > north) north = lat
        if (lng < west) west = lng
        if (lng > east) east = lng
        k++
      }
      put(c.nodeLat[c.arcFrom[a]!]!, c.nodeLng[c.arcFrom[a]!]!)
      for (let p = c.pillarStart[a]!; p < c.pillarStart[a + 1]!; p++) put(c.pillarLat[p]!, c.pillarLng[p]!)
      put(c.nodeLat[c.arcTo[a]!]!, c.nodeLng[c.arcTo[a]!]!)
      const shape = this.vertexAlong[k - 1]!
      this.arcShapeLength[a] = shape
      // Pieces cost shape metres × arcMs ÷ shape: at least piece ÷ (speed × ρ) when ρ ≥ shape ÷ (speed × arcMs).
      if (shape > 0 && this.arcMs[a]! > 0) slack = Math.max(slack, (msAt(shape, c.arcSpeed[a]!)) / this.arcMs[a]!)
      else if (shape > 0) slack = Infinity
    }
    this.boundSlack = slack
    this.bounds = { south, north, west, east }

    this.arcTwin = new Int32Array(m).fill(-1)
    for (let a = 0; a < m; a++) {
      if (this.arcTwin[a] !== -1) continue
      const u = c.arcFrom[a]!, v = c.arcTo[a]!
      for (let i = this.outStart[v]!; i < this.outStart[v + 1]!; i++) {
        const b = this.outArc[i]!
        if (b === a || this.arcTo[b] !== u || this.arcTwin[b] !== -1 || !this.#reversedShapes(a, b)) continue
        this.arcTwin[a] = b
        this.arcTwin[b] = a
        break
      }
    }
  }

  /** True when b's shape is a's reversed, point for point. */
  #reversedShapes(a: number, b: number): boolean {
    const a0 = this.vertexStart[a]!, a1 = this.vertexStart[a + 1]!, b0 = this.vertexStart[b]!, b1 = this.vertexStart[b + 1]!
    if (a1 - a0 !== b1 - b0) return false
    for (let i = 0; i < a1 - a0; i++) {
      if (this.vertexLat[a0 + i] !== this.vertexLat[b1 - 1 - i] || this.vertexLng[a0 + i] !== this.vertexLng[b1 - 1 - i]) return false
    }
    return true
  }

  /** Bytes held by the graph's arrays (what `RoadGraph` adds to the heap). */
  get byteSize(): number {
    let bytes = 0
    for (const value of Object.values(this)) if (ArrayBuffer.isView(value)) bytes += value.byteLength
    return bytes
  }
}
