/**
 * The greedy policies: an order takes the available driver with the best pickup ETA within the
 * pickup radius (ties by driver id), and that driver becomes busy at once so the next order
 * cannot take it. No driver in range is `no_supply`; an order already past its deadline is
 * `expired`. Pure over its inputs: the index is the only state it touches, time is passed in.
 *
 * `greedy` is the industry's baseline (docs/matching.md, "Greedy"): an order no driver can take
 * waits and is offered again, first come first served, when supply changes, until its rider's
 * deadline. `greedy-once` answers `no_supply` at once and never retries: it shows how much of a
 * comparison comes from waiting rather than from batching.
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

const nearest = (policy: string) => (order: OrderRequest, index: DriverIndex, model: Eta, now: number, params: GreedyParams): Decision => {
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
    policy,
    decidedAt: now
  }
}

/** One order's greedy decision, as `greedy` takes it. */
export const greedy = nearest("greedy")

export const greedyPolicy = {
  kind: "per-order",
  name: "greedy",
  description: "each order takes the available driver with the best pickup ETA in range; one with none waits, offered again first come first served as drivers free up, until its deadline",
  settings: ["--batch-window-ms: its re-offer interval"],
  waits: true,
  decide: greedy
} as const satisfies PerOrderPolicy

export const greedyOncePolicy = {
  kind: "per-order",
  name: "greedy-once",
  description: "greedy decided once, at arrival: none in range is no_supply at once, never retried",
  settings: [],
  waits: false,
  decide: nearest("greedy-once")
} as const satisfies PerOrderPolicy
