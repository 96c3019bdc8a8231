/**
 * The order lifecycle: a small state machine that guarantees each order exactly one terminal
 * outcome, whatever the order of arrival of requests, redeliveries, cancellations and
 * decisions (delivery is at least once).
 *
 *   (unknown) --request--> open --decide(matched)----------> decided: matched
 *                          open --decide(unmatched reason)--> decided: unmatched(expired | no_supply | overloaded)
 *                          open --cancel--------------------> decided: unmatched(cancelled)
 *   (unknown) --cancel---------------------------------------> decided: unmatched(cancelled)
 *
 * Decided is terminal: a repeated request returns the existing decision (to be re-published
 * under the same message id), a later decision is refused and reported with the one that stands
 * (if it was a match, the caller gives its driver back), a later cancellation is a no-op
 * reported as such. A cancellation that arrives before its request wins, so a late request
 * cannot be matched. Time is passed in; `forget` bounds memory by dropping decisions older than
 * the deduplication horizon.
 */
import { type Decision, type OrderRequest, unmatched, type Unmatched } from "./types.ts"

export type OrderState =
  | { readonly _tag: "Open"; readonly order: OrderRequest }
  | { readonly _tag: "Decided"; readonly decision: Decision }

export type RequestOutcome =
  /** New order: match it. */
  | { readonly _tag: "Accepted" }
  /** Repeated request of an order still open: nothing to do. */
  | { readonly _tag: "Pending" }
  /** Repeated request of a decided order: re-publish this decision, nothing else. */
  | { readonly _tag: "AlreadyDecided"; readonly decision: Decision }

export type DecideOutcome =
  /** The decision stands: publish it. */
  | { readonly _tag: "Recorded"; readonly decision: Decision }
  /** Another decision came first and stands; a refused match must release its driver. */
  | { readonly _tag: "AlreadyDecided"; readonly decision: Decision }
  /** No such order (never requested, or forgotten). */
  | { readonly _tag: "Unknown" }

export type CancelOutcome =
  /** Cancelled before any decision: publish this `unmatched: cancelled`. */
  | { readonly _tag: "Cancelled"; readonly decision: Unmatched }
  /** Too late: the order was already decided; nothing changes. */
  | { readonly _tag: "AlreadyDecided"; readonly decision: Decision }

export class OrderLifecycle {
  readonly #orders = new Map<string, OrderState>()
  #open = 0

  /** Orders tracked (open or decided and not yet forgotten). */
  get size(): number {
    return this.#orders.size
  }

  get openCount(): number {
    return this.#open
  }

  get(orderId: string): OrderState | undefined {
    return this.#orders.get(orderId)
  }

  isOpen(orderId: string): boolean {
    return this.#orders.get(orderId)?._tag === "Open"
  }

  request(order: OrderRequest): RequestOutcome {
    const state = this.#orders.get(order.orderId)
    if (state?._tag === "Decided") return { _tag: "AlreadyDecided", decision: state.decision }
    if (state?._tag === "Open") return { _tag: "Pending" }
    this.#orders.set(order.orderId, { _tag: "Open", order })
    this.#open++
    return { _tag: "Accepted" }
  }

  decide(decision: Decision): DecideOutcome {
    const state = this.#orders.get(decision.orderId)
    if (state === undefined) return { _tag: "Unknown" }
    if (state._tag === "Decided") return { _tag: "AlreadyDecided", decision: state.decision }
    this.#close(decision)
    return { _tag: "Recorded", decision }
  }

  cancel(orderId: string, at: number): CancelOutcome {
    const state = this.#orders.get(orderId)
    if (state?._tag === "Decided") return { _tag: "AlreadyDecided", decision: state.decision }
    const decision = unmatched(orderId, "cancelled", at)
    if (state === undefined) this.#orders.set(orderId, { _tag: "Decided", decision })
    else this.#close(decision)
    return { _tag: "Cancelled", decision }
  }

  /** Drops decisions taken before `before` (epoch ms); open orders are kept. Returns how many. */
  forget(before: number): number {
    let dropped = 0
    for (const [orderId, state] of this.#orders) {
      if (state._tag === "Decided" && state.decision.decidedAt < before) {
        this.#orders.delete(orderId)
        dropped++
      }
    }
    return dropped
  }

  #close(decision: Decision): void {
    this.#orders.set(decision.orderId, { _tag: "Decided", decision })
    this.#open--
  }
}
