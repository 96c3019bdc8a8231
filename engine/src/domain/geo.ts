/**
 * Coordinates and distances on the WGS84 sphere approximation used everywhere in Dispatch.
 *
 * One distance function for the whole product: the driver index, the brute-force reference,
 * the ETA model and the simulator all rank by `distanceMeters`, so "nearest" means the same
 * thing in every part and ties are broken the same way.
 */
import { Schema } from "effect"

/** Mean Earth radius in metres (IUGG), the radius the shared SF trip data was derived with. */
export const EARTH_RADIUS_METERS = 6_371_008.8

export const Latitude = Schema.Finite.check(Schema.isBetween({ minimum: -90, maximum: 90 }))
export const Longitude = Schema.Finite.check(Schema.isBetween({ minimum: -180, maximum: 180 }))

export const LatLng = Schema.Struct({ lat: Latitude, lng: Longitude })
export type LatLng = typeof LatLng.Type

const RAD = Math.PI / 180

/**
 * Great-circle (haversine) distance in metres. Plain arithmetic, no allocation: it is the
 * inner loop of nearest-driver queries.
 */
export const distanceMeters = (lat1: number, lng1: number, lat2: number, lng2: number): number => {
  const dLat = (lat2 - lat1) * RAD
  const dLng = (lng2 - lng1) * RAD
  const s = Math.sin(dLat / 2)
  const t = Math.sin(dLng / 2)
  const h = s * s + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * t * t
  return 2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(h)))
}
