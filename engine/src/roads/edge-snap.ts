/**
 * Where a point is on the road network: the nearest point of the nearest road, found by
 * projecting onto the segments of every arc's shape (not by the nearest node, which can be
 * a block away along a long street), through a uniform grid of segments.
 *
 * Geometry is planar in a local equirectangular frame (x = Δlng·cos φ₀, y = Δlat, in metres at
 * the graph's middle latitude): at city scale it ranks segments within ~0.1% of the sphere, and
 * the distances that become costs are haversines of the points found (the access leg from the
 * point to its projection, and the pieces of the arc from the projection to its ends), so every
 * cost stays at least the great circle it covers (road-graph.ts, `boundSlack`).
 *
 * Each two-way road is indexed once (the arc with the lower id of a twin pair); the router
 * reaches its other direction through `arcTwin`.
 */
import { distanceMeters, EARTH_RADIUS_METERS } from "../domain/geo.ts"
import type { RoadGraph } from "./road-graph.ts"

/**
 * Grid cell side (m). A snap reads the point's cell and its 8 neighbours at least, so cells
 * should hold few segments: at 100 m, downtown cells held ~4× the segments of 50 m ones and a
 * snap took ~2× longer; below 50 m, points a little off the road need a second ring.
 */
export const SNAP_CELL_METERS = 50

const METERS_PER_DEGREE = (EARTH_RADIUS_METERS * Math.PI) / 180

/** A cell is read when its box is within the best squared distance × this (rounding slack). */
const BOX_MARGIN = 1 + 1e-9

/** Squared distance from (px, py) to the cell box with lower-left corner (left, bottom). */
const boxDistance2 = (px: number, py: number, left: number, bottom: number): number => {
  const dx = px < left ? left - px : px > left + SNAP_CELL_METERS ? px - left - SNAP_CELL_METERS : 0
  const dy = py < bottom ? bottom - py : py > bottom + SNAP_CELL_METERS ? py - bottom - SNAP_CELL_METERS : 0
  return dx * dx + dy * dy
}

/** A point on the network: a reusable record the snap writes into. */
export class RoadPoint {
  /** The indexed arc holding the point (of a twin pair, the lower id), or -1 before a snap. */
  arc = -1
  /** Index (into the graph's vertex arrays) of the shape vertex that starts the point's segment. */
  vertex = 0
  /** The projection on the road. */
  lat = 0
  lng = 0
  /** Great circle from the query point to its projection (m): the access leg. */
  offsetMeters = 0
  /** Along the shape from the arc's from-node to the projection, and from it to the to-node (m). */
  alongMeters = 0
  remainMeters = 0

  copyFrom(other: RoadPoint): void {
    this.arc = other.arc
    this.vertex = other.vertex
    this.lat = other.lat
    this.lng = other.lng
    this.offsetMeters = other.offsetMeters
    this.alongMeters = other.alongMeters
    this.remainMeters = other.remainMeters
  }
}

/** True when segment (ax, ay)-(bx, by) meets the closed box (Liang–Barsky clipping). */
export const crossesBox = (ax: number, ay: number, bx: number, by: number, left: number, bottom: number, right: number, top: number): boolean => {
  let t0 = 0, t1 = 1
  const dx = bx - ax, dy = by - ay
  const clip = (p: number, q: number): boolean => {
    if (p === 0) return q >= 0
    const t = q / p
    if (p < 0) {
      if (t > t1) return false
      if (t > t0) t0 = t
    } else {
      if (t < t0) return false
      if (t < t1) t1 = t
    }
    return true
  }
  return clip(-dx, ax - left) && clip(dx, right - ax) && clip(-dy, ay - bottom) && clip(dy, top - ay)
}

export class EdgeSnap {
  readonly graph: RoadGraph
  readonly segmentCount: number
  readonly #lat0: number
  readonly #lng0: number
  readonly #kx: number
  readonly #ky: number
  readonly #cols: number
  readonly #rows: number
  /** Segments of cell c: `cellSegment[cellStart[c] ..< cellStart[c + 1]]`. */
  readonly #cellStart: Int32Array
  readonly #cellSegment: Int32Array
  /** Per segment: its first vertex (graph vertex index), its arc, and its ends in the plane. */
  readonly #segVertex: Int32Array
  readonly #segArc: Int32Array
  readonly #x1: Float64Array
  readonly #y1: Float64Array
  readonly #x2: Float64Array
  readonly #y2: Float64Array
  /** Search stamp per segment, so that a segment in several cells is measured once. */
  readonly #seen: Int32Array
  #stamp = 0

  constructor(graph: RoadGraph) {
    this.graph = graph
    const { south, north, west, east } = graph.bounds
    this.#lat0 = (south + north) / 2
    this.#lng0 = (west + east) / 2
    this.#ky = METERS_PER_DEGREE
    this.#kx = METERS_PER_DEGREE * Math.cos((this.#lat0 * Math.PI) / 180)
    let segments = 0
    for (let a = 0; a < graph.arcCount; a++) if (this.#indexed(a)) segments += graph.vertexStart[a + 1]! - graph.vertexStart[a]! - 1
    this.segmentCount = segments
    this.#segVertex = new Int32Array(segments)
    this.#segArc = new Int32Array(segments)
    this.#x1 = new Float64Array(segments)
    this.#y1 = new Float64Array(segments)
    this.#x2 = new Float64Array(segments)
    this.#y2 = new Float64Array(segments)
    this.#seen = new Int32Array(segments)
    let s = 0
    for (let a = 0; a < graph.arcCount; a++) {
      if (!this.#indexed(a)) continue
      for (let k = graph.vertexStart[a]!; k < graph.vertexStart[a + 1]! - 1; k++, s++) {
        this.#segVertex[s] = k
        this.#segArc[s] = a
        this.#x1[s] = this.#x(graph.vertexLng[k]!)
        this.#y1[s] = this.#y(graph.vertexLat[k]!)
        this.#x2[s] = this.#x(graph.vertexLng[k + 1]!)
        this.#y2[s] = this.#y(graph.vertexLat[k + 1]!)
      }
    }
    this.#cols = Math.max(1, Math.ceil((this.#x(east) - this.#x(west)) / SNAP_CELL_METERS) + 1)
    this.#rows = Math.max(1, Math.ceil((this.#y(north) - this.#y(south)) / SNAP_CELL_METERS) + 1)
    const xMin = this.#x(west), yMin = this.#y(south)
    this.#xMin = xMin
    this.#yMin = yMin
    // Two passes: count per cell, then fill (compressed rows).
    const cells = this.#cols * this.#rows
    const start = new Int32Array(cells + 1)
    // A segment goes in the cells it crosses (not every cell of its bounding box: a 3 km
    // diagonal freeway segment would fill ~3,600 cells).
    const eachCell = (seg: number, visit: (cell: number) => void) => {
      const ax = this.#x1[seg]!, ay = this.#y1[seg]!, bx = this.#x2[seg]!, by = this.#y2[seg]!
      const c0 = this.#col(Math.min(ax, bx)), c1 = this.#col(Math.max(ax, bx))
      const r0 = this.#row(Math.min(ay, by)), r1 = this.#row(Math.max(ay, by))
      for (let r = r0; r <= r1; r++) {
        for (let c = c0; c <= c1; c++) {
          const left = xMin + c * SNAP_CELL_METERS, bottom = yMin + r * SNAP_CELL_METERS
          if ((r0 === r1 && c0 === c1) || crossesBox(ax, ay, bx, by, left, bottom, left + SNAP_CELL_METERS, bottom + SNAP_CELL_METERS)) visit(r * this.#cols + c)
        }
      }
    }
    for (let seg = 0; seg < segments; seg++) eachCell(seg, (cell) => void start[cell + 1]!++)
    for (let c = 0; c < cells; c++) start[c + 1]! += start[c]!
    const fill = start.slice(0, cells)
    const list = new Int32Array(start[cells]!)
    for (let seg = 0; seg < segments; seg++) eachCell(seg, (cell) => void (list[fill[cell]!++] = seg))
    this.#cellStart = start
    this.#cellSegment = list
  }

  readonly #xMin: number
  readonly #yMin: number

  #indexed(a: number): boolean {
    const twin = this.graph.arcTwin[a]!
    return twin < 0 || a < twin
  }

  #x(lng: number): number {
    return (lng - this.#lng0) * this.#kx
  }

  #y(lat: number): number {
    return (lat - this.#lat0) * this.#ky
  }

  #col(x: number): number {
    return Math.min(this.#cols - 1, Math.max(0, Math.floor((x - this.#xMin) / SNAP_CELL_METERS)))
  }

  #row(y: number): number {
    return Math.min(this.#rows - 1, Math.max(0, Math.floor((y - this.#yMin) / SNAP_CELL_METERS)))
  }

  /**
   * Snaps (lat, lng) to the nearest road within `maxMeters` (planar distance), writing `out`;
   * false when none is that close. Ties go to the lowest segment (deterministic).
   */
  snap(lat: number, lng: number, maxMeters: number, out: RoadPoint): boolean {
    const px = this.#x(lng), py = this.#y(lat)
    const cx = Math.floor((px - this.#xMin) / SNAP_CELL_METERS), cy = Math.floor((py - this.#yMin) / SNAP_CELL_METERS)
    const stamp = ++this.#stamp
    if (stamp === 0x7fffffff) {
      this.#seen.fill(0)
      this.#stamp = 1
    }
    const seen = this.#seen, start = this.#cellStart, list = this.#cellSegment
    const x1 = this.#x1, y1 = this.#y1, x2 = this.#x2, y2 = this.#y2
    let best = -1, bestD2 = maxMeters * maxMeters, bestT = 0
    // Ring r holds the cells at Chebyshev distance r from (cx, cy), the cell of the query point
    // (in the grid's infinite extension). Every point of ring r is at least r - 1 cells plus the
    // point's distance to its own cell's nearest side away.
    const fx = (px - this.#xMin) / SNAP_CELL_METERS - cx, fy = (py - this.#yMin) / SNAP_CELL_METERS - cy
    const inset = Math.min(fx, 1 - fx, fy, 1 - fy)
    const lastRing = this.#cols + this.#rows + Math.abs(cx) + Math.abs(cy)
    for (let r = 0; r <= lastRing; r++) {
      const gap = (r - 1 + inset) * SNAP_CELL_METERS
      if (r > 0 && gap > 0 && gap * gap > bestD2) break
      for (let row = cy - r; row <= cy + r; row++) {
        if (row < 0 || row >= this.#rows) continue
        const edge = row === cy - r || row === cy + r
        for (let col = cx - r; col <= cx + r; col += edge ? 1 : 2 * r) {
          // A cell whose box is farther than the best so far holds nothing nearer (a segment's
          // nearest point lies in a cell it crosses, where it is listed); the margin covers rounding.
          if (col >= 0 && col < this.#cols && (r === 0 || boxDistance2(px, py, this.#xMin + col * SNAP_CELL_METERS, this.#yMin + row * SNAP_CELL_METERS) <= bestD2 * BOX_MARGIN)) {
            const cell = row * this.#cols + col
            for (let i = start[cell]!; i < start[cell + 1]!; i++) {
              const s = list[i]!
              if (seen[s] === stamp) continue
              seen[s] = stamp
              const dx = x2[s]! - x1[s]!, dy = y2[s]! - y1[s]!
              const len2 = dx * dx + dy * dy
              let t = len2 > 0 ? ((px - x1[s]!) * dx + (py - y1[s]!) * dy) / len2 : 0
              t = t < 0 ? 0 : t > 1 ? 1 : t
              const ex = x1[s]! + t * dx - px, ey = y1[s]! + t * dy - py
              const d2 = ex * ex + ey * ey
              if (d2 < bestD2 || (d2 === bestD2 && best >= 0 && s < best)) {
                best = s
                bestD2 = d2
                bestT = t
              }
            }
          }
          if (r === 0) break
        }
      }
    }
    if (best < 0) return false
    this.#write(best, bestT, lat, lng, out)
    return true
  }

  #write(s: number, t: number, lat: number, lng: number, out: RoadPoint): void {
    const g = this.graph
    const k = this.#segVertex[s]!, a = this.#segArc[s]!
    // The ends themselves when the projection falls on one, so that a point at a node costs
    // exactly the arc from there.
    const plat = t === 0 ? g.vertexLat[k]! : t === 1 ? g.vertexLat[k + 1]! : this.#lat0 + (this.#y1[s]! + t * (this.#y2[s]! - this.#y1[s]!)) / this.#ky
    const plng = t === 0 ? g.vertexLng[k]! : t === 1 ? g.vertexLng[k + 1]! : this.#lng0 + (this.#x1[s]! + t * (this.#x2[s]! - this.#x1[s]!)) / this.#kx
    out.arc = a
    out.vertex = k
    out.lat = plat
    out.lng = plng
    out.offsetMeters = distanceMeters(lat, lng, plat, plng)
    out.alongMeters = g.vertexAlong[k]! + (t === 0 ? 0 : distanceMeters(g.vertexLat[k]!, g.vertexLng[k]!, plat, plng))
    const last = g.vertexStart[a + 1]! - 1
    out.remainMeters = g.vertexAlong[last]! - g.vertexAlong[k + 1]! + (t === 1 ? 0 : distanceMeters(plat, plng, g.vertexLat[k + 1]!, g.vertexLng[k + 1]!))
  }

  /** Bytes of the index's arrays. */
  get byteSize(): number {
    return this.#cellStart.byteLength + this.#cellSegment.byteLength + this.#segVertex.byteLength + this.#segArc.byteLength +
      this.#x1.byteLength * 4 + this.#seen.byteLength
  }
}
