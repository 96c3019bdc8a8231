/**
 * The report maps' basemap: the market's streets from its road graph, drawn under the H3 cells
 * without tiles or network. To keep the file small (docs/simulator.md, "Report"), only the
 * streets (`BASEMAP_CLASSES`: no service roads, tracks or living streets) crossing the mapped
 * area are kept, each simplified
 * (Douglas–Peucker, `SIMPLIFY_METERS`, under a map pixel), written as integer steps of
 * `COORDINATE_STEP` degrees, joined end to end where roads meet and delta-coded: a line is
 * [lng₀, lat₀, Δlng₁, Δlat₁, …].
 * report-page.js decodes them. The graphs come from OpenStreetMap (the shipped SF graph and
 * `dispatch roads import`), whose licence (ODbL) asks for the attribution drawn on every map.
 */
import type { RoadShape } from "#engine"

/** Road classes drawn, from the widest; each its own layer with its own stroke. */
const BASEMAP_CLASSES = ["motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential"] as const
const OSM_ATTRIBUTION = "© OpenStreetMap contributors"
/** A report map is 420 px across 10-30 km: ~25-70 m a pixel; simplifying within 15 m is invisible. */
const SIMPLIFY_METERS = 15
/** 1e-4° is 11 m of latitude, 9 m of longitude at SF: below a pixel. */
const COORDINATE_STEP = 1e-4
const METERS_PER_DEGREE = 111_195

export interface Basemap {
  readonly attribution: string
  /** Degrees per unit of the lines' integers. */
  readonly step: number
  readonly layers: ReadonlyArray<{ readonly roadClass: string; readonly lines: ReadonlyArray<ReadonlyArray<number>> }>
}

interface Box {
  readonly west: number
  readonly east: number
  readonly south: number
  readonly north: number
}

/** Indices of the points Douglas–Peucker keeps of a polyline (x, y in metres), ends included. */
const simplified = (x: Float64Array, y: Float64Array, tolerance: number): Array<number> => {
  const keep = new Uint8Array(x.length)
  keep[0] = keep[x.length - 1] = 1
  const stack: Array<[number, number]> = [[0, x.length - 1]]
  while (stack.length > 0) {
    const [i, j] = stack.pop()!
    const dx = x[j]! - x[i]!, dy = y[j]! - y[i]!, length2 = dx * dx + dy * dy
    let worst = -1, worstDistance = tolerance
    for (let k = i + 1; k < j; k++) {
      const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((x[k]! - x[i]!) * dx + (y[k]! - y[i]!) * dy) / length2))
      const d = Math.hypot(x[k]! - x[i]! - t * dx, y[k]! - y[i]! - t * dy)
      if (d > worstDistance) {
        worst = k
        worstDistance = d
      }
    }
    if (worst >= 0) {
      keep[worst] = 1
      stack.push([i, worst], [worst, j])
    }
  }
  return [...keep.keys()].filter((k) => keep[k] === 1)
}

/** A shape's simplified points as integer steps [x₀, y₀, x₁, y₁, …], or undefined when it is outside `box` or shrinks to a point. */
const quantized = (shape: RoadShape, box: Box): Array<number> | undefined => {
  const n = shape.lngLat.length / 2, ll = shape.lngLat
  let inside = false
  for (let k = 0; k < n && !inside; k++) inside = ll[2 * k]! >= box.west && ll[2 * k]! <= box.east && ll[2 * k + 1]! >= box.south && ll[2 * k + 1]! <= box.north
  if (!inside) return undefined
  const kx = METERS_PER_DEGREE * Math.cos((ll[1]! * Math.PI) / 180)
  const x = new Float64Array(n), y = new Float64Array(n)
  for (let k = 0; k < n; k++) {
    x[k] = ll[2 * k]! * kx
    y[k] = ll[2 * k + 1]! * METERS_PER_DEGREE
  }
  const points: Array<number> = []
  for (const k of simplified(x, y, SIMPLIFY_METERS)) {
    const qx = Math.round(ll[2 * k]! / COORDINATE_STEP), qy = Math.round(ll[2 * k + 1]! / COORDINATE_STEP)
    if (points.length > 0 && qx === points[points.length - 2] && qy === points[points.length - 1]) continue
    points.push(qx, qy)
  }
  return points.length >= 4 ? points : undefined
}

/** Reversed point order of a [x, y, …] line. */
const reversed = (line: ReadonlyArray<number>): Array<number> => {
  const out: Array<number> = []
  for (let i = line.length - 2; i >= 0; i -= 2) out.push(line[i]!, line[i + 1]!)
  return out
}

/**
 * Lines joined end to end where they meet (either way round: a street is drawn, not driven),
 * so that most of SF's ~3,000 arcs of a class become a few hundred polylines: each line's
 * first point is written in full, every later one as a small step.
 */
const chained = (lines: ReadonlyArray<ReadonlyArray<number>>): Array<Array<number>> => {
  const key = (line: ReadonlyArray<number>, atEnd: boolean) => (atEnd ? `${line[line.length - 2]},${line[line.length - 1]}` : `${line[0]},${line[1]}`)
  const byEnd = new Map<string, Array<number>>()
  lines.forEach((line, i) => {
    for (const atEnd of [false, true]) {
      const k = key(line, atEnd)
      const list = byEnd.get(k)
      if (list === undefined) byEnd.set(k, [i])
      else list.push(i)
    }
  })
  const used = new Uint8Array(lines.length)
  /** An unused line touching point k, oriented to start there. */
  const next = (k: string): Array<number> | undefined => {
    for (const i of byEnd.get(k) ?? []) {
      if (used[i] === 1) continue
      used[i] = 1
      return key(lines[i]!, false) === k ? [...lines[i]!] : reversed(lines[i]!)
    }
    return undefined
  }
  const chains: Array<Array<number>> = []
  for (let i = 0; i < lines.length; i++) {
    if (used[i] === 1) continue
    used[i] = 1
    let chain = [...lines[i]!]
    for (let more = next(key(chain, true)); more !== undefined; more = next(key(chain, true))) chain.push(...more.slice(2))
    chain = reversed(chain)
    for (let more = next(key(chain, true)); more !== undefined; more = next(key(chain, true))) chain.push(...more.slice(2))
    chains.push(chain)
  }
  return chains
}

/** [x₀, y₀, x₁ − x₀, y₁ − y₀, …]. */
const deltaCoded = (line: ReadonlyArray<number>): Array<number> => line.map((v, i) => (i < 2 ? v : v - line[i - 2]!))

/** The basemap of the area `extent` (cell outlines, GeoJSON features) covers, a margin of 5% around it. */
export const basemap = (shapes: ReadonlyArray<RoadShape>, extent: ReadonlyArray<{ readonly geometry: { readonly coordinates: ReadonlyArray<ReadonlyArray<readonly [number, number]>> } }>): Basemap => {
  let west = Infinity, east = -Infinity, south = Infinity, north = -Infinity
  for (const f of extent) {
    for (const [lng, lat] of f.geometry.coordinates[0]!) {
      west = Math.min(west, lng)
      east = Math.max(east, lng)
      south = Math.min(south, lat)
      north = Math.max(north, lat)
    }
  }
  const mx = (east - west) * 0.05, my = (north - south) * 0.05
  const box = { west: west - mx, east: east + mx, south: south - my, north: north + my }
  const layers = BASEMAP_CLASSES.map((roadClass) => ({
    roadClass,
    lines: chained(shapes.flatMap((s) => {
      if (s.roadClass !== roadClass) return []
      const line = quantized(s, box)
      return line === undefined ? [] : [line]
    })).map(deltaCoded)
  }))
  return { attribution: OSM_ATTRIBUTION, step: COORDINATE_STEP, layers }
}
