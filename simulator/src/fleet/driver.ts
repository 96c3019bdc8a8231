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
 * along its `LegPath` (leg-path.ts: the great circle, or the streets); a stationary driver has
 * no path and a leg of zero length.
 */
import type { DriverStatus, LatLng } from "#engine"
import type { LegPath } from "./leg-path.ts"

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
  /** How the current leg runs; undefined when stationary. */
  path: LegPath | undefined = undefined
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

  /** Share of the current leg's time gone by at `at`, 0..1. */
  legShareAt(at: number): number {
    const span = this.arriveAt - this.departAt
    return span <= 0 || at >= this.arriveAt ? 1 : at <= this.departAt ? 0 : (at - this.departAt) / span
  }

  /** True position at `at` (along the current leg). */
  positionAt(at: number): LatLng {
    if (at >= this.arriveAt || this.path === undefined) return { lat: this.toLat, lng: this.toLng }
    if (at <= this.departAt) return { lat: this.fromLat, lng: this.fromLng }
    return this.path.pointAt(this.legShareAt(at))
  }

  /** Road metres of the current leg driven by `at`. */
  metersAt(at: number): number {
    return this.path === undefined ? 0 : this.path.metersAt(this.legShareAt(at))
  }

  /** Starts a leg at `at` from `from` (where the driver is then) along `path`. */
  startLeg(kind: LegKind, at: number, from: LatLng, path: LegPath): void {
    this.fromLat = from.lat
    this.fromLng = from.lng
    this.toLat = path.endLat
    this.toLng = path.endLng
    this.departAt = at
    this.arriveAt = at + path.durationMs
    this.legKind = kind
    this.path = path
  }

  /** Stops where the driver is at `at`: a stationary leg. */
  stopAt(at: number): void {
    const here = this.positionAt(at)
    this.fromLat = this.toLat = here.lat
    this.fromLng = this.toLng = here.lng
    this.departAt = this.arriveAt = at
    this.legKind = undefined
    this.path = undefined
  }
}
