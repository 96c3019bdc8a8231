/**
 * How long a driver takes to reach a pickup: the one interface every policy sees. Policies
 * rely only on this contract, including `minEta`, which keeps them exact for models whose ETA
 * is not monotone in distance (docs/matching.md, "Why candidates are exact").
 */
import type { LatLng } from "../domain/geo.ts"

export interface Eta {
  /** Seconds for a driver at `from` to reach `to`, leaving at `atMs` (epoch ms). */
  eta(from: LatLng, to: LatLng, atMs: number): number
  /**
   * A lower bound (s) of `eta` over all pairs of points `distanceMeters` apart on the great
   * circle, leaving at `atMs`; nondecreasing in the distance. A routing model can answer
   * distance ÷ its top speed; the great-circle model answers its own ETA, which is exact.
   */
  minEta(distanceMeters: number, atMs: number): number
}
