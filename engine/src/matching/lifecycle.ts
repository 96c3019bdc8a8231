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
import { UNMATCHED_REASONS } from "../domain/messages.ts"
import { type Decision, type OrderRequest, unmatched, type Unmatched, type UnmatchedReason } from "./types.ts"

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

/**
 * What a decision is, in one byte: why not (the first codes, one per unmatched reason), or a
 * match by which policy (the codes after them, given to policy names as they are first seen,
 * so a policy added to the registry is remembered under its own name).
 */
const REASON_CODE: Readonly<Record<UnmatchedReason, number>> = Object.fromEntries(UNMATCHED_REASONS.map((r, i) => [r, i])) as Record<UnmatchedReason, number>
const MAX_POLICIES = 256 - UNMATCHED_REASONS.length

/**
 * Decisions remembered to answer repeats, in columns: a FIFO of slots in the order they were
 * recorded, and a map from order id to slot. A decision costs its map entry, one byte, three
 * doubles and two references (its order id, shared with the map key, and its driver id, shared
 * with the driver index), against two objects and up to three boxed numbers per decision before
 * (~266 B per order with its id, measured in the engine; docs/performance.md). `forget` drops
 * from the oldest end, so it costs what it drops, not what is kept.
 */
class DecisionMemory {
  readonly #slotOf = new Map<string, number>()
  #orderIds: Array<string | undefined> = []
  #driverIds: Array<string | undefined> = []
  #kind = new Uint8Array(0)
  #decidedAt = new Float64Array(0)
  #eta = new Float64Array(0)
  #distance = new Float64Array(0)
  #head = 0
  #tail = 0
  /** Policy names by code − UNMATCHED_REASONS.length, and back. */
  readonly #policies: Array<string> = []
  readonly #policyCode = new Map<string, number>()

  get size(): number {
    return this.#slotOf.size
  }

  has(orderId: string): boolean {
    return this.#slotOf.has(orderId)
  }

  get(orderId: string): Decision | undefined {
    const slot = this.#slotOf.get(orderId)
    if (slot === undefined) return undefined
    const code = this.#kind[slot]!
    const decidedAt = this.#decidedAt[slot]!
    if (code < UNMATCHED_REASONS.length) return unmatched(orderId, UNMATCHED_REASONS[code]!, decidedAt)
    return {
      _tag: "Matched",
      orderId,
      driverId: this.#driverIds[slot]!,
      etaSeconds: this.#eta[slot]!,
      distanceMeters: this.#distance[slot]!,
      policy: this.#policies[code - UNMATCHED_REASONS.length]!,
      decidedAt
    }
  }

  add(decision: Decision): void {
    if (this.#tail === this.#kind.length) this.#makeRoom()
    const slot = this.#tail++
    this.#slotOf.set(decision.orderId, slot)
    this.#orderIds[slot] = decision.orderId
    this.#decidedAt[slot] = decision.decidedAt
    if (decision._tag === "Matched") {
      this.#kind[slot] = this.#codeOf(decision.policy)
      this.#driverIds[slot] = decision.driverId
      this.#eta[slot] = decision.etaSeconds
      this.#distance[slot] = decision.distanceMeters
    } else {
      this.#kind[slot] = REASON_CODE[decision.reason]
      this.#driverIds[slot] = undefined
    }
  }

  /**
   * Drops, oldest recorded first, the decisions taken before `before`; stops at the first one
   * taken at or after it. Decisions are recorded in time order (the matcher's clock, and the
   * replay of RESULTS in stream order), so this is every decision older than `before`; one
   * recorded out of order waits for those recorded before it (kept longer, never shorter).
   */
  dropBefore(before: number): number {
    let dropped = 0
    while (this.#head < this.#tail && this.#decidedAt[this.#head]! < before) {
      this.#slotOf.delete(this.#orderIds[this.#head]!)
      this.#orderIds[this.#head] = undefined
      this.#driverIds[this.#head] = undefined
      this.#head++
      dropped++
    }
    if (this.#head === this.#tail) this.#head = this.#tail = 0
    return dropped
  }

  #codeOf(policy: string): number {
    let code = this.#policyCode.get(policy)
    if (code === undefined) {
      if (this.#policies.length === MAX_POLICIES) throw new Error(`more than ${MAX_POLICIES} policy names in one decision memory`)
      code = UNMATCHED_REASONS.length + this.#policies.length
      this.#policies.push(policy)
      this.#policyCode.set(policy, code)
    }
    return code
  }

  /** Full at the end: move the live slots to the front, into arrays twice as large if over half full. */
  #makeRoom(): void {
    const live = this.#tail - this.#head
    const capacity = Math.max(1024, live * 2 > this.#kind.length ? this.#kind.length * 2 : this.#kind.length)
    const move = <A extends Float64Array | Uint8Array>(from: A, to: A): A => {
      to.set(from.subarray(this.#head, this.#tail))
      return to
    }
    this.#kind = move(this.#kind, new Uint8Array(capacity))
    this.#decidedAt = move(this.#decidedAt, new Float64Array(capacity))
    this.#eta = move(this.#eta, new Float64Array(capacity))
    this.#distance = move(this.#distance, new Float64Array(capacity))
    this.#orderIds = this.#orderIds.slice(this.#head, this.#tail)
    this.#driverIds = this.#driverIds.slice(this.#head, this.#tail)
    this.#orderIds.forEach((orderId, slot) => this.#slotOf.set(orderId!, slot))
    this.#head = 0
    this.#tail = live
  }
}

export class OrderLifecycle {
  readonly #open = new Map<string, OrderRequest>()
  readonly #decided = new DecisionMemory()

  /** Orders tracked (open or decided and not yet forgotten). */
  get size(): number {
    return this.#open.size + this.#decided.size
  }

  get openCount(): number {
    return this.#open.size
  }

  get(orderId: string): OrderState | undefined {
    const order = this.#open.get(orderId)
    if (order !== undefined) return { _tag: "Open", order }
    const decision = this.#decided.get(orderId)
    return decision === undefined ? undefined : { _tag: "Decided", decision }
  }

  isOpen(orderId: string): boolean {
    return this.#open.has(orderId)
  }

  /** Decided and still remembered (no decision is rebuilt: cheap). */
  isDecided(orderId: string): boolean {
    return this.#decided.has(orderId)
  }

  request(order: OrderRequest): RequestOutcome {
    if (this.#open.has(order.orderId)) return { _tag: "Pending" }
    const decision = this.#decided.get(order.orderId)
    if (decision !== undefined) return { _tag: "AlreadyDecided", decision }
    this.#open.set(order.orderId, order)
    return { _tag: "Accepted" }
  }

  decide(decision: Decision): DecideOutcome {
    if (!this.#open.delete(decision.orderId)) {
      const standing = this.#decided.get(decision.orderId)
      return standing === undefined ? { _tag: "Unknown" } : { _tag: "AlreadyDecided", decision: standing }
    }
    this.#decided.add(decision)
    return { _tag: "Recorded", decision }
  }

  cancel(orderId: string, at: number): CancelOutcome {
    if (!this.#open.delete(orderId)) {
      const standing = this.#decided.get(orderId)
      if (standing !== undefined) return { _tag: "AlreadyDecided", decision: standing }
    }
    const decision = unmatched(orderId, "cancelled", at)
    this.#decided.add(decision)
    return { _tag: "Cancelled", decision }
  }

  /**
   * Drops decisions taken before `before` (epoch ms), oldest recorded first; open orders are
   * kept. Returns how many.
   */
  forget(before: number): number {
    return this.#decided.dropBefore(before)
  }
}
