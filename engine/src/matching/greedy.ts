/**
 * The greedy policy: an order, at arrival, takes the available driver with the best pickup ETA
 * within the pickup radius (ties by driver id), and that driver becomes busy at once so the next
 * order cannot take it. No driver in range is `no_supply`; an order already past its deadline is
 * `expired`. Pure over its inputs: the index is the only state it touches, time is passed in.
 */
import type { DriverIndex } from "../index/driver-index.ts"
import type { Eta } from "../eta/eta.ts"
import { bestEtaCandidates } from "./candidates.ts"
import type { PerOrderPolicy } from "./policy.ts"
import { type Decision, isExpired, type OrderRequest, unmatched } from "./types.ts"

export interface GreedyParams {
  /** The market's `maxPickupRadiusMeters`. */
  readonly maxRadiusMeters: number
}

export const greedy = (order: OrderRequest, index: DriverIndex, model: Eta, now: number, params: GreedyParams): Decision => {
  if (isExpired(order, now)) return unmatched(order.orderId, "expired", now)
  const [best] = bestEtaCandidates(order.pickup, index, model, now, 1, params.maxRadiusMeters)
  if (best === undefined) return unmatched(order.orderId, "no_supply", now)
  index.setStatus(best.driverId, "busy")
  return {
    _tag: "Matched",
    orderId: order.orderId,
    driverId: best.driverId,
    etaSeconds: best.etaSeconds,
    distanceMeters: best.distanceMeters,
    policy: "greedy",
    decidedAt: now
  }
}

export const greedyPolicy = {
  kind: "per-order",
  name: "greedy",
  description: "each order at arrival takes the available driver with the best pickup ETA in range; none in range is no_supply",
  settings: [],
  decide: greedy
} as const satisfies PerOrderPolicy
