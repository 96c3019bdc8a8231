/**
 * One simulated driver: where it is, what it is doing, and what it has been asked to do.
 *
 * Fleet states (`FleetState`), each mapped to the wire status the engine sees:
 *
 *   offline ──shift start──> idle ──match, accepted──> to_pickup ──at pickup──> on_trip ──at dropoff──> idle
 *   idle ──idle too long──> repositioning ──arrived──> idle        (both `available`)
 *   idle | repositioning ──match, will decline──> offered ──order decided elsewhere──> idle
 *   idle | repositioning ──shift end──> offline; a busy driver logs off when its ride ends
 *
 * A driver is in exactly one state at any time; the runner changes it only through
 * `Simulation`'s transitions, which report every change as a `driver` event.
 *
 * Motion: a driver is on one leg at a time, from `from` at `departAt` to `to` at `arriveAt`,
 * along the great circle at constant speed; a stationary driver has a leg of zero length.
 */
import type { DriverStatus, LatLng } from "#engine"
import { intermediatePoint } from "./great-circle-path.ts"

export const FLEET_STATES = ["offline", "idle", "repositioning", "offered", "to_pickup", "on_trip"] as const
export type FleetState = (typeof FLEET_STATES)[number]

export const wireStatusOf = (state: FleetState): DriverStatus =>
  state === "offline" ? "offline" : state === "idle" || state === "repositioning" ? "available" : "busy"

export type LegKind = "pickup" | "trip" | "reposition"

export class SimDriver {
  readonly id: string
  /** Position in the fleet array. */
  readonly number: number
  state: FleetState = "offline"
  fromLat: number
  fromLng: number
  toLat: number
  toLng: number
  departAt: number
  arriveAt: number
  legKind: LegKind | undefined = undefined
  /** Road metres the current leg covers when completed. */
  legRoadMeters = 0
  /**
   * Bumped whenever the driver's plan changes: an event scheduled under an older epoch (an
   * arrival, a position publish, a reposition check) is stale and ignored.
   */
  epoch = 0
  /** The driver's shift ended while it was busy: it logs off when the ride ends. */
  logOffWhenFree = false

  constructor(id: string, number: number, position: LatLng, at: number) {
    this.id = id
    this.number = number
    this.fromLat = this.toLat = position.lat
    this.fromLng = this.toLng = position.lng
    this.departAt = this.arriveAt = at
  }

  /** True position at `at` (interpolated along the current leg). */
  positionAt(at: number): LatLng {
    if (at >= this.arriveAt) return { lat: this.toLat, lng: this.toLng }
    if (at <= this.departAt) return { lat: this.fromLat, lng: this.fromLng }
    return intermediatePoint(this.fromLat, this.fromLng, this.toLat, this.toLng, (at - this.departAt) / (this.arriveAt - this.departAt))
  }

  /** Starts a leg from wherever the driver is at `at`. */
  startLeg(kind: LegKind | undefined, at: number, to: LatLng, arriveAt: number, roadMeters: number): void {
    const from = this.positionAt(at)
    this.fromLat = from.lat
    this.fromLng = from.lng
    this.toLat = to.lat
    this.toLng = to.lng
    this.departAt = at
    this.arriveAt = arriveAt
    this.legKind = kind
    this.legRoadMeters = roadMeters
  }

  /** Stops where the driver is at `at`: a stationary leg. */
  stopAt(at: number): void {
    this.startLeg(undefined, at, this.positionAt(at), at, 0)
  }
}
