/**
 * The set of markets a process serves, and `marketOf(lat, lng)`: which market a point is in.
 *
 * Each market's area is turned into H3 cells once, at its own resolution: cells fully inside
 * the area answer "yes" with one hash lookup; only points in the thin band of cells that the
 * area's edge crosses get an exact point-in-polygon test. So a point on the boundary is in the
 * market (edges inclusive), a point a metre outside is not, and the common case costs one
 * `latLngToCell` and one `Map.get`.
 */
import { latLngToCell, polygonToCellsExperimental, POLYGON_TO_CELLS_FLAGS } from "h3-js"
import { areaContains, areaRings, type Market } from "./market.ts"

interface ResolutionLayer {
  readonly resolution: number
  /** cell -> the market whose area holds the whole cell. */
  readonly interior: Map<string, Market>
  /** cell -> markets whose edge crosses the cell (exact test needed). */
  readonly boundary: Map<string, Array<Market>>
}

export class MarketCatalog {
  readonly #byId: ReadonlyMap<string, Market>
  readonly #layers: ReadonlyArray<ResolutionLayer>

  private constructor(byId: ReadonlyMap<string, Market>, layers: ReadonlyArray<ResolutionLayer>) {
    this.#byId = byId
    this.#layers = layers
  }

  /**
   * Builds the cell lookup. Fails (returns a message) when two markets share an id or overlap
   * in a cell that lies wholly inside both: matching never crosses markets, so a point must
   * belong to one market at most.
   */
  static make(markets: ReadonlyArray<Market>): MarketCatalog | string {
    const byId = new Map<string, Market>()
    const layers = new Map<number, ResolutionLayer>()
    for (const market of markets) {
      if (byId.has(market.id)) return `market id "${market.id}" is defined twice`
      byId.set(market.id, market)
      let layer = layers.get(market.h3Resolution)
      if (layer === undefined) {
        layer = { resolution: market.h3Resolution, interior: new Map(), boundary: new Map() }
        layers.set(market.h3Resolution, layer)
      }
      const { full, overlapping } = marketCells(market)
      for (const cell of full) {
        const other = layer.interior.get(cell) ?? layer.boundary.get(cell)?.[0]
        if (other !== undefined) return `markets "${other.id}" and "${market.id}" overlap (H3 cell ${cell})`
        layer.interior.set(cell, market)
      }
      for (const cell of overlapping) {
        if (full.has(cell)) continue
        const other = layer.interior.get(cell)
        if (other !== undefined) return `markets "${other.id}" and "${market.id}" overlap (H3 cell ${cell})`
        const list = layer.boundary.get(cell)
        if (list === undefined) layer.boundary.set(cell, [market])
        else list.push(market)
      }
    }
    // Layers of markets on different resolutions never share a cell id, but a point could
    // fall in two: check it at lookup time by scanning layers in a fixed order.
    return new MarketCatalog(byId, [...layers.values()].sort((a, b) => a.resolution - b.resolution))
  }

  get markets(): ReadonlyArray<Market> {
    return [...this.#byId.values()]
  }

  get(id: string): Market | undefined {
    return this.#byId.get(id)
  }

  /** The market whose area holds the point (edges inclusive), or undefined. */
  marketOf(lat: number, lng: number): Market | undefined {
    if (!(lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180)) return undefined
    for (const layer of this.#layers) {
      const cell = latLngToCell(lat, lng, layer.resolution)
      const inside = layer.interior.get(cell)
      if (inside !== undefined) return inside
      const candidates = layer.boundary.get(cell)
      if (candidates === undefined) continue
      for (const market of candidates) if (areaContains(market.area, lat, lng)) return market
    }
    return undefined
  }

  /** Number of H3 cells (interior and boundary) a market's area covers. */
  cellCount(id: string): number {
    const market = this.#byId.get(id)
    if (market === undefined) return 0
    return marketCells(market).overlapping.size
  }
}

const marketCells = (market: Market): { full: ReadonlySet<string>; overlapping: ReadonlySet<string> } => {
  const rings = areaRings(market.area).map((ring) => ring.map(([lng, lat]) => [lng, lat]))
  const cells = (flag: string) => new Set(polygonToCellsExperimental(rings, market.h3Resolution, flag, true))
  return {
    full: cells(POLYGON_TO_CELLS_FLAGS.containmentFull),
    overlapping: cells(POLYGON_TO_CELLS_FLAGS.containmentOverlapping)
  }
}
