/**
 * Time of day on the roads: a factor per local hour by which free-flow travel times are
 * multiplied (the market file's `roads.speedProfile.factorByHour`).
 *
 * One factor for the whole network per hour keeps routing exact with a single set of hub
 * labels: every route's time scales by the same factor, so the fastest route at free flow is
 * the fastest at every hour, and ETA(h) = free-flow ETA × factor(h). Factors per road class
 * and hour would change which route is fastest from hour to hour and need labels per hour
 * (24 × ~19 MB for SF); the calibration data does not support them yet (docs/roads.md).
 */

import { MAX_SPEED_FACTOR, MIN_SPEED_FACTOR } from "../domain/market.ts"

export class SpeedProfile {
  /** Free-flow time multiplier per local hour 0..23. */
  readonly factorByHour: Float64Array
  /** The smallest factor: the fastest hour. */
  readonly minFactor: number

  constructor(factorByHour: ReadonlyArray<number>) {
    if (factorByHour.length !== 24 || !factorByHour.every((f) => Number.isFinite(f) && f >= MIN_SPEED_FACTOR && f <= MAX_SPEED_FACTOR)) {
      throw new RangeError(`a speed profile needs 24 factors in ${MIN_SPEED_FACTOR}..${MAX_SPEED_FACTOR}, got ${JSON.stringify(factorByHour)}`)
    }
    this.factorByHour = Float64Array.from(factorByHour)
    this.minFactor = Math.min(...factorByHour)
  }

  /** Free flow all day (factor 1): the router's own times. */
  static readonly freeFlow = new SpeedProfile(Array.from({ length: 24 }, () => 1))
}
