/**
 * What a simulation reports as it runs: the events every KPI is folded from (report/), and
 * that tests check invariants on. The runner emits them in simulation-time order; within one
 * millisecond in the order the runner processed them.
 *
 * Orders: a trip (a rider's request) is requested once; each attempt of it (a new order id
 * after a driver declines) gets exactly one `decision`. An `unmatched` decision is final; a
 * `matched` one is final unless a `declined` or a `foreignMatch` follows for the same order id.
 */
import type { Decision, LatLng } from "#engine"
import type { FleetState, LegKind } from "../fleet/driver.ts"

export interface TripRequested {
  readonly type: "requested"
  readonly at: number
  readonly orderId: string
  readonly pickup: LatLng
  /** Patience drawn for the rider, ms. */
  readonly patienceMs: number
}

export interface OrderDecided {
  readonly type: "decision"
  readonly decision: Decision
  /** The trip's original request time (retries keep it). */
  readonly requestedAt: number
  /** 1 for the first order of a trip, 2 after one decline, ... */
  readonly attempt: number
  readonly pickup: LatLng
}

export interface OfferDeclined {
  readonly type: "declined"
  readonly at: number
  readonly orderId: string
  readonly driverId: string
}

/** The engine matched a driver the run does not own; the simulation declined it at once (simulation.ts). */
export interface ForeignDriverMatched {
  readonly type: "foreignMatch"
  readonly at: number
  readonly orderId: string
  readonly driverId: string
}

export interface RiderPickedUp {
  readonly type: "pickedUp"
  readonly at: number
  readonly orderId: string
  readonly driverId: string
  readonly requestedAt: number
  readonly pickup: LatLng
}

export interface RiderDroppedOff {
  readonly type: "droppedOff"
  readonly at: number
  readonly orderId: string
  readonly driverId: string
}

/** A driver moved from one fleet state to another (never to the same state). */
export interface DriverStateChanged {
  readonly type: "driver"
  readonly at: number
  readonly driverId: string
  readonly from: FleetState
  readonly to: FleetState
}

/** A leg a driver drove, reported when it ends (completed, or cut short by a new plan). */
export interface LegDriven {
  readonly type: "leg"
  readonly driverId: string
  readonly kind: LegKind
  readonly from: LatLng
  readonly to: LatLng
  readonly departAt: number
  readonly arriveAt: number
  /** Road distance covered: the record's trip length, or great circle × road factor. */
  readonly roadMeters: number
}

export type SimEvent = TripRequested | OrderDecided | OfferDeclined | ForeignDriverMatched | RiderPickedUp | RiderDroppedOff | DriverStateChanged | LegDriven
