/** Test helper: where a point lies on a route line. */
import { distanceMeters, type LatLng, type RouteLine } from "#engine"

/** Where a point is along a line: the metres from its start, or undefined when it is not on it (within 1 cm). */
export const alongLine = (line: RouteLine, p: LatLng, fromMeters = 0): number | undefined => {
  const kx = Math.cos((p.lat * Math.PI) / 180)
  for (let k = 0; k + 1 < line.count; k++) {
    if (line.meters[k + 1]! < fromMeters - 1e-6) continue
    const ax = line.lng[k]! * kx, ay = line.lat[k]!, bx = line.lng[k + 1]! * kx, by = line.lat[k + 1]!
    const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy
    const u = len2 > 0 ? Math.max(0, Math.min(1, ((p.lng * kx - ax) * dx + (p.lat - ay) * dy) / len2)) : 0
    const q = { lat: ay + u * dy, lng: (ax + u * dx) / kx }
    if (distanceMeters(q.lat, q.lng, p.lat, p.lng) <= 0.01) return line.meters[k]! + u * (line.meters[k + 1]! - line.meters[k]!)
  }
  return undefined
}


/** The point `m` metres along a line (linear within a segment, as drivers move). */
export const pointAtMeters = (line: RouteLine, m: number): LatLng => {
  let k = 0
  while (k + 2 < line.count && line.meters[k + 1]! < m) k++
  const span = line.meters[k + 1]! - line.meters[k]!
  const u = span > 0 ? Math.max(0, Math.min(1, (m - line.meters[k]!) / span)) : 1
  return { lat: line.lat[k]! + u * (line.lat[k + 1]! - line.lat[k]!), lng: line.lng[k]! + u * (line.lng[k + 1]! - line.lng[k]!) }
}
