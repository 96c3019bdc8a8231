/**
 * A trip request as the simulator replays it: where and when a rider asked for a ride, and,
 * when the source knows it, how the real ride ended. Every trip source (a CSV file of real
 * records, the synthetic city) yields this one shape, in non-decreasing `requestTime` order.
 */
import type { LatLng } from "#engine"

export interface Trip {
  /** When the ride was requested, epoch milliseconds. */
  readonly requestTime: number
  readonly pickup: LatLng
  readonly dropoff: LatLng
  /** When the real ride ended, epoch milliseconds; unknown for sources that do not record it. */
  readonly dropoffTime?: number | undefined
  /** Length of the real ride in kilometres, when the source records it. */
  readonly tripDistanceKm?: number | undefined
  /**
   * Where the trip came from, 1-based: the line its record starts on in a CSV file (the header
   * is line 1), or its ordinal in a generated stream. Unique within one source, so it can seed
   * an order id and lets a rejected or surprising trip be found in the file.
   */
  readonly line: number
}
