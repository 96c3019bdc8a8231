/**
 * Fitting the engine's ETA models to trip records: the great-circle model (ETA = great-circle
 * distance × road factor ÷ speed of the local hour) always, and, for a market with roads, the
 * road model's speed profile (ETA = free-flow time of the fastest route × factor of the local
 * hour). Each trip needs `request_time`, `dropoff_time` and its ends; `trip_distance_km` only
 * when the market has no roads, since the graph's routes give the road distances.
 *
 * Estimators (ratio estimators, the ones the engine's defaults were measured with):
 * - road factor = Σ trip km ÷ Σ great-circle km, over the trips used; trip km are the records'
 *   when every trip used has one, else the fastest routes' lengths on an evenly spaced sample
 *   of ROAD_KM_SAMPLE trips (a route's length takes a Dijkstra, its time only hub labels);
 * - speed of local hour h = road factor × Σ_h great-circle km ÷ Σ_h trip hours, so that the
 *   model's total predicted time equals the observed total in every hour (no aggregate bias).
 *   Least squares on durations would let the longest trips dominate; this weighs each
 *   kilometre alike. An hour with fewer than MIN_TRIPS_PER_HOUR trips takes the all-day speed;
 * - road factor of local hour h = Σ_h trip hours ÷ Σ_h free-flow hours, likewise.
 *
 * Trips used: great circle within [minKm, maxKm], by default 1-5 km, the length of pickup legs,
 * which is what the engine mostly estimates (longer trips take faster roads and would inflate
 * the speeds; shorter ones are mostly GPS noise and waiting), at least MIN_DURATION_S long, a
 * recorded road factor between 1 and MAX_ROAD_FACTOR (a record shorter than the straight line
 * is broken; one over 4× is a meander, not a trip), no faster than MAX_SPEED_KMH over the
 * recorded (else great-circle) distance and, with roads, both ends on the roads and a duration
 * within the speed profile's factors of the free-flow time. Both models' errors are measured
 * on these same trips: mean and median absolute percentage error of predicted vs actual
 * duration, and the bias Σ predicted ÷ Σ actual − 1, for the fitted models and the ones they
 * replace.
 */
import { distanceMeters, type EtaParameters, type LatLng, LocalHour, MAX_SPEED_FACTOR, MIN_SPEED_FACTOR } from "#engine"
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
/** Routes whose length is measured for the road factor when the records have no distance. */
export const ROAD_KM_SAMPLE = 2_000

export type SkipReason =
  | "no_dropoff_time_or_distance"
  | "too_short"
  | "too_long"
  | "too_quick"
  | "road_factor_out_of_range"
  | "too_fast"
  | "off_roads"
  | "free_flow_ratio_out_of_range"

/** The market's roads as the fit needs them (the engine's `TripRoutes`). */
export interface TripRouter {
  /** Free-flow seconds of the fastest route, NaN when an end is off the roads. */
  freeFlowSeconds(from: LatLng, to: LatLng): number
  /** Metres of that route, NaN when an end is off the roads. */
  routeMeters(from: LatLng, to: LatLng): number
}

export interface FitError {
  /** Mean absolute percentage error of duration, %. */
  readonly mape: number
  /** Median absolute percentage error, %. */
  readonly medianApe: number
  /** Σ predicted ÷ Σ actual − 1, %. */
  readonly bias: number
}

/** The road model's fit: free-flow time factors by local hour, and the errors. */
export interface RoadFit {
  readonly factorByHour: ReadonlyArray<number>
  readonly error: FitError
  /** The same error for the profile being replaced. */
  readonly previousError: FitError
}

export interface EtaFit {
  readonly parameters: EtaParameters
  /** Where the road factor's trip km came from: the records' distances, or the lengths of `routesMeasured` sampled routes. */
  readonly roadKmFrom: "records" | "routes"
  readonly routesMeasured: number
  readonly tripsSeen: number
  readonly tripsUsed: number
  readonly skipped: Readonly<Record<SkipReason, number>>
  readonly tripsByHour: ReadonlyArray<number>
  /** Hours that had too few trips and took the all-day speed (and factor). */
  readonly sparseHours: ReadonlyArray<number>
  readonly error: FitError
  /** The same error for the model being replaced. */
  readonly previousError: FitError
  /** The road model's fit on the same trips; undefined for a market without roads. */
  readonly road: RoadFit | undefined
}

/** Floats kept per used trip: great-circle km, local hour, hours, free-flow hours, record km (NaN if none), the two ends. */
const STRIDE = 9

export class EtaFitter {
  readonly #localHour: LocalHour
  readonly #minKm: number
  readonly #maxKm: number
  readonly #routes: TripRouter | undefined
  readonly #skipped: Record<SkipReason, number> = {
    no_dropoff_time_or_distance: 0,
    too_short: 0,
    too_long: 0,
    too_quick: 0,
    road_factor_out_of_range: 0,
    too_fast: 0,
    off_roads: 0,
    free_flow_ratio_out_of_range: 0
  }
  readonly #gcKmByHour = new Float64Array(24)
  readonly #hoursByHour = new Float64Array(24)
  readonly #freeFlowByHour = new Float64Array(24)
  readonly #countByHour = new Float64Array(24)
  #seen = 0
  #recordKm = 0
  #withRecordKm = 0
  #gcKm = 0
  #kept = new Float64Array(STRIDE * 4_096)
  #used = 0

  /** `routes`: the market's roads, to fit the road model too and to measure trips without a distance. */
  constructor(timeZone: string, minKm = DEFAULT_MIN_KM, maxKm = DEFAULT_MAX_KM, routes?: TripRouter) {
    this.#localHour = new LocalHour(timeZone)
    this.#minKm = minKm
    this.#maxKm = maxKm
    this.#routes = routes
  }

  add(trip: Trip): void {
    this.#seen++
    const km = trip.tripDistanceKm
    if (trip.dropoffTime === undefined || (km === undefined && this.#routes === undefined)) return void this.#skipped.no_dropoff_time_or_distance++
    const gcKm = distanceMeters(trip.pickup.lat, trip.pickup.lng, trip.dropoff.lat, trip.dropoff.lng) / 1000
    const hours = (trip.dropoffTime - trip.requestTime) / 3_600_000
    if (gcKm < this.#minKm) return void this.#skipped.too_short++
    if (gcKm > this.#maxKm) return void this.#skipped.too_long++
    if (hours * 3600 < MIN_DURATION_S) return void this.#skipped.too_quick++
    if (km !== undefined && !(km / gcKm >= 1 && km / gcKm <= MAX_ROAD_FACTOR)) return void this.#skipped.road_factor_out_of_range++
    if ((km ?? gcKm) / hours > MAX_SPEED_KMH) return void this.#skipped.too_fast++
    let freeFlow = Number.NaN
    if (this.#routes !== undefined) {
      freeFlow = this.#routes.freeFlowSeconds(trip.pickup, trip.dropoff) / 3600
      if (Number.isNaN(freeFlow)) return void this.#skipped.off_roads++
      const ratio = hours / freeFlow
      if (!(ratio >= MIN_SPEED_FACTOR && ratio <= MAX_SPEED_FACTOR)) return void this.#skipped.free_flow_ratio_out_of_range++
    }
    const hour = this.#localHour.hourOf(trip.requestTime)
    if (km !== undefined) {
      this.#recordKm += km
      this.#withRecordKm++
    }
    this.#gcKm += gcKm
    this.#gcKmByHour[hour]! += gcKm
    this.#hoursByHour[hour]! += hours
    this.#freeFlowByHour[hour]! += freeFlow
    this.#countByHour[hour]!++
    if (STRIDE * (this.#used + 1) > this.#kept.length) {
      const grown = new Float64Array(this.#kept.length * 2)
      grown.set(this.#kept)
      this.#kept = grown
    }
    this.#kept.set([gcKm, hour, hours, freeFlow, km ?? Number.NaN, trip.pickup.lat, trip.pickup.lng, trip.dropoff.lat, trip.dropoff.lng], STRIDE * this.#used++)
  }

  get tripsUsed(): number {
    return this.#used
  }

  /** Trips seen and why each unused one was skipped, so far: what a failed fit reports. */
  get tally(): { readonly seen: number; readonly skipped: Readonly<Record<SkipReason, number>> } {
    return { seen: this.#seen, skipped: { ...this.#skipped } }
  }

  /** How many routes `result` will measure for the road factor (0 when the records have distances). */
  get routesToMeasure(): number {
    return this.#withRecordKm === this.#used ? 0 : Math.min(ROAD_KM_SAMPLE, this.#used)
  }

  /**
   * The fit; undefined when no trip was usable. `previous`: the great-circle model it replaces,
   * `previousFactors` the road profile, for comparison.
   */
  result(previous: EtaParameters, previousFactors?: ReadonlyArray<number>): EtaFit | undefined {
    if (this.#used === 0) return undefined
    const { tripKm, gcKm, routesMeasured } = this.#roadKm()
    const roadFactor = Math.min(MAX_ROAD_FACTOR, Math.max(1, tripKm / gcKm))
    const sparseHours = Array.from({ length: 24 }, (_, h) => h).filter((h) => this.#countByHour[h]! < MIN_TRIPS_PER_HOUR)
    const byHour = (ratio: (h: number) => number, all: number, min: number, max: number, digits: number) =>
      Array.from({ length: 24 }, (_, h) => round(Math.min(max, Math.max(min, sparseHours.includes(h) ? all : ratio(h))), digits))
    const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0)
    const allHours = sum(this.#hoursByHour)
    const speedKmhByHour = byHour((h) => (roadFactor * this.#gcKmByHour[h]!) / this.#hoursByHour[h]!, (roadFactor * this.#gcKm) / allHours, 0, MAX_SPEED_KMH, 1)
    const parameters: EtaParameters = { roadFactor: round(roadFactor, 3), speedKmhByHour }
    let road: RoadFit | undefined
    if (this.#routes !== undefined) {
      const factorByHour = byHour((h) => this.#hoursByHour[h]! / this.#freeFlowByHour[h]!, allHours / sum(this.#freeFlowByHour), MIN_SPEED_FACTOR, MAX_SPEED_FACTOR, 2)
      road = {
        factorByHour,
        error: this.#error((i, hour) => this.#kept[i + 3]! * factorByHour[hour]!),
        previousError: this.#error((i, hour) => this.#kept[i + 3]! * (previousFactors?.[hour] ?? 1))
      }
    }
    const gcPredicted = (p: EtaParameters) => (i: number, hour: number) => (this.#kept[i]! * p.roadFactor) / p.speedKmhByHour[hour]!
    return {
      parameters,
      roadKmFrom: routesMeasured === 0 ? "records" : "routes",
      routesMeasured,
      tripsSeen: this.#seen,
      tripsUsed: this.#used,
      skipped: { ...this.#skipped },
      tripsByHour: Array.from(this.#countByHour),
      sparseHours,
      error: this.#error(gcPredicted(parameters)),
      previousError: this.#error(gcPredicted(previous)),
      road
    }
  }

  /** Σ trip km and Σ great-circle km for the road factor: every record's, else a sample of routes'. */
  #roadKm(): { tripKm: number; gcKm: number; routesMeasured: number } {
    const sample = this.routesToMeasure
    if (sample === 0 || this.#routes === undefined) return { tripKm: this.#recordKm, gcKm: this.#gcKm, routesMeasured: 0 }
    let tripKm = 0, gcKm = 0
    for (let k = 0; k < sample; k++) {
      const i = STRIDE * Math.floor((k * this.#used) / sample), kept = this.#kept
      const meters = this.#routes.routeMeters({ lat: kept[i + 5]!, lng: kept[i + 6]! }, { lat: kept[i + 7]!, lng: kept[i + 8]! })
      tripKm += meters / 1000
      gcKm += kept[i]!
    }
    return { tripKm, gcKm, routesMeasured: sample }
  }

  /** The error of `predicted(offset, hour)` hours over the trips used. */
  #error(predicted: (offset: number, hour: number) => number): FitError {
    const ape = new Float64Array(this.#used)
    let predictedSum = 0, actualSum = 0, apeSum = 0
    for (let i = 0; i < this.#used; i++) {
      const o = STRIDE * i, hour = this.#kept[o + 1]!, actual = this.#kept[o + 2]!
      const p = predicted(o, hour)
      predictedSum += p
      actualSum += actual
      ape[i] = Math.abs(p - actual) / actual
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
