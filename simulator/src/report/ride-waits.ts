/**
 * How long riders wait, from the final match of each trip (declined matches do not count):
 *
 * - match wait: request -> the match that stood (`decidedAt − requestedAt`);
 * - pickup wait ("rider wait"): request -> the driver at the pickup;
 * - pickup ETA: the engine's own estimate at that match (`etaSeconds`);
 * - pickup distance: the road metres the driver drove to the pickup (its pickup leg: the street
 *   route in a market with roads, great circle × road factor without).
 *
 * Figures are taken when the rider is picked up, the first moment the match is known to stand;
 * per hour of request time as well, for the series.
 */
import type { SimEvent } from "../events/sim-events.ts"
import type { HourBuckets } from "./hour-buckets.ts"
import type { KpiFold } from "./kpi-fold.ts"
import { Sample, type Summary } from "./summary-stats.ts"

/** Width of a wait histogram bin, seconds, and bins (the last holds everything longer). */
export const WAIT_BIN_SECONDS = 30
export const WAIT_BINS = 41

export interface WaitKpis {
  readonly matchWaitSeconds: Summary
  readonly pickupWaitSeconds: Summary
  readonly pickupEtaSeconds: Summary
  readonly pickupDistanceMeters: Summary
  readonly waitHistogram: {
    readonly binSeconds: number
    /** Riders per bin [k × bin, (k+1) × bin); the last bin is open-ended. */
    readonly matchWait: ReadonlyArray<number>
    readonly pickupWait: ReadonlyArray<number>
  }
}

export class RideWaits implements KpiFold {
  readonly matchWaitSumByHour: Float64Array
  readonly pickupWaitSumByHour: Float64Array
  readonly servedByHour: Float64Array
  readonly #hours: HourBuckets
  readonly #matchWait = new Sample()
  readonly #pickupWait = new Sample()
  readonly #eta = new Sample()
  readonly #distance = new Sample()
  /** Standing matches: order id -> decision figures. */
  readonly #matches = new Map<string, { readonly decidedAt: number; readonly eta: number }>()
  /** Road metres of each driver's last pickup leg, reported just before its rider's pickup. */
  readonly #pickupMeters = new Map<string, number>()

  constructor(hours: HourBuckets) {
    this.#hours = hours
    this.matchWaitSumByHour = new Float64Array(hours.count)
    this.pickupWaitSumByHour = new Float64Array(hours.count)
    this.servedByHour = new Float64Array(hours.count)
  }

  on(event: SimEvent): void {
    if (event.type === "decision") {
      const d = event.decision
      if (d.type === "order.matched") this.#matches.set(d.orderId, { decidedAt: d.decidedAt, eta: d.etaSeconds })
    } else if (event.type === "leg") {
      if (event.kind === "pickup") this.#pickupMeters.set(event.driverId, event.roadMeters)
    } else if (event.type === "declined" || event.type === "foreignMatch") {
      this.#matches.delete(event.orderId)
    } else if (event.type === "pickedUp") {
      const match = this.#matches.get(event.orderId)
      if (match === undefined) return
      this.#matches.delete(event.orderId)
      const matchWait = (match.decidedAt - event.requestedAt) / 1000
      const pickupWait = (event.at - event.requestedAt) / 1000
      this.#matchWait.add(matchWait)
      this.#pickupWait.add(pickupWait)
      this.#eta.add(match.eta)
      this.#distance.add(this.#pickupMeters.get(event.driverId) ?? 0)
      this.#pickupMeters.delete(event.driverId)
      const hour = this.#hours.of(event.requestedAt)
      this.matchWaitSumByHour[hour]! += matchWait
      this.pickupWaitSumByHour[hour]! += pickupWait
      this.servedByHour[hour]!++
    }
  }

  result(): WaitKpis {
    return {
      matchWaitSeconds: this.#matchWait.summary(1),
      pickupWaitSeconds: this.#pickupWait.summary(1),
      pickupEtaSeconds: this.#eta.summary(1),
      pickupDistanceMeters: this.#distance.summary(0),
      waitHistogram: {
        binSeconds: WAIT_BIN_SECONDS,
        matchWait: this.#matchWait.histogram(WAIT_BIN_SECONDS, WAIT_BINS),
        pickupWait: this.#pickupWait.histogram(WAIT_BIN_SECONDS, WAIT_BINS)
      }
    }
  }
}
