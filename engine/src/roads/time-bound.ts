/**
 * A lower bound of the free-flow time to reach a point from anywhere `d` metres away (great
 * circle), from the speeds of the roads around the point: what makes the candidate search's
 * rings stop early with road ETAs.
 *
 * The plain bound is d ÷ the graph's top speed. In SF that is a 100 km/h freeway, while a
 * pickup is mostly reached through 30 km/h streets: the search had to fetch every driver within
 * ~4× the road ETA's reach (~75 drivers per greedy order, ~450 per batch order of 8
 * candidates, against 20k drivers; docs/roads.md). The bound here is the same argument, ring by
 * ring: let s(ρ) be the top speed of the arcs that come within ρ of the point, and at least the
 * access legs' speed (router.ts `ACCESS_SPEED_KPH`: a leg between a point and its road is never
 * faster, whichever road it joins). A route from distance d must cross every circle of radius
 * ρ < d around the point, and its great-circle distance from the point changes by at most the
 * distance driven, so
 *
 *   time ≥ ∫₀^d dρ ÷ (s(ρ) × slack)
 *
 * (slack: road-graph.ts `boundSlack`, the most a shape may run ahead of its arc's time). s is
 * a step function: for each speed level, the distance from the point to the nearest arc faster
 * than it. Those distances are precomputed per grid cell as lower bounds, from a chessboard
 * distance transform of the cells such arcs cross: from any point of a cell to any point of a
 * cell k cells away (Chebyshev) is at least (k − 1) cell sides.
 *
 * Outside the grid (a point beyond the graph's box and margin) the plain bound answers.
 */
import { EARTH_RADIUS_METERS } from "../domain/geo.ts"
import { crossesBox } from "./edge-snap.ts"
import { msAt, type RoadGraph } from "./road-graph.ts"
import { ACCESS_SPEED_KPH } from "./router.ts"

/** Cell side of the bound's grid (m): finer cells give tighter radii, at 4 B × levels per cell. */
export const BOUND_CELL_METERS = 100
/** At most this many speed levels; more distinct speeds are rounded up onto these (still a bound). */
const MAX_LEVELS = 16

const METERS_PER_DEGREE = (EARTH_RADIUS_METERS * Math.PI) / 180
/** Planar radii are shrunk by this before use (see where they are computed). */
const PLANE_SHRINK = 0.99

export class TravelTimeBound {
  /** Speed levels (km/h), ascending; the last is the graph's top speed. */
  readonly levels: Float64Array
  readonly #slack: number
  readonly #lat0: number
  readonly #lng0: number
  readonly #kx: number
  readonly #xMin: number
  readonly #yMin: number
  readonly #cols: number
  readonly #rows: number
  /**
   * Per cell and level i < last: the radius (m) within which no arc faster than levels[i]
   * comes: `radius[cell × (L − 1) + i]`, nondecreasing in i.
   */
  readonly #radius: Float64Array
  readonly #bands: number

  constructor(graph: RoadGraph) {
    this.#slack = graph.boundSlack
    const distinct = [...new Set(graph.arcSpeed)].sort((a, b) => a - b)
    // Keep the top speed exact; with too many distinct speeds keep an evenly spaced subset
    // (each arc counts at the next level up, which only loosens the bound).
    const levels = (distinct.length <= MAX_LEVELS
      ? distinct
      : Array.from({ length: MAX_LEVELS }, (_, i) => distinct[Math.round(((i + 1) * (distinct.length - 1)) / MAX_LEVELS)]!))
      // No band slower than an access leg (see above).
      .map((kph) => Math.max(kph, ACCESS_SPEED_KPH))
    this.levels = Float64Array.from(levels)
    const bands = levels.length - 1
    this.#bands = bands

    // A pickup off the graph's box is off the roads (great-circle ETAs) unless within a snap.
    const margin = 5_000
    const { south, north, west, east } = graph.bounds
    this.#lat0 = (south + north) / 2
    this.#lng0 = (west + east) / 2
    this.#kx = METERS_PER_DEGREE * Math.cos((this.#lat0 * Math.PI) / 180)
    this.#xMin = this.#x(west) - margin
    this.#yMin = this.#y(south) - margin
    this.#cols = Math.ceil((this.#x(east) + margin - this.#xMin) / BOUND_CELL_METERS) + 1
    this.#rows = Math.ceil((this.#y(north) + margin - this.#yMin) / BOUND_CELL_METERS) + 1
    const cells = this.#cols * this.#rows

    // The fastest arc crossing each cell (each segment in every cell it meets, exactly).
    const fastest = new Float64Array(cells)
    for (let a = 0; a < graph.arcCount; a++) {
      const speed = graph.arcSpeed[a]!
      for (let k = graph.vertexStart[a]!; k < graph.vertexStart[a + 1]! - 1; k++) {
        const x1 = this.#x(graph.vertexLng[k]!), y1 = this.#y(graph.vertexLat[k]!)
        const x2 = this.#x(graph.vertexLng[k + 1]!), y2 = this.#y(graph.vertexLat[k + 1]!)
        const c0 = this.#col(Math.min(x1, x2)), c1 = this.#col(Math.max(x1, x2))
        const r0 = this.#row(Math.min(y1, y2)), r1 = this.#row(Math.max(y1, y2))
        for (let r = r0; r <= r1; r++) {
          for (let c = c0; c <= c1; c++) {
            const cell = r * this.#cols + c
            if (speed <= fastest[cell]!) continue
            const left = this.#xMin + c * BOUND_CELL_METERS, bottom = this.#yMin + r * BOUND_CELL_METERS
            if ((r0 === r1 && c0 === c1) || crossesBox(x1, y1, x2, y2, left, bottom, left + BOUND_CELL_METERS, bottom + BOUND_CELL_METERS)) fastest[cell] = speed
          }
        }
      }
    }

    this.#radius = new Float64Array(cells * bands)
    const distance = new Int32Array(cells)
    const far = this.#cols + this.#rows
    for (let i = 0; i < bands; i++) {
      // Chessboard distance (in cells) to the nearest cell crossed by an arc faster than level i.
      for (let c = 0; c < cells; c++) distance[c] = fastest[c]! > levels[i]! ? 0 : far
      chessboardTransform(distance, this.#cols, this.#rows)
      // Nondecreasing in i (fewer arcs are faster than a higher level). The plane's metres are
      // within ~0.1% of the sphere's at city scale; 1% less keeps the radius a bound.
      for (let c = 0; c < cells; c++) this.#radius[c * bands + i] = Math.max(0, (distance[c]! - 1) * BOUND_CELL_METERS * PLANE_SHRINK)
    }
  }

  #x(lng: number): number {
    return (lng - this.#lng0) * this.#kx
  }

  #y(lat: number): number {
    return (lat - this.#lat0) * METERS_PER_DEGREE
  }

  #col(x: number): number {
    return Math.min(this.#cols - 1, Math.max(0, Math.floor((x - this.#xMin) / BOUND_CELL_METERS)))
  }

  #row(y: number): number {
    return Math.min(this.#rows - 1, Math.max(0, Math.floor((y - this.#yMin) / BOUND_CELL_METERS)))
  }

  #cellAt(x: number, y: number): number {
    const col = Math.floor((x - this.#xMin) / BOUND_CELL_METERS), row = Math.floor((y - this.#yMin) / BOUND_CELL_METERS)
    return col < 0 || row < 0 || col >= this.#cols || row >= this.#rows ? -1 : row * this.#cols + col
  }

  /** Free-flow ms that no route from any point `meters` away (great circle) to (lat, lng) beats. */
  minMs(lat: number, lng: number, meters: number): number {
    const levels = this.levels, top = levels[levels.length - 1]! * this.#slack
    const cell = this.#cellAt(this.#x(lng), this.#y(lat))
    if (cell < 0) return msAt(meters, top)
    const radius = this.#radius, base = cell * this.#bands
    let ms = 0, inner = 0
    for (let i = 0; i < this.#bands; i++) {
      const outer = radius[base + i]!
      if (outer <= inner) continue
      if (meters <= outer) return ms + msAt(meters - inner, levels[i]! * this.#slack)
      ms += msAt(outer - inner, levels[i]! * this.#slack)
      inner = outer
    }
    return ms + msAt(meters - inner, top)
  }

  /** Bytes of the bound's grid. */
  get byteSize(): number {
    return this.#radius.byteLength + this.levels.byteLength
  }
}

/** In-place chessboard (Chebyshev) distance transform: two passes, exact for that metric. */
const chessboardTransform = (d: Int32Array, cols: number, rows: number): void => {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c
      let v = d[i]!
      if (c > 0) v = Math.min(v, d[i - 1]! + 1)
      if (r > 0) {
        v = Math.min(v, d[i - cols]! + 1)
        if (c > 0) v = Math.min(v, d[i - cols - 1]! + 1)
        if (c < cols - 1) v = Math.min(v, d[i - cols + 1]! + 1)
      }
      d[i] = v
    }
  }
  for (let r = rows - 1; r >= 0; r--) {
    for (let c = cols - 1; c >= 0; c--) {
      const i = r * cols + c
      let v = d[i]!
      if (c < cols - 1) v = Math.min(v, d[i + 1]! + 1)
      if (r < rows - 1) {
        v = Math.min(v, d[i + cols]! + 1)
        if (c < cols - 1) v = Math.min(v, d[i + cols + 1]! + 1)
        if (c > 0) v = Math.min(v, d[i + cols - 1]! + 1)
      }
      d[i] = v
    }
  }
}
