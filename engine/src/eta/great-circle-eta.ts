/**
 * The default ETA model: great-circle distance × road factor ÷ road speed of the local hour.
 *
 * ETA = distanceMeters(from, to) × roadFactor ÷ speed(local hour of `at`), so for a given
 * departure time it is monotone in distance: the nearest drivers are the best-ETA drivers.
 * Defaults are measured on the shared SF cabspotting trips (`dispatch calibrate` fits the same
 * quantities; docs/matching.md, "ETA defaults", gives the figures and the literature).
 */
import { distanceMeters, type LatLng } from "../domain/geo.ts"
import type { EtaParameters, Market } from "../domain/market.ts"
import type { Eta } from "./eta.ts"
import { LocalHour } from "./local-hour.ts"

/**
 * Road distance over great-circle distance (dimensionless). SF trips: GPS polyline ÷ great
 * circle = 1.24 overall, 1.26 for 1–5 km trips, and polylines of once-a-minute fixes cut
 * corners, so road distance is higher; urban circuity in the literature is ~1.2–1.4 and larger
 * for short trips (Newell 1980; Giacomin & Levinson 2015).
 */
export const DEFAULT_ROAD_FACTOR = 1.3

/**
 * Effective road speed (km/h) by local hour 0..23, such that great circle × 1.3 ÷ speed gives
 * the observed durations of SF trips whose great-circle length is 1–5 km (pickup-leg lengths):
 * speed_h = 1.3 × Σ great-circle km ÷ Σ hours, 297,248 trips, hour in PDT.
 * Slowest at 17h (17.6), fastest at 5h (27.1); the day-long mean is about 21 km/h.
 */
export const DEFAULT_SPEED_KMH_BY_HOUR: ReadonlyArray<number> = [
  24.4, 24.3, 24.4, 25.6, 26.8, 27.1, 25.7, 22.1, 19.2, 19.8, 20.0, 19.4,
  18.9, 18.7, 18.6, 18.7, 18.6, 17.6, 18.7, 20.6, 21.6, 21.8, 22.3, 23.1
]

export const DEFAULT_ETA_PARAMETERS: EtaParameters = {
  roadFactor: DEFAULT_ROAD_FACTOR,
  speedKmhByHour: DEFAULT_SPEED_KMH_BY_HOUR
}

export class GreatCircleEta implements Eta {
  readonly parameters: EtaParameters
  readonly #localHour: LocalHour
  /** roadFactor ÷ speed in m/s, per local hour: one multiplication per ETA. */
  readonly #secondsPerMeter: Float64Array

  constructor(parameters: EtaParameters, timeZone: string) {
    this.parameters = parameters
    this.#localHour = new LocalHour(timeZone)
    this.#secondsPerMeter = Float64Array.from(parameters.speedKmhByHour, (kmh) => parameters.roadFactor / (kmh / 3.6))
  }

  /** The market's own parameters when it has them, else the defaults, in its time zone. */
  static forMarket(market: Market): GreatCircleEta {
    return new GreatCircleEta(market.eta ?? DEFAULT_ETA_PARAMETERS, market.timeZone)
  }

  eta(from: LatLng, to: LatLng, atMs: number): number {
    return this.minEta(distanceMeters(from.lat, from.lng, to.lat, to.lng), atMs)
  }

  /** Exact for this model: the ETA of any pair of points that far apart. */
  minEta(distanceMeters: number, atMs: number): number {
    return distanceMeters * this.#secondsPerMeter[this.#localHour.hourOf(atMs)]!
  }
}
