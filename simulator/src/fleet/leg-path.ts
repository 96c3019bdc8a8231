/**
 * How a driver gets from one place to another: one interface, two implementations. In a market
 * without roads (or between points off its roads) a leg runs along the great circle at constant
 * speed, its time the ETA model's and its road length great circle × road factor (below); in a
 * market with roads it runs along the street route the road model timed (motion.ts).
 */
import { distanceMeters, type Eta, type LatLng } from "#engine"
import { intermediatePoint } from "./great-circle-path.ts"

/** One leg, planned when it starts. */
export interface LegPath {
  /** Where the leg ends (its target, or as far as it was allowed to go). */
  readonly endLat: number
  readonly endLng: number
  /** How long it takes, ms. */
  readonly durationMs: number
  /** Road metres of the whole leg. */
  readonly meters: number
  /** Where the driver is a fraction `f` (0..1) of the leg's time along it. */
  pointAt(f: number): LatLng
  /** Road metres driven by then. */
  metersAt(f: number): number
}

/** What a trip's record says of its ride, when it says it: taken as is. */
export interface RecordedRide {
  readonly durationMs: number | undefined
  readonly meters: number | undefined
}

export interface LegPlanner {
  /**
   * The leg of driver number `driver` (a planner may reuse a buffer per driver: the driver's
   * previous leg is over once its next is planned) from `from` toward `to`, leaving at `at`: the
   * whole way, or only `maxMeters` of road when the way is longer. `record`: a ride's own
   * duration and length, which replace the model's.
   */
  plan(driver: number, from: LatLng, to: LatLng, at: number, maxMeters: number, record?: RecordedRide): LegPath
}

export class GreatCirclePath implements LegPath {
  readonly fromLat: number
  readonly fromLng: number
  readonly endLat: number
  readonly endLng: number
  readonly durationMs: number
  readonly meters: number

  constructor(from: LatLng, endLat: number, endLng: number, durationMs: number, meters: number) {
    this.fromLat = from.lat
    this.fromLng = from.lng
    this.endLat = endLat
    this.endLng = endLng
    this.durationMs = durationMs
    this.meters = meters
  }

  pointAt(f: number): LatLng {
    return intermediatePoint(this.fromLat, this.fromLng, this.endLat, this.endLng, f)
  }

  metersAt(f: number): number {
    return this.meters * (f < 0 ? 0 : f > 1 ? 1 : f)
  }
}

/**
 * Great-circle legs: the time is the ETA model's from the start to the end, the road length
 * great circle × `roadFactor`; a leg longer than `maxMeters` of great circle stops that far along.
 */
export class GreatCircleLegs implements LegPlanner {
  readonly #eta: Eta
  readonly #roadFactor: number

  constructor(eta: Eta, roadFactor: number) {
    this.#eta = eta
    this.#roadFactor = roadFactor
  }

  plan(_driver: number, from: LatLng, to: LatLng, at: number, maxMeters: number, record?: RecordedRide): LegPath {
    const d = distanceMeters(from.lat, from.lng, to.lat, to.lng)
    const end = d <= maxMeters ? to : intermediatePoint(from.lat, from.lng, to.lat, to.lng, maxMeters / d)
    const meters = end === to ? d : distanceMeters(from.lat, from.lng, end.lat, end.lng)
    const durationMs = record?.durationMs ?? Math.round(this.#eta.eta(from, end, at) * 1000)
    return new GreatCirclePath(from, end.lat, end.lng, durationMs, record?.meters ?? meters * this.#roadFactor)
  }
}
