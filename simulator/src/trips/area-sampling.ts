/**
 * Drawing random points inside a market's area, for the synthetic city: uniform over the area,
 * or Gaussian around a centre. "Inside" is whatever the given `contains` says (the engine's
 * `MarketCatalog`, see market-scope.ts); points are drawn in the area's bounding box and
 * redrawn when outside, a bounded number of times, so a draw always ends.
 */
import { distanceMeters, type LatLng, type Market } from "#engine"
import type { SeededRandom } from "./random.ts"

/** Redraws of a point that fell outside the market before giving up (uniform) or falling back to the centre (Gaussian). */
export const MAX_REDRAWS = 64
/** One degree of latitude on the engine's sphere, so offsets and distances agree. */
const METERS_PER_DEGREE = distanceMeters(0, 0, 1, 0)

type Contains = (lat: number, lng: number) => boolean

export interface Bounds {
  readonly south: number
  readonly west: number
  readonly north: number
  readonly east: number
}

/** The bounding box of a market's area (of its outer ring, for a polygon). */
export const areaBounds = (market: Market): Bounds => {
  if (market.area.type === "BBox") {
    const [west, south, east, north] = market.area.bbox
    return { south, west, north, east }
  }
  const outer = market.area.coordinates[0] ?? []
  const lats = outer.map((p) => p[1])
  const lngs = outer.map((p) => p[0])
  return { south: Math.min(...lats), west: Math.min(...lngs), north: Math.max(...lats), east: Math.max(...lngs) }
}

/**
 * Uniform over the area (uniform in degrees over the bounding box, which at city scale is
 * uniform in area to within the cosine of the latitude span), or undefined if it keeps missing.
 */
export const uniformInArea = (random: SeededRandom, b: Bounds, contains: Contains): LatLng | undefined => {
  for (let i = 0; i < MAX_REDRAWS; i++) {
    const lat = b.south + random.next() * (b.north - b.south)
    const lng = b.west + random.next() * (b.east - b.west)
    if (contains(lat, lng)) return { lat, lng }
  }
  return undefined
}

/** A circular Gaussian point around `centre` (inside the area), or the centre itself if it keeps missing. */
export const gaussianAround = (
  random: SeededRandom,
  centre: LatLng & { readonly sigmaMeters: number },
  contains: Contains
): LatLng => {
  for (let i = 0; i < MAX_REDRAWS; i++) {
    const p = offset(centre, random.normal() * centre.sigmaMeters, random.normal() * centre.sigmaMeters)
    if (contains(p.lat, p.lng)) return p
  }
  return { lat: centre.lat, lng: centre.lng }
}

/** The point `north` and `east` metres from `p` (local flat approximation, fine at city scale). */
export const offset = (p: LatLng, north: number, east: number): LatLng => ({
  lat: p.lat + north / METERS_PER_DEGREE,
  lng: p.lng + east / (METERS_PER_DEGREE * Math.cos((p.lat * Math.PI) / 180))
})
