/**
 * What the policies take and give: an order to match and a decision about it.
 *
 * Plain data, not the wire schemas: the pipeline adapts `order.requested` into `OrderRequest`
 * and a `Decision` into `order.matched` / `order.unmatched`. Times are epoch milliseconds and
 * are always passed in; nothing here reads a clock.
 */
import type { LatLng } from "../domain/geo.ts"
import type { UnmatchedReason } from "../domain/messages.ts"

export type { UnmatchedReason }

export interface OrderRequest {
  readonly orderId: string
  readonly pickup: LatLng
  readonly requestedAt: number
  /** The order may wait this long for a driver; then it expires. */
  readonly maxWaitMs: number
}

export interface Matched {
  readonly _tag: "Matched"
  readonly orderId: string
  readonly driverId: string
  /** Pickup ETA from the driver's position at decision time. */
  readonly etaSeconds: number
  /** Great-circle distance from the driver to the pickup. */
  readonly distanceMeters: number
  /** The name of the policy that took it (policy.ts). */
  readonly policy: string
  readonly decidedAt: number
}

export interface Unmatched {
  readonly _tag: "Unmatched"
  readonly orderId: string
  readonly reason: UnmatchedReason
  readonly decidedAt: number
}

export type Decision = Matched | Unmatched

/** Last instant at which the order may still be matched. */
export const orderDeadline = (order: OrderRequest): number => order.requestedAt + order.maxWaitMs

/** An order is open up to and including its deadline, expired after it. */
export const isExpired = (order: OrderRequest, now: number): boolean => now > orderDeadline(order)

export const unmatched = (orderId: string, reason: UnmatchedReason, decidedAt: number): Unmatched => ({
  _tag: "Unmatched",
  orderId,
  reason,
  decidedAt
})
