/**
 * How long a driver takes to reach a pickup: the one interface every policy sees. Policies
 * rely only on this contract, including `minEta`, which keeps them exact for models whose ETA
 * is not monotone in distance (docs/matching.md, "Why candidates are exact").
 */
import type { LatLng } from "../domain/geo.ts"

export interface Eta {
  /**
   * Seconds for a driver at `from` to reach `to`, leaving at `atMs` (epoch ms). Callers may
   * reuse `from` and `to` for the next call (the candidate search does): a model reads their
   * coordinates and keeps no reference to them.
   */
  eta(from: LatLng, to: LatLng, atMs: number): number
  /**
   * A lower bound (s) of `eta(from, to, atMs)` over every `from` that is `distanceMeters` from
   * `to` on the great circle; nondecreasing in the distance. A routing model can answer distance
   * ÷ its top speed (the road model answers that ring by ring, with the top speed of the roads
   * around `to`); the great-circle model answers its own ETA, which is exact.
   */
  minEta(distanceMeters: number, atMs: number, to: LatLng): number
}
