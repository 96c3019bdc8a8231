/**
 * What the fleet models know of demand before the replay starts, gathered in one pass over
 * the run's trips: how many, from when to when, a uniform random sample of pickup points
 * (where drivers start), a sample per local hour (where idle drivers reposition to) and the
 * request count per local hour (when shifts are centred).
 *
 * Reservoir sampling (Vitter's algorithm R) keeps each sample uniform over the trips seen in
 * bounded memory, whatever the file's length; the draws come from the run's seed.
 */
import type { LatLng } from "#engine"
import { LocalHour } from "#engine"
import type { SeededRandom } from "../trips/random.ts"
import type { Trip } from "../trips/trip.ts"

/** Pickups kept per local hour for repositioning: plenty to spread 10k drivers over. */
export const HOURLY_SAMPLE_SIZE = 512

class Reservoir {
  readonly points: Array<LatLng> = []
  seen = 0
  readonly #capacity: number
  constructor(capacity: number) {
    this.#capacity = capacity
  }
  offer(point: LatLng, random: SeededRandom): void {
    this.seen++
    if (this.points.length < this.#capacity) this.points.push(point)
    else {
      const j = Math.floor(random.next() * this.seen)
      if (j < this.#capacity) this.points[j] = point
    }
  }
}

export class DemandSample {
  trips = 0
  firstRequestTime = Number.POSITIVE_INFINITY
  lastRequestTime = Number.NEGATIVE_INFINITY
  /** Requests per local hour 0..23. */
  readonly requestsByLocalHour = new Float64Array(24)
  readonly #placement: Reservoir
  readonly #hourly: Array<Reservoir> = Array.from({ length: 24 }, () => new Reservoir(HOURLY_SAMPLE_SIZE))
  readonly #localHour: LocalHour
  readonly #random: SeededRandom

  /** `placementSize`: pickups to keep for placing drivers (the fleet size). */
  constructor(placementSize: number, timeZone: string, random: SeededRandom) {
    this.#placement = new Reservoir(placementSize)
    this.#localHour = new LocalHour(timeZone)
    this.#random = random
  }

  add(trip: Trip): void {
    this.trips++
    if (trip.requestTime < this.firstRequestTime) this.firstRequestTime = trip.requestTime
    if (trip.requestTime > this.lastRequestTime) this.lastRequestTime = trip.requestTime
    const hour = this.#localHour.hourOf(trip.requestTime)
    this.requestsByLocalHour[hour]!++
    this.#placement.offer(trip.pickup, this.#random)
    this.#hourly[hour]!.offer(trip.pickup, this.#random)
  }

  /** A uniform sample of the run's pickups (all of them when fewer than asked). */
  get placementPoints(): ReadonlyArray<LatLng> {
    return this.#placement.points
  }

  /** A sample of the pickups requested in that local hour; the whole-run sample when the hour had none. */
  pickupsInHour(hour: number): ReadonlyArray<LatLng> {
    const points = this.#hourly[hour]!.points
    return points.length > 0 ? points : this.#placement.points
  }
}
