/**
 * Cheap lower bounds of `distanceMeters` (no trigonometry), shared by the H3 index's searches
 * (h3-driver-index.ts, h3-near-search.ts) to skip cells and drivers without a haversine.
 */
import { EARTH_RADIUS_METERS } from "../domain/geo.ts"

/**
 * Great-circle distance is at least R·|Δφ| (haversine: h >= sin²(Δφ/2)); metres per degree of
 * latitude, shaded by 1e-9 so that rounding in `distanceMeters` can never undercut the filter.
 */
export const METERS_PER_DEGREE_LAT_LOWER = EARTH_RADIUS_METERS * (Math.PI / 180) * (1 - 1e-9)

const RAD = Math.PI / 180

/**
 * A lower bound of the distance between two points, to skip cells without a haversine.
 * Great-circle distance is at least R·|Δφ|, and at least 2R·√(cos φ1 cos φ2)·sin(|Δλ|/2) >=
 * R·min(cos φ1, cos φ2)·|Δλ|·(1 − Δλ²/24) (haversine: h >= cos φ1 cos φ2 sin²(Δλ/2), asin x >= x,
 * sin x >= x − x³/6); shaded by 1e-9 for rounding.
 */
export const distanceLowerBound = (lat: number, lng: number, cosLat: number, toLat: number, toLng: number, toCosLat: number): number => {
  const byLat = Math.abs(lat - toLat) * METERS_PER_DEGREE_LAT_LOWER
  let dLng = Math.abs(lng - toLng) * RAD
  if (dLng > Math.PI) dLng = 2 * Math.PI - dLng
  const byLng = EARTH_RADIUS_METERS * (1 - 1e-9) * Math.min(cosLat, toCosLat) * dLng * (1 - (dLng * dLng) / 24)
  return byLat > byLng ? byLat : byLng
}
