/**
 * One market's dispatcher: the policies, the driver index, the order lifecycle and the driver
 * reservations together, as one synchronous state machine with time passed in. The live
 * engine drives it from JetStream (partition.ts) and the simulator drives it directly, so both
 * run exactly this code.
 *
 * Every call returns the decisions to publish, as wire messages. Each order gets exactly one
 * terminal decision (the lifecycle), a repeated order gets its first decision again (to be
 * re-published under the same message id), and a matched driver stays reserved, out of every
 * query, until its own state update, stamped at or after the decision, says otherwise.
 *
 * While the supply is stale (`setSupplyCurrent(false)`: the transport cannot vouch that the
 * index holds every driver update, e.g. across a NATS outage), nothing is decided from the
 * index: new orders wait (greedy ones in arrival order, batch ones in their window), orders
 * whose deadline passes meanwhile are answered `expired` (which needs no driver), and
 * cancellations and repeats are answered as always. When the supply is current again the
 * waiting orders are decided at once (docs/engine.md, "Stale driver feed").
 */
import type { Market } from "../domain/market.ts"
import { type Decision as WireDecision, type DriverState, type OrderCancelled, type OrderRequested, WIRE_VERSION } from "../domain/messages.ts"
import type { Eta } from "../eta/eta.ts"
import type { DriverIndex } from "../index/driver-index.ts"
import { H3DriverIndex } from "../index/h3-driver-index.ts"
import { DEFAULT_CANDIDATES_PER_ORDER } from "../matching/batch.ts"
import { OrderLifecycle } from "../matching/lifecycle.ts"
import { type PolicyName, policyNamed } from "../matching/policies.ts"
import type { PerOrderPolicy, Policy, PolicyParams } from "../matching/policy.ts"
import type { LatLng } from "../domain/geo.ts"
import { isExpired, orderDeadline, unmatched, type Decision, type OrderRequest } from "../matching/types.ts"
import { FreedDrivers } from "./freed-drivers.ts"

/** Default batch window (ms): long enough to gather a city's orders, short next to a pickup. */
export const DEFAULT_BATCH_WINDOW_MS = 2_000
/** Default cap on new orders per window (docs/performance.md: a 500-order window against 20k drivers solves in ~10 ms). */
export const DEFAULT_BATCH_MAX_ORDERS = 500
/**
 * Default cap on orders carried over to later windows, waiting for supply. Carried orders stay
 * unacked (nothing is lost if the engine dies), so they hold JetStream `max_ack_pending` slots:
 * the cap, with the window's, keeps slots free for new orders and cancellations (see
 * `fitHeldOrders`). An order that would overflow it is answered `unmatched: no_supply`.
 */
export const DEFAULT_BATCH_CARRY_OVER_MAX = 256

const isNoSupply = (decision: Decision): boolean => decision._tag === "Unmatched" && decision.reason === "no_supply"

export interface DispatchSettings {
  readonly policy: Policy
  /** A window policy's window (batch), and the re-offer interval of a per-order policy that waits (greedy). */
  readonly batchWindowMs: number
  /** A window closes early when this many new orders wait (carried-over ones do not count). */
  readonly batchMaxOrders: number
  /** Most orders carried over from one window to the next; beyond it, newest first, `no_supply`. */
  readonly batchCarryOverMax: number
  readonly candidatesPerOrder: number
  /** Overrides the market's `maxPickupRadiusMeters` when set. */
  readonly maxPickupRadiusMeters?: number | undefined
}

/** A registered policy by name, or any policy (one not registered: a test's). */
export const defaultDispatchSettings = (policy: PolicyName | Policy): DispatchSettings => ({
  policy: typeof policy === "string" ? policyNamed(policy) : policy,
  batchWindowMs: DEFAULT_BATCH_WINDOW_MS,
  batchMaxOrders: DEFAULT_BATCH_MAX_ORDERS,
  batchCarryOverMax: DEFAULT_BATCH_CARRY_OVER_MAX,
  candidatesPerOrder: DEFAULT_CANDIDATES_PER_ORDER
})

/** What happened to one batch window, for metrics. */
export interface WindowReport {
  readonly orders: number
  readonly solveMillis: number
}

export class Dispatcher {
  readonly market: Market
  readonly settings: DispatchSettings
  readonly index: DriverIndex
  readonly #eta: Eta
  readonly #params: PolicyParams
  readonly #lifecycle = new OrderLifecycle()
  /** driverId -> decidedAt of the match that reserved it. */
  readonly #reservedAt = new Map<string, number>()
  /** driverId -> `at` of its latest state update. */
  readonly #stateAt = new Map<string, number>()
  /** New open orders waiting for the next batch window, in arrival order. */
  #window: Array<OrderRequest> = []
  /**
   * Open orders no earlier window could match, oldest first; solved again with each window. For
   * a per-order policy that `waits`: the orders waiting for supply, oldest first.
   */
  #carried: Array<OrderRequest> = []
  /** Where drivers became available (or moved while available) since the waiting orders were last offered. */
  readonly #freed = new FreedDrivers()
  #windowMax: number
  #carryOverMax: number
  #windowClosesAt: number | undefined
  #lastWindow: WindowReport | undefined
  /** False while the driver index may miss updates: nothing is matched then. */
  #supplyCurrent = true
  /** Orders of a per-order policy that arrived while the supply was stale, in arrival order. */
  #awaitingSupply: Array<OrderRequest> = []

  constructor(market: Market, eta: Eta, settings: DispatchSettings, index: DriverIndex = H3DriverIndex.forMarket(market)) {
    this.market = market
    this.settings = settings
    this.index = index
    this.#eta = eta
    this.#params = { maxRadiusMeters: settings.maxPickupRadiusMeters ?? market.maxPickupRadiusMeters, candidatesPerOrder: settings.candidatesPerOrder }
    this.#windowMax = Math.max(1, settings.batchMaxOrders)
    this.#carryOverMax = Math.max(0, settings.batchCarryOverMax)
  }

  /**
   * Bounds the open orders the batch policy holds (the window's and the carried ones) to
   * `limit`, for a transport that can deliver no more than so many unsettled messages
   * (JetStream's `max_ack_pending`): the partition passes its capacity less a share kept free,
   * so that new orders and cancellations are still delivered while orders wait for supply.
   * The carry-over gets at most half, the window the rest (each within its own setting).
   */
  fitHeldOrders(limit: number): void {
    const bound = Math.max(1, Math.floor(limit))
    this.#carryOverMax = Math.min(Math.max(0, this.settings.batchCarryOverMax), Math.floor(bound / 2))
    this.#windowMax = Math.max(1, Math.min(this.settings.batchMaxOrders, bound - this.#carryOverMax))
  }

  /** Orders waiting in the batch window and in the carry-over. */
  get heldOrders(): { readonly window: number; readonly carried: number } {
    return { window: this.#window.length, carried: this.#carried.length }
  }

  /** Orders waiting for a decision. */
  get openOrders(): number {
    return this.#lifecycle.openCount
  }
  isOpen(orderId: string): boolean {
    return this.#lifecycle.isOpen(orderId)
  }
  /** Whether the order has a decision (taken here or restored from RESULTS) still remembered. */
  isDecided(orderId: string): boolean {
    return this.#lifecycle.isDecided(orderId)
  }
  get reservedDrivers(): number {
    return this.#reservedAt.size
  }
  get supplyCurrent(): boolean {
    return this.#supplyCurrent
  }
  /** Open orders held because the supply is stale (greedy's waiting list and the batch window). */
  get awaitingSupply(): number {
    return this.#supplyCurrent ? 0 : this.#awaitingSupply.length + this.#window.length + this.#carried.length
  }

  /**
   * Says whether the driver index holds every update. Going stale holds new decisions back;
   * coming back decides every order that waited (greedy in arrival order, the batch window at
   * once), returned as usual.
   */
  setSupplyCurrent(current: boolean, now: number): Array<WireDecision> {
    if (current === this.#supplyCurrent) return []
    this.#supplyCurrent = current
    if (!current) return []
    const waiting = this.#awaitingSupply
    this.#awaitingSupply = []
    const policy = this.settings.policy
    if (policy.kind === "window") return this.#window.length > 0 || this.#carried.length > 0 ? this.#solve(now) : []
    // The index may have changed anywhere while stale: every waiting order is offered again, before the newer ones.
    this.#freed.everywhere()
    return [...this.#reoffer(policy, now, true), ...this.#offer(policy, waiting, now)]
  }
  /** The window solved by the last `tick` or `request`, once; for metrics. */
  takeWindowReport(): WindowReport | undefined {
    const report = this.#lastWindow
    this.#lastWindow = undefined
    return report
  }

  request(message: OrderRequested, now: number): Array<WireDecision> {
    const order: OrderRequest = { orderId: message.orderId, pickup: message.pickup, requestedAt: message.requestedAt, maxWaitMs: message.maxWaitMs }
    const outcome = this.#lifecycle.request(order)
    if (outcome._tag === "AlreadyDecided") return [this.#wire(outcome.decision)]
    if (outcome._tag === "Pending") return []
    const policy = this.settings.policy
    if (policy.kind === "per-order") {
      if (!this.#supplyCurrent) {
        this.#awaitingSupply.push(order)
        return []
      }
      // First come, first served: a driver freed since the waiting orders' last offer is theirs first.
      return [...this.#reoffer(policy, now, false), ...this.#offer(policy, [order], now)]
    }
    this.#window.push(order)
    this.#windowClosesAt ??= now + this.settings.batchWindowMs
    return this.#supplyCurrent && this.#window.length >= this.#windowMax ? this.#solve(now) : []
  }

  /** The overload answer: decided at once as `unmatched: overloaded`, never queued. */
  shed(message: OrderRequested, now: number): Array<WireDecision> {
    const outcome = this.#lifecycle.request({ orderId: message.orderId, pickup: message.pickup, requestedAt: message.requestedAt, maxWaitMs: message.maxWaitMs })
    if (outcome._tag === "AlreadyDecided") return [this.#wire(outcome.decision)]
    if (outcome._tag === "Pending") return []
    return this.#record([{ _tag: "Unmatched", orderId: message.orderId, reason: "overloaded", decidedAt: now }])
  }

  cancel(message: OrderCancelled, now: number): Array<WireDecision> {
    const outcome = this.#lifecycle.cancel(message.orderId, now)
    if (outcome._tag === "AlreadyDecided") return []
    this.#window = this.#window.filter((o) => o.orderId !== message.orderId)
    this.#carried = this.#carried.filter((o) => o.orderId !== message.orderId)
    if (this.#awaitingSupply.length > 0) this.#awaitingSupply = this.#awaitingSupply.filter((o) => o.orderId !== message.orderId)
    return [this.#wire(outcome.decision)]
  }

  /**
   * Runs what is due at `now`: the batch window when it closes; while the supply is stale,
   * only the expiry of waiting orders.
   */
  tick(now: number): Array<WireDecision> {
    if (!this.#supplyCurrent) return this.#expireWaiting(now)
    if (this.#windowClosesAt === undefined || now < this.#windowClosesAt) return []
    const policy = this.settings.policy
    return policy.kind === "window" ? this.#solve(now) : this.#reoffer(policy, now, true)
  }

  /** When `tick` next has work (epoch ms), if ever. While stale: the first waiting order's deadline, just after it. */
  get nextDeadline(): number | undefined {
    if (this.#supplyCurrent) return this.#windowClosesAt
    let first: number | undefined
    for (const list of [this.#awaitingSupply, this.#window, this.#carried]) {
      for (const order of list) {
        const expiresAt = orderDeadline(order) + 1
        if (first === undefined || expiresAt < first) first = expiresAt
      }
    }
    return first
  }

  /** Answers `expired` to every waiting order past its deadline (no driver state needed). */
  #expireWaiting(now: number): Array<WireDecision> {
    const next = this.nextDeadline
    if (next === undefined || next > now) return []
    const expired: Array<Decision> = []
    const keep = (list: Array<OrderRequest>) =>
      list.filter((order) => {
        if (!isExpired(order, now)) return true
        expired.push(unmatched(order.orderId, "expired", now))
        return false
      })
    this.#awaitingSupply = keep(this.#awaitingSupply)
    this.#window = keep(this.#window)
    this.#carried = keep(this.#carried)
    if (this.#window.length === 0 && this.#carried.length === 0) this.#windowClosesAt = undefined
    return this.#record(expired)
  }

  /** Applies a driver's own update. A reservation older than the update ends with it. */
  driverState(state: DriverState): void {
    this.#stateAt.set(state.driverId, state.at)
    const reservedAt = this.#reservedAt.get(state.driverId)
    if (reservedAt !== undefined && state.at < reservedAt) {
      // Sent before the match reached the driver: take the position, keep the reservation.
      this.index.upsert(state.driverId, state.lat, state.lng, "busy")
      return
    }
    this.#reservedAt.delete(state.driverId)
    this.index.upsert(state.driverId, state.lat, state.lng, state.status)
    if (state.status === "available") this.#noteFreed(state)
  }

  driverRemoved(driverId: string): void {
    this.index.remove(driverId)
    this.#reservedAt.delete(driverId)
    this.#stateAt.delete(driverId)
  }

  /**
   * Restores a decision taken before a restart or takeover (read back from RESULTS): the order
   * is decided, and a matched driver is reserved unless it has reported since.
   */
  restoreDecision(decision: WireDecision): void {
    const internal: Decision = decision.type === "order.matched"
      ? { _tag: "Matched", orderId: decision.orderId, driverId: decision.driverId, etaSeconds: decision.etaSeconds, distanceMeters: decision.distanceMeters, policy: decision.policy, decidedAt: decision.decidedAt }
      : { _tag: "Unmatched", orderId: decision.orderId, reason: decision.reason, decidedAt: decision.decidedAt }
    // Open, then decide: the lifecycle's own transitions, so its invariants hold.
    this.#lifecycle.request({ orderId: decision.orderId, pickup: { lat: 0, lng: 0 }, requestedAt: decision.decidedAt, maxWaitMs: 0 })
    this.#lifecycle.decide(internal)
    if (decision.type === "order.matched") this.#reserve(decision.driverId, decision.decidedAt)
  }

  /** Forgets decisions older than `before`, bounding memory (orders still open are kept). */
  forgetDecisionsBefore(before: number): number {
    return this.#lifecycle.forget(before)
  }

  #solve(now: number): Array<WireDecision> {
    // Only a window policy's orders wait in the window or the carry-over.
    const policy = this.settings.policy
    if (policy.kind !== "window") return []
    const started = performance.now()
    const window = this.#carried.length === 0 ? this.#window : [...this.#carried, ...this.#window]
    const outcome = policy.solve(window, this.index, this.#eta, now, this.#params)
    this.#lastWindow = { orders: window.length, solveMillis: performance.now() - started }
    this.#window = []
    // Oldest first: when the carry-over is full, the newest orders are the ones turned away,
    // as a full queue turns away new arrivals.
    const carried = outcome.carried
    const decisions = outcome.decisions
    if (carried.length > this.#carryOverMax) {
      for (const order of carried.splice(this.#carryOverMax)) decisions.push({ _tag: "Unmatched", orderId: order.orderId, reason: "no_supply", decidedAt: now })
    }
    this.#carried = carried
    this.#windowClosesAt = carried.length > 0 ? now + this.settings.batchWindowMs : undefined
    return this.#record(decisions)
  }

  /**
   * A per-order policy's answers to new `orders`, in order. One that `waits` keeps an order no
   * driver can take, open, with the waiting ones (bounded like the carry-over: beyond it the
   * order is answered `no_supply`), and the re-offer interval starts.
   */
  #offer(policy: PerOrderPolicy, orders: ReadonlyArray<OrderRequest>, now: number): Array<WireDecision> {
    const decisions: Array<Decision> = []
    for (const order of orders) {
      const decision = policy.decide(order, this.index, this.#eta, now, this.#params)
      if (policy.waits && isNoSupply(decision) && this.#carried.length < this.#carryOverMax) {
        this.#carried.push(order)
        this.#windowClosesAt ??= now + this.settings.batchWindowMs
      } else {
        decisions.push(decision)
      }
    }
    return this.#record(decisions)
  }

  /**
   * Offers the waiting orders again, oldest first, each that has a driver freed in range since
   * the last offer (a fresh decision of the policy on the index as it is now). At a re-offer
   * tick (`due`) also answers `expired` those past their deadline and restarts the interval.
   */
  #reoffer(policy: PerOrderPolicy, now: number, due: boolean): Array<WireDecision> {
    if (this.#carried.length === 0) {
      // Every waiting order was cancelled meanwhile: nothing left to re-offer.
      if (due) this.#windowClosesAt = undefined
      return []
    }
    if (!due && this.#freed.isEmpty) return []
    const freedNear = this.#freed.take(this.#params.maxRadiusMeters)
    const waiting = this.#carried
    this.#carried = []
    const decisions: Array<Decision> = []
    for (const order of waiting) {
      const decision = freedNear(order.pickup) ? policy.decide(order, this.index, this.#eta, now, this.#params) : isExpired(order, now) ? unmatched(order.orderId, "expired", now) : undefined
      if (decision === undefined || isNoSupply(decision)) this.#carried.push(order)
      else decisions.push(decision)
    }
    if (due || this.#carried.length === 0) this.#windowClosesAt = this.#carried.length > 0 ? now + this.settings.batchWindowMs : undefined
    return this.#record(decisions)
  }

  /** Remembers where a driver became available, while orders wait for one. */
  #noteFreed(at: LatLng): void {
    if (this.#carried.length > 0 && this.settings.policy.kind === "per-order") this.#freed.note(at)
  }

  /** Records policy decisions in the lifecycle; a match the lifecycle refuses gives its driver back. */
  #record(decisions: ReadonlyArray<Decision>): Array<WireDecision> {
    const out: Array<WireDecision> = []
    for (const decision of decisions) {
      const outcome = this.#lifecycle.decide(decision)
      if (outcome._tag === "Recorded") {
        if (decision._tag === "Matched") this.#reserve(decision.driverId, decision.decidedAt)
        out.push(this.#wire(decision))
      } else if (decision._tag === "Matched") {
        this.index.setStatus(decision.driverId, "available")
        const driver = this.index.get(decision.driverId)
        if (driver !== undefined) this.#noteFreed(driver)
      }
    }
    return out
  }

  #reserve(driverId: string, decidedAt: number): void {
    if ((this.#stateAt.get(driverId) ?? -1) >= decidedAt) return
    this.#reservedAt.set(driverId, decidedAt)
    this.index.setStatus(driverId, "busy")
  }

  #wire(decision: Decision): WireDecision {
    return decision._tag === "Matched"
      ? { v: WIRE_VERSION, type: "order.matched", orderId: decision.orderId, driverId: decision.driverId, market: this.market.id, etaSeconds: decision.etaSeconds, distanceMeters: decision.distanceMeters, policy: decision.policy, decidedAt: decision.decidedAt }
      : { v: WIRE_VERSION, type: "order.unmatched", orderId: decision.orderId, market: this.market.id, reason: decision.reason, decidedAt: decision.decidedAt }
  }
}
