/**
 * Fitting the engine's great-circle ETA model (ETA = great-circle distance × road factor ÷
 * speed of the local hour) to trip records that carry `dropoff_time` and `trip_distance_km`.
 *
 * Estimators (ratio estimators, the ones the engine's defaults were measured with):
 * - road factor = Σ trip km ÷ Σ great-circle km, over the trips used;
 * - speed of local hour h = road factor × Σ_h great-circle km ÷ Σ_h trip hours, so that the
 *   model's total predicted time equals the observed total in every hour (no aggregate bias).
 *   Least squares on durations would let the longest trips dominate; this weighs each
 *   kilometre alike. An hour with fewer than MIN_TRIPS_PER_HOUR trips takes the all-day speed.
 *
 * Trips used: great circle within [minKm, maxKm], by default 1-5 km, the length of pickup legs,
 * which is what the engine mostly estimates (longer trips take faster roads and would inflate
 * the speeds; shorter ones are mostly GPS noise and waiting), at least MIN_DURATION_S long, road factor between 1 and MAX_ROAD_FACTOR (a record
 * shorter than the straight line is broken; one over 4× is a meander, not a trip) and no
 * faster than MAX_SPEED_KMH. The fit error is measured on the same trips: mean and median
 * absolute percentage error of predicted vs actual duration, and the bias Σ predicted ÷ Σ
 * actual − 1, for the fitted model and for the one it replaces.
 */
import { distanceMeters, type EtaParameters, LocalHour } from "#engine"
import type { Trip } from "../trips/trip.ts"
import { round } from "../report/summary-stats.ts"

/** Default great-circle length range of the trips fitted, km: pickup-leg lengths (as the engine's defaults). */
export const DEFAULT_MIN_KM = 1
export const DEFAULT_MAX_KM = 5
export const MIN_DURATION_S = 60
/** The market schema's bounds on the road factor and speeds. */
export const MAX_ROAD_FACTOR = 4
export const MAX_SPEED_KMH = 120
export const MIN_TRIPS_PER_HOUR = 30

export type SkipReason = "no_dropoff_time_or_distance" | "too_short" | "too_long" | "too_quick" | "road_factor_out_of_range" | "too_fast"

export interface FitError {
  /** Mean absolute percentage error of duration, %. */
  readonly mape: number
  /** Median absolute percentage error, %. */
  readonly medianApe: number
  /** Σ predicted ÷ Σ actual − 1, %. */
  readonly bias: number
}

export interface EtaFit {
  readonly parameters: EtaParameters
  readonly tripsSeen: number
  readonly tripsUsed: number
  readonly skipped: Readonly<Record<SkipReason, number>>
  readonly tripsByHour: ReadonlyArray<number>
  /** Hours that had too few trips and took the all-day speed. */
  readonly sparseHours: ReadonlyArray<number>
  readonly error: FitError
  /** The same error for the model being replaced. */
  readonly previousError: FitError
}

export class EtaFitter {
  readonly #localHour: LocalHour
  readonly #minKm: number
  readonly #maxKm: number
  readonly #skipped: Record<SkipReason, number> = { no_dropoff_time_or_distance: 0, too_short: 0, too_long: 0, too_quick: 0, road_factor_out_of_range: 0, too_fast: 0 }
  readonly #gcKmByHour = new Float64Array(24)
  readonly #hoursByHour = new Float64Array(24)
  readonly #countByHour = new Float64Array(24)
  #seen = 0
  #tripKm = 0
  #gcKm = 0
  /** Used trips as (great-circle km, local hour, duration h) triples, for the error pass. */
  #kept = new Float64Array(3 * 4_096)
  #used = 0

  constructor(timeZone: string, minKm = DEFAULT_MIN_KM, maxKm = DEFAULT_MAX_KM) {
    this.#localHour = new LocalHour(timeZone)
    this.#minKm = minKm
    this.#maxKm = maxKm
  }

  add(trip: Trip): void {
    this.#seen++
    if (trip.dropoffTime === undefined || trip.tripDistanceKm === undefined) return void this.#skipped.no_dropoff_time_or_distance++
    const gcKm = distanceMeters(trip.pickup.lat, trip.pickup.lng, trip.dropoff.lat, trip.dropoff.lng) / 1000
    const hours = (trip.dropoffTime - trip.requestTime) / 3_600_000
    if (gcKm < this.#minKm) return void this.#skipped.too_short++
    if (gcKm > this.#maxKm) return void this.#skipped.too_long++
    if (hours * 3600 < MIN_DURATION_S) return void this.#skipped.too_quick++
    const factor = trip.tripDistanceKm / gcKm
    if (!(factor >= 1 && factor <= MAX_ROAD_FACTOR)) return void this.#skipped.road_factor_out_of_range++
    if (trip.tripDistanceKm / hours > MAX_SPEED_KMH) return void this.#skipped.too_fast++
    const hour = this.#localHour.hourOf(trip.requestTime)
    this.#tripKm += trip.tripDistanceKm
    this.#gcKm += gcKm
    this.#gcKmByHour[hour]! += gcKm
    this.#hoursByHour[hour]! += hours
    this.#countByHour[hour]!++
    if (3 * (this.#used + 1) > this.#kept.length) {
      const grown = new Float64Array(this.#kept.length * 2)
      grown.set(this.#kept)
      this.#kept = grown
    }
    this.#kept.set([gcKm, hour, hours], 3 * this.#used++)
  }

  get tripsUsed(): number {
    return this.#used
  }

  /** The fit; undefined when no trip was usable. `previous`: the model it replaces, for comparison. */
  result(previous: EtaParameters): EtaFit | undefined {
    if (this.#used === 0) return undefined
    const roadFactor = Math.min(MAX_ROAD_FACTOR, Math.max(1, this.#tripKm / this.#gcKm))
    let allHours = 0
    for (let h = 0; h < 24; h++) allHours += this.#hoursByHour[h]!
    const allDay = (roadFactor * this.#gcKm) / allHours
    const sparseHours: Array<number> = []
    const speedKmhByHour = Array.from({ length: 24 }, (_, h) => {
      if (this.#countByHour[h]! < MIN_TRIPS_PER_HOUR) {
        sparseHours.push(h)
        return round(Math.min(MAX_SPEED_KMH, allDay), 1)
      }
      return round(Math.min(MAX_SPEED_KMH, (roadFactor * this.#gcKmByHour[h]!) / this.#hoursByHour[h]!), 1)
    })
    const parameters: EtaParameters = { roadFactor: round(roadFactor, 3), speedKmhByHour }
    return {
      parameters,
      tripsSeen: this.#seen,
      tripsUsed: this.#used,
      skipped: { ...this.#skipped },
      tripsByHour: Array.from(this.#countByHour),
      sparseHours,
      error: this.#error(parameters),
      previousError: this.#error(previous)
    }
  }

  #error(p: EtaParameters): FitError {
    const ape = new Float64Array(this.#used)
    let predictedSum = 0, actualSum = 0, apeSum = 0
    for (let i = 0; i < this.#used; i++) {
      const gcKm = this.#kept[3 * i]!, hour = this.#kept[3 * i + 1]!, actual = this.#kept[3 * i + 2]!
      const predicted = (gcKm * p.roadFactor) / p.speedKmhByHour[hour]!
      predictedSum += predicted
      actualSum += actual
      ape[i] = Math.abs(predicted - actual) / actual
      apeSum += ape[i]!
    }
    ape.sort()
    return {
      mape: round((100 * apeSum) / this.#used, 1),
      medianApe: round(100 * ape[Math.floor((this.#used - 1) / 2)]!, 1),
      bias: round(100 * (predictedSum / actualSum - 1), 2)
    }
  }
}
