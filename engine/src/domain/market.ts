/**
 * A market: a city or service area whose orders and drivers are matched together.
 *
 * Markets are configuration, not code: one JSON file each (see engine/markets/sf.json and
 * docs/markets.md). This module holds the file's schema and the geometric checks a schema
 * cannot express (closed rings, no self-intersection, no antimeridian crossing). Turning the
 * area into H3 cells is the job of `MarketCatalog`.
 */
import { Schema } from "effect"
import { dirname, resolve } from "node:path"
import { Latitude, Longitude } from "./geo.ts"
import { MarketId, RegionId } from "./ids.ts"
import { RESERVED_MARKET_IDS } from "./subjects.ts"

/** A planar `[lng, lat]` point. */
type P = readonly [number, number]

/**
 * H3 resolutions a driver index may use. Below 6 a cell is ~36 km² and a ring scan touches a
 * whole city; above 10 a cell is ~15,000 m² and a 5 km pickup radius spans thousands of cells.
 */
export const MIN_H3_RESOLUTION = 6
export const MAX_H3_RESOLUTION = 10
/** A ring with more vertices than this is rejected: the self-intersection check is O(n²). */
export const MAX_RING_VERTICES = 5_000
/** Default max pickup radius (m): about 10 minutes of city driving at the default speed. */
export const DEFAULT_MAX_PICKUP_RADIUS_METERS = 5_000

/** A GeoJSON position, `[lng, lat]`. */
const Position = Schema.Tuple([Longitude, Latitude])
const Ring = Schema.Array(Position)

const BBoxArea = Schema.Struct({
  type: Schema.Literal("BBox"),
  /** GeoJSON bbox order: west, south, east, north. */
  bbox: Schema.Tuple([Longitude, Latitude, Longitude, Latitude])
})
const PolygonArea = Schema.Struct({
  type: Schema.Literal("Polygon"),
  /** GeoJSON polygon: the outer ring, then holes; each ring closed. */
  coordinates: Schema.Array(Ring).check(Schema.isMinLength(1, { message: "needs at least an outer ring" }))
})
export const MarketArea = Schema.Union([BBoxArea, PolygonArea]).check(
  Schema.makeFilter((area) => areaProblems(area).map(({ path, problem }) => ({ path, issue: problem })))
)
export type MarketArea = typeof MarketArea.Type

/**
 * Parameters of the great-circle ETA model (see engine/src/eta). Optional in a market file:
 * absent means the documented defaults; `dispatch calibrate` writes fitted values here.
 */
export const EtaParameters = Schema.Struct({
  /** Road distance over great-circle distance (dimensionless, >= 1). */
  roadFactor: Schema.Finite.check(Schema.isBetween({ minimum: 1, maximum: 4 })),
  /** Mean road speed in km/h for each local hour 0..23. */
  speedKmhByHour: Schema.Array(Schema.Finite.check(Schema.isBetween({ minimum: 1, maximum: 150 }))).check(
    Schema.isMinLength(24, { message: "must have 24 entries, one per local hour" }),
    Schema.isMaxLength(24, { message: "must have 24 entries, one per local hour" })
  )
})
export type EtaParameters = typeof EtaParameters.Type

/** Free-flow time factors a speed profile may hold: 0.2 (5× faster than free flow) to 20 (a jam). */
export const MIN_SPEED_FACTOR = 0.2
export const MAX_SPEED_FACTOR = 20
/**
 * Default farthest a point may be from its road to be routed (m); farther points (water, parks
 * without drives, beyond the graph) get the great-circle model. GPS fixes of cars on a street
 * are within ~50 m of it (the SF graph's README: nearest-node distance p90 50 m).
 */
export const DEFAULT_MAX_SNAP_METERS = 250

/**
 * The market's road network (docs/roads.md): a graph directory and its time-of-day profile.
 * Absent: the market uses the great-circle model.
 */
export const RoadsConfig = Schema.Struct({
  /** The graph directory (nodes.csv.gz, edges.csv.gz, edges_geometry.csv.gz), relative to the market file. */
  path: Schema.String.check(Schema.isMinLength(1)),
  speedProfile: Schema.Struct({
    /** Free-flow travel time × this factor, per local hour 0..23. */
    factorByHour: Schema.Array(Schema.Finite.check(Schema.isBetween({ minimum: MIN_SPEED_FACTOR, maximum: MAX_SPEED_FACTOR }))).check(
      Schema.isMinLength(24, { message: "must have 24 entries, one per local hour" }),
      Schema.isMaxLength(24, { message: "must have 24 entries, one per local hour" })
    )
  }),
  /** Points farther than this from every road use the great-circle model (m); default `DEFAULT_MAX_SNAP_METERS`. */
  maxSnapMeters: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: 1, maximum: 5_000 })))
})
export type RoadsConfig = typeof RoadsConfig.Type

/** A market's roads as the engine uses them: the graph directory resolved to an absolute path. */
export interface RoadsSettings {
  readonly directory: string
  readonly factorByHour: ReadonlyArray<number>
  readonly maxSnapMeters: number
}

export const MarketConfig = Schema.Struct({
  id: MarketId.check(
    Schema.makeFilter((id) => !RESERVED_MARKET_IDS.has(id) || `"${id}" is reserved (it names a subject level)`)
  ),
  name: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(200)),
  /** IANA time zone, e.g. `America/Los_Angeles`: hour-of-day speeds are local. */
  timeZone: Schema.String.check(Schema.makeFilter((tz) => isTimeZone(tz) || "must be an IANA time zone such as America/Los_Angeles")),
  homeRegion: RegionId,
  h3Resolution: Schema.Int.check(Schema.isBetween({ minimum: MIN_H3_RESOLUTION, maximum: MAX_H3_RESOLUTION })),
  area: MarketArea,
  maxPickupRadiusMeters: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: 100, maximum: 50_000 }))),
  eta: Schema.optionalKey(EtaParameters),
  roads: Schema.optionalKey(RoadsConfig)
})
export type MarketConfig = typeof MarketConfig.Type

/** A validated market with its defaults applied. */
export interface Market {
  readonly id: string
  readonly name: string
  readonly timeZone: string
  readonly homeRegion: string
  readonly h3Resolution: number
  readonly area: MarketArea
  readonly maxPickupRadiusMeters: number
  readonly eta: EtaParameters | undefined
  /** Its road network, or undefined: great-circle ETAs. */
  readonly roads: RoadsSettings | undefined
}

/**
 * The market a validated config describes. `source` is the market file: a roads path is
 * relative to the file's directory (so a market and its graph move together).
 */
export const marketFromConfig = (config: MarketConfig, source = "."): Market => ({
  id: config.id,
  name: config.name,
  timeZone: config.timeZone,
  homeRegion: config.homeRegion,
  h3Resolution: config.h3Resolution,
  area: config.area,
  maxPickupRadiusMeters: config.maxPickupRadiusMeters ?? DEFAULT_MAX_PICKUP_RADIUS_METERS,
  eta: config.eta,
  roads: config.roads === undefined ? undefined : {
    directory: resolve(dirname(source), config.roads.path),
    factorByHour: config.roads.speedProfile.factorByHour,
    maxSnapMeters: config.roads.maxSnapMeters ?? DEFAULT_MAX_SNAP_METERS
  }
})

const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz })
    return true
  } catch {
    return false
  }
}

/** The area's rings as GeoJSON `[lng, lat]` rings, outer first, each closed. */
export const areaRings = (area: MarketArea): ReadonlyArray<ReadonlyArray<readonly [number, number]>> => {
  if (area.type === "Polygon") return area.coordinates
  const [w, s, e, n] = area.bbox
  return [[[w, s], [e, s], [e, n], [w, n], [w, s]]]
}

interface AreaProblem {
  readonly path: ReadonlyArray<string | number>
  readonly problem: string
}

/**
 * Geometric problems of an area, each with the path of the part at fault; empty when the area
 * is usable. Paths are relative to the area.
 */
export const areaProblems = (area: MarketArea): ReadonlyArray<AreaProblem> => {
  if (area.type === "BBox") {
    const [w, s, e, n] = area.bbox
    const problems: Array<AreaProblem> = []
    if (!(s < n)) problems.push({ path: ["bbox"], problem: `south (${s}) must be below north (${n})` })
    if (!(w < e)) problems.push({ path: ["bbox"], problem: `west (${w}) must be left of east (${e}); areas crossing the antimeridian are not supported` })
    return problems
  }
  return area.coordinates.flatMap((ring, r) => {
    const problem = ringProblem(ring)
    return problem === undefined ? [] : [{ path: ["coordinates", r], problem }]
  })
}

const ringProblem = (ring: ReadonlyArray<P>): string | undefined => {
  if (ring.length < 4) return `a ring needs at least 4 positions (a closed triangle), got ${ring.length}`
  if (ring.length > MAX_RING_VERTICES) return `at most ${MAX_RING_VERTICES} positions, got ${ring.length}`
  const first = ring[0]!, last = ring[ring.length - 1]!
  if (first[0] !== last[0] || first[1] !== last[1]) return "the ring is not closed (first and last positions differ)"
  const lngs = ring.map((p) => p[0])
  if (Math.max(...lngs) - Math.min(...lngs) > 180) return "spans more than 180° of longitude; areas crossing the antimeridian are not supported"
  const repeated = repeatedPosition(ring)
  if (repeated !== undefined) return `position ${repeated} repeats the one before it`
  if (Math.abs(signedArea(ring)) < 1e-12) return "the ring encloses no area"
  const crossing = firstSelfIntersection(ring)
  return crossing === undefined ? undefined : `the ring intersects itself (edges ${crossing[0]} and ${crossing[1]})`
}

const signedArea = (ring: ReadonlyArray<P>): number => {
  let sum = 0
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x1, y1] = ring[i]!, [x2, y2] = ring[i + 1]!
    sum += x1 * y2 - x2 * y1
  }
  return sum / 2
}

/** Edge i runs from position i to i + 1. Edges that share an endpoint only meet by folding back. */
const firstSelfIntersection = (ring: ReadonlyArray<P>): readonly [number, number] | undefined => {
  const edges = ring.length - 1
  for (let i = 0; i < edges; i++) {
    for (let j = i + 1; j < edges; j++) {
      const meets = j === i + 1
        ? foldsBack(ring[i]!, ring[j]!, ring[j + 1]!)
        : i === 0 && j === edges - 1
        ? foldsBack(ring[1]!, ring[0]!, ring[j]!)
        : segmentsIntersect(ring[i]!, ring[i + 1]!, ring[j]!, ring[j + 1]!)
      if (meets) return [i, j]
    }
  }
  return undefined
}

const repeatedPosition = (ring: ReadonlyArray<P>): number | undefined => {
  for (let i = 1; i < ring.length; i++) {
    if (ring[i]![0] === ring[i - 1]![0] && ring[i]![1] === ring[i - 1]![1]) return i
  }
  return undefined
}

const orient = (a: P, b: P, c: P): number => Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))
const onSegment = (a: P, b: P, p: P): boolean =>
  Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1])

const segmentsIntersect = (a: P, b: P, c: P, d: P): boolean => {
  const o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b)
  if (o1 !== o2 && o3 !== o4) return true
  return (o1 === 0 && onSegment(a, b, c)) || (o2 === 0 && onSegment(a, b, d)) ||
    (o3 === 0 && onSegment(c, d, a)) || (o4 === 0 && onSegment(c, d, b))
}

/** Edges u-shared and shared-v overlap when v lies back along u's line. */
const foldsBack = (u: P, shared: P, v: P): boolean =>
  orient(u, shared, v) === 0 && (u[0] - shared[0]) * (v[0] - shared[0]) + (u[1] - shared[1]) * (v[1] - shared[1]) > 0

/**
 * Point in polygon (GeoJSON rings, holes excluded), boundary inclusive. Planar in degrees,
 * the same convention H3 uses to fill polygons, so it agrees with the cell sets.
 */
export const areaContains = (area: MarketArea, lat: number, lng: number): boolean => {
  if (area.type === "BBox") {
    const [w, s, e, n] = area.bbox
    return lat >= s && lat <= n && lng >= w && lng <= e
  }
  const [outer, ...holes] = area.coordinates
  if (outer === undefined || ringContains(outer, lat, lng) !== "in") {
    return outer !== undefined && ringContains(outer, lat, lng) === "edge"
  }
  return holes.every((hole) => ringContains(hole, lat, lng) !== "in")
}

const ringContains = (ring: ReadonlyArray<P>, lat: number, lng: number): "in" | "out" | "edge" => {
  let inside = false
  const p: P = [lng, lat]
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]!, b = ring[j]!
    if (orient(a, b, p) === 0 && onSegment(a, b, p)) return "edge"
    if ((a[1] > lat) !== (b[1] > lat) && lng < ((b[0] - a[0]) * (lat - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside
  }
  return inside ? "in" : "out"
}
