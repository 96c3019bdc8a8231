/**
 * Where a driver is along a leg: drivers move on the great circle between the leg's ends at
 * constant speed, the path the ETA model measures (its distance is the great circle, scaled by
 * the road factor into time). Spherical interpolation, so a long leg does not cut the corner a
 * straight line in degrees would.
 */
import type { LatLng } from "#engine"

const RAD = Math.PI / 180
/** Below this angular distance (radians, ~6 mm) the ends are treated as one point. */
const TINY_ANGLE = 1e-9

/** The point a fraction `f` (0..1) of the way from `a` to `b` along the great circle. */
export const intermediatePoint = (aLat: number, aLng: number, bLat: number, bLng: number, f: number): LatLng => {
  if (f <= 0) return { lat: aLat, lng: aLng }
  if (f >= 1) return { lat: bLat, lng: bLng }
  const φ1 = aLat * RAD, λ1 = aLng * RAD, φ2 = bLat * RAD, λ2 = bLng * RAD
  const s = Math.sin((φ2 - φ1) / 2), t = Math.sin((λ2 - λ1) / 2)
  const δ = 2 * Math.asin(Math.min(1, Math.sqrt(s * s + Math.cos(φ1) * Math.cos(φ2) * t * t)))
  if (δ < TINY_ANGLE) return { lat: aLat + (bLat - aLat) * f, lng: aLng + (bLng - aLng) * f }
  const a = Math.sin((1 - f) * δ) / Math.sin(δ), b = Math.sin(f * δ) / Math.sin(δ)
  const x = a * Math.cos(φ1) * Math.cos(λ1) + b * Math.cos(φ2) * Math.cos(λ2)
  const y = a * Math.cos(φ1) * Math.sin(λ1) + b * Math.cos(φ2) * Math.sin(λ2)
  const z = a * Math.sin(φ1) + b * Math.sin(φ2)
  return { lat: Math.atan2(z, Math.sqrt(x * x + y * y)) / RAD, lng: Math.atan2(y, x) / RAD }
}
