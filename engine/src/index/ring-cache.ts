/**
 * The cells of an H3 driver index, and the rings of cells around each query origin, memoised.
 *
 * Each H3 cell the index touches gets one `CellSlot`, created once: its centre, a circumradius
 * and an inradius (for the distance bounds of the search and the move fast path), and the
 * bucket of available drivers, which the index owns. An origin's rings are arrays of slots, so a
 * query walks object references instead of calling h3-js (`gridDisk` k=1 costs ~1 µs, a `Map`
 * lookup ~20 ns: docs/limits.md §2) or hashing cell ids.
 *
 * Per ring j the memo also holds `lowerBound[j]`: no point of a cell in ring j or beyond is
 * closer than that to any point of the origin cell. The proof is in docs/matching.md ("The ring
 * stop rule"); in short, the geodesic from a point of the origin cell to a point beyond ring j-1
 * must cross ring j, and every point of a cell lies within its circumradius of its centre, so
 * min over ring-j cells c of (|centre0 - centre_c| - r0 - r_c) is a lower bound.
 *
 * Finding a query's origin cell costs a `latLngToCell` and a `Map` lookup by a fresh string
 * (a quarter of a query, by CPU profile). Inside the market's bounding box an origin grid does
 * it instead: a raster of squares about a quarter of an edge wide, each remembering the cell of
 * its centre (the anchor). A point is then searched from its square's cell, which need not hold
 * the point: the stop rule is weakened by the point's distance to the anchor (see
 * `originOffsetMeters`), which keeps it exact.
 *
 * Memory is bounded: at most `capacity` origins keep rings (the index passes the market's cell
 * count), and the grid has at most `MAX_GRID_SQUARES` squares. When a new origin would exceed
 * the capacity, every memo is dropped, the grid is emptied and cells with no driver are
 * forgotten; queries spread over more cells than the market has are the only way to get there.
 */
import { cellToBoundary, cellToLatLng, getHexagonEdgeLengthAvg, gridDiskDistances, latLngToCell } from "h3-js"
import { distanceMeters, EARTH_RADIUS_METERS } from "../domain/geo.ts"

/**
 * Slack added to every geometric bound (m). The bounds are computed in floating point from
 * h3-js's own floating-point vertices, and a point on a shared edge may be filed in either
 * cell; the errors involved are nanometres, so a centimetre is a generous margin that costs
 * nothing measurable in pruning.
 */
const GEOMETRY_MARGIN_METERS = 0.01

/**
 * Fraction of the planar inradius trusted by the move fast path. The inradius is computed in a
 * local equirectangular plane, whose distortion across one cell is below 0.1% at city
 * latitudes; 5% leaves a wide margin, and the trusted disk still covers ~80% of a hexagon's
 * area (π/(2√3) × 0.95²), so most GPS-jitter moves skip h3-js.
 */
const INRADIUS_SAFETY = 0.95

/** Most squares of the origin grid: 8 MiB of references at most. */
const MAX_GRID_SQUARES = 1 << 20

/** Squares per hexagon edge length: the anchor is within ~0.18 edge of any point of its square. */
const GRID_SQUARES_PER_EDGE = 4

/** Rings memoised for a new origin; a ring-count of 4 covers the common query (see docs/matching.md). */
const INITIAL_RING_COUNT = 4

const RAD = Math.PI / 180

export interface CellSlot {
  readonly cell: string
  /** Centre. */
  readonly lat: number
  readonly lng: number
  /** cos(lat) of the centre, for the cheap distance bound of the search. */
  readonly cosLat: number
  /** No point of the cell is farther than this from the centre (m). */
  readonly radiusMeters: number
  /** Every point closer than this to the centre is inside the cell (m). */
  readonly inradiusMeters: number
  /**
   * Available drivers in the cell, as slots of the index's driver arrays, and their positions
   * in the same order (copied here so that a search reads them contiguously). Owned by the index.
   */
  readonly drivers: Array<number>
  readonly lats: Array<number>
  readonly lngs: Array<number>
  /** Rings around this cell, once it has been a query origin. */
  rings: OriginRings | undefined
}

export interface OriginRings {
  /** Cells of rings 0, 1, ... ring after ring. */
  readonly cells: Array<CellSlot>
  /** `ringEnd[j]` is the index in `cells` just after ring j; its length is the ring count. */
  readonly ringEnd: Array<number>
  /** `lowerBound[j]`: distance (m) below which no point of ring j or beyond lies from the origin cell. */
  readonly lowerBound: Array<number>
}

/** A WGS84 bounding box, degrees. */
export interface Bounds {
  readonly south: number
  readonly west: number
  readonly north: number
  readonly east: number
}

export class RingCache {
  readonly resolution: number
  readonly capacity: number
  readonly #slots = new Map<string, CellSlot>()
  readonly #grid: OriginGrid | undefined
  #origins = 0
  /**
   * Set by `origin`: distance (m) from the point to a point of the returned cell (0 when the
   * returned cell holds the point). Subtract it from `lowerBound[j]` before comparing.
   */
  originOffsetMeters = 0

  constructor(resolution: number, capacity: number, bounds?: Bounds) {
    this.resolution = resolution
    this.capacity = Math.max(1, capacity)
    this.#grid = bounds === undefined ? undefined : new OriginGrid(bounds, resolution)
  }

  /** Cells known (with drivers, or on some memoised ring). */
  get cellCount(): number {
    return this.#slots.size
  }

  /** Origins whose rings are memoised. */
  get originCount(): number {
    return this.#origins
  }

  /** The slot of a cell, created on first use. */
  slot(cell: string): CellSlot {
    let slot = this.#slots.get(cell)
    if (slot === undefined) {
      slot = makeSlot(cell)
      this.#slots.set(cell, slot)
    }
    return slot
  }

  /** The cell to search from for a query at the point; see `originOffsetMeters`. */
  origin(lat: number, lng: number): CellSlot {
    const grid = this.#grid
    if (grid !== undefined) {
      const square = grid.squareOf(lat, lng)
      if (square >= 0) {
        const aLat = grid.anchorLat(square), aLng = grid.anchorLng(square)
        let slot = grid.squares[square]
        if (slot === undefined) {
          slot = this.slot(latLngToCell(aLat, aLng, this.resolution))
          grid.squares[square] = slot
        }
        this.originOffsetMeters = distanceMeters(lat, lng, aLat, aLng)
        return slot
      }
    }
    this.originOffsetMeters = 0
    return this.slot(latLngToCell(lat, lng, this.resolution))
  }

  /** The origin's rings, memoised with at least `ring + 1` rings (rings 0..ring). */
  ringsReaching(origin: CellSlot, ring: number): OriginRings {
    const known = origin.rings
    if (known !== undefined && known.ringEnd.length > ring) return known
    if (known === undefined) {
      if (this.#origins >= this.capacity) this.#evictAll(origin)
      this.#origins++
    }
    // Grow geometrically so that a deep search pays O(log depth) recomputations.
    const count = Math.max(ring + 1, INITIAL_RING_COUNT, 2 * (known?.ringEnd.length ?? 0))
    const rings = this.#computeRings(origin, count)
    origin.rings = rings
    return rings
  }

  #computeRings(origin: CellSlot, count: number): OriginRings {
    const cells: Array<CellSlot> = []
    const ringEnd: Array<number> = []
    const lowerBound: Array<number> = []
    const byDistance = gridDiskDistances(origin.cell, count - 1)
    for (let j = 0; j < byDistance.length; j++) {
      let bound = Number.POSITIVE_INFINITY
      for (const cell of byDistance[j]!) {
        const slot = this.slot(cell)
        cells.push(slot)
        const gap = distanceMeters(origin.lat, origin.lng, slot.lat, slot.lng) - origin.radiusMeters - slot.radiusMeters
        if (gap < bound) bound = gap
      }
      ringEnd.push(cells.length)
      // Rings 0 and 1 touch the origin cell; the formula could only give <= 0 there anyway.
      lowerBound.push(j < 2 ? 0 : Math.max(0, bound))
    }
    return { cells, ringEnd, lowerBound }
  }

  /** Drops every memo and the cells only memos referred to; `keep` (the origin being served) stays. */
  #evictAll(keep: CellSlot): void {
    this.#grid?.squares.fill(undefined)
    for (const [cell, slot] of this.#slots) {
      slot.rings = undefined
      if (slot.drivers.length === 0 && slot !== keep) this.#slots.delete(cell)
    }
    this.#origins = 0
  }
}

/** The raster behind `RingCache.origin`; squares are filled on first use. */
class OriginGrid {
  readonly south: number
  readonly west: number
  readonly dLat: number
  readonly dLng: number
  readonly rows: number
  readonly cols: number
  readonly squares: Array<CellSlot | undefined>

  constructor(bounds: Bounds, resolution: number) {
    const metersPerDegree = EARTH_RADIUS_METERS * RAD
    const height = (bounds.north - bounds.south) * metersPerDegree
    const width = (bounds.east - bounds.west) * metersPerDegree * Math.cos(((bounds.north + bounds.south) / 2) * RAD)
    const side = Math.max(getHexagonEdgeLengthAvg(resolution, "m") / GRID_SQUARES_PER_EDGE, Math.sqrt((height * width) / MAX_GRID_SQUARES))
    this.rows = Math.max(1, Math.ceil(height / side))
    this.cols = Math.max(1, Math.ceil(width / side))
    this.south = bounds.south
    this.west = bounds.west
    this.dLat = (bounds.north - bounds.south) / this.rows
    this.dLng = (bounds.east - bounds.west) / this.cols
    this.squares = new Array<CellSlot | undefined>(this.rows * this.cols).fill(undefined)
  }

  /** The square holding the point, or -1 outside the grid. */
  squareOf(lat: number, lng: number): number {
    const row = Math.floor((lat - this.south) / this.dLat)
    const col = Math.floor((lng - this.west) / this.dLng)
    return row >= 0 && row < this.rows && col >= 0 && col < this.cols ? row * this.cols + col : -1
  }

  anchorLat(square: number): number {
    return this.south + (Math.floor(square / this.cols) + 0.5) * this.dLat
  }

  anchorLng(square: number): number {
    return this.west + ((square % this.cols) + 0.5) * this.dLng
  }
}

const makeSlot = (cell: string): CellSlot => {
  const [lat, lng] = cellToLatLng(cell)
  const boundary = cellToBoundary(cell)
  // Cell edges are great-circle arcs (straight lines of the gnomonic face projection H3 is
  // built on) and the cell is convex, so its farthest point from the centre is a vertex.
  let radius = 0
  for (const [vLat, vLng] of boundary) radius = Math.max(radius, distanceMeters(lat, lng, vLat, vLng))
  return {
    cell,
    lat,
    lng,
    cosLat: Math.cos(lat * RAD),
    radiusMeters: radius + GEOMETRY_MARGIN_METERS,
    inradiusMeters: Math.max(0, INRADIUS_SAFETY * planarInradius(lat, lng, boundary) - GEOMETRY_MARGIN_METERS),
    drivers: [],
    lats: [],
    lngs: [],
    rings: undefined
  }
}

/** Distance (m) from the centre to the nearest edge, in a local equirectangular plane. */
const planarInradius = (lat: number, lng: number, boundary: ReadonlyArray<ReadonlyArray<number>>): number => {
  const my = EARTH_RADIUS_METERS * RAD
  const mx = my * Math.cos(lat * RAD)
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i < boundary.length; i++) {
    const a = boundary[i]!, b = boundary[(i + 1) % boundary.length]!
    const ax = (a[1]! - lng) * mx, ay = (a[0]! - lat) * my
    const bx = (b[1]! - lng) * mx, by = (b[0]! - lat) * my
    const ex = bx - ax, ey = by - ay
    const t = Math.min(1, Math.max(0, -(ax * ex + ay * ey) / (ex * ex + ey * ey)))
    best = Math.min(best, Math.hypot(ax + t * ex, ay + t * ey))
  }
  return best
}
