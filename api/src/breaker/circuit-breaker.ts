/**
 * One balancer target's circuit breaker: a pure state machine in the manner of resilience4j's
 * `CircuitBreakerStateMachine`, with time passed in (ms, monotonic) and no timers.
 *
 *   closed    --failure or slow-call rate >= threshold (window >= minimum calls)--> open
 *   open      --first tryAcquire once waitDurationInOpenState has passed----------> half_open
 *   half_open --all permitted probes completed, rates below thresholds------------> closed
 *   half_open --all permitted probes completed, a rate >= its threshold-----------> open
 *   half_open --maxWaitDurationInHalfOpenState passed before that (if > 0)--------> open
 *   closed    --forceOpen (a fleet-wide signal says the target fails)-----------> open
 *   half_open --forceOpen-------------------------------------------------------> open
 *   open      --releaseForce (the signal recovered) while forced----------------> half_open
 *
 * No other transition exists. While forced, the breaker stays open whatever its wait: it admits
 * nothing (reason `forced_open`) until `releaseForce`, which starts probing at once. Each one is handed to the `onTransition` listener as
 * `{from, to, at, reason, window}`, for a metric and a log line.
 *
 * Calls go through a permit: `tryAcquire` admits a call (a `Permit`) or rejects it (a
 * `Rejection` with its reason; a rejected call is not counted). Every permit is settled exactly
 * once: `onSuccess`/`onError` with the call's duration, or `release` when the call was not made
 * after all. An outcome counts only in the state period that admitted its call: a call admitted
 * while closed that ends after the breaker opened says nothing about the probes, so it is
 * ignored (resilience4j would count it in whatever state it finds).
 *
 * OPEN -> HALF_OPEN is lazy, as in resilience4j without automatic transition: it happens on the
 * first `tryAcquire` after the wait, at that time, so an idle target stays OPEN (and `admits`
 * says true once the wait is over). HALF_OPEN -> OPEN on timeout happens at the deadline itself,
 * whenever it is next observed. Neither depends on how often `state`/`admits` are read.
 */
import { type CircuitBreakerConfig, validCircuitBreakerConfig } from "./breaker-config.ts"
import { CountWindow, makeSlidingWindow, type SlidingWindow, type WindowCounts } from "./sliding-window.ts"

export type BreakerState = "closed" | "open" | "half_open"

export type TransitionReason =
  /** closed or half_open -> open: failed calls reached the threshold (checked first). */
  | "failure_rate"
  /** closed or half_open -> open: slow calls reached the threshold. */
  | "slow_call_rate"
  /** open -> half_open: the wait is over and a call asked to go through. */
  | "wait_elapsed"
  /** half_open -> closed: the probes' rates are below both thresholds. */
  | "probes_passed"
  /** half_open -> open: the probes did not all complete within maxWaitDurationInHalfOpenState. */
  | "half_open_timeout"
  /** closed or half_open -> open: `forceOpen` (the fleet-wide health signal breaches). */
  | "forced_open"
  /** open -> half_open: `releaseForce` (the signal recovered, or is unknown). */
  | "force_released"

export interface Transition {
  readonly from: BreakerState
  readonly to: BreakerState
  /** When it happened (ms, the caller's clock). */
  readonly at: number
  readonly reason: TransitionReason
  /** The window that decided a rate-based transition (closed window or probes); else undefined. */
  readonly window: WindowCounts | undefined
}

/** A call may go ahead; settle it with `onSuccess`, `onError` or `release`. */
export interface Permit {
  readonly _tag: "Permitted"
  /** The state period that admitted the call. */
  readonly epoch: number
}

export type RejectReason =
  /** Open: waiting out `waitDurationInOpenStateMs`. */
  | "open"
  /** Half-open: every permitted probe is out. */
  | "half_open_full"
  /** Forced open by `forceOpen`, until `releaseForce`. */
  | "forced_open"

export interface Rejection {
  readonly _tag: "Rejected"
  readonly reason: RejectReason
}

const REJECTED_OPEN: Rejection = { _tag: "Rejected", reason: "open" }
const REJECTED_HALF_OPEN_FULL: Rejection = { _tag: "Rejected", reason: "half_open_full" }
const REJECTED_FORCED_OPEN: Rejection = { _tag: "Rejected", reason: "forced_open" }

export class CircuitBreaker {
  readonly config: CircuitBreakerConfig
  readonly #onTransition: (transition: Transition) => void
  #state: BreakerState = "closed"
  /** When the current state began. */
  #since = Number.NEGATIVE_INFINITY
  /** The latest time seen: time never goes back, even if a caller's `now` does. */
  #now = Number.NEGATIVE_INFINITY
  /** One permit per state period, shared by the calls it admits (no allocation per call). */
  #permit: Permit = { _tag: "Permitted", epoch: 0 }
  /** closed: the configured window; half_open: the probes' outcomes. */
  #window: SlidingWindow
  /** half_open: probes admitted and not released. */
  #probes = 0
  /** Held open by `forceOpen` until `releaseForce` (the state is then always open). */
  #forced = false

  /** Throws `BreakerConfigError` if the config has problems (see breaker-config.ts). */
  constructor(config: CircuitBreakerConfig, onTransition: (transition: Transition) => void = () => {}) {
    this.config = validCircuitBreakerConfig(config)
    this.#onTransition = onTransition
    this.#window = makeSlidingWindow(config.slidingWindow)
  }

  state(now: number): BreakerState {
    this.#observe(now)
    return this.#state
  }

  /** Whether `forceOpen` holds the breaker open. */
  get forced(): boolean {
    return this.#forced
  }

  /** Whether `tryAcquire(now)` would admit a call; changes nothing. For choosing a target. */
  admits(now: number): boolean {
    this.#observe(now)
    switch (this.#state) {
      case "closed":
        return true
      case "open":
        return !this.#forced && this.#now >= this.#since + this.config.waitDurationInOpenStateMs
      case "half_open":
        return this.#probes < this.config.permittedNumberOfCallsInHalfOpenState
    }
  }

  /**
   * How long until the breaker may admit a call, in ms, for a Retry-After: 0 when it admits now,
   * the rest of the wait when open, undefined when half-open with every probe out (it depends
   * on how they end) or when forced open (it depends on the fleet-wide signal).
   */
  retryAfterMs(now: number): number | undefined {
    if (this.admits(now)) return 0
    return this.#state === "open" && !this.#forced ? this.#since + this.config.waitDurationInOpenStateMs - this.#now : undefined
  }

  /**
   * The calls, failures and slow calls that decide the next transition (closed: the sliding
   * window; half-open: the probes), as of the last recorded outcome; for dashboards and the
   * admin API. A copy: reading changes nothing.
   */
  windowCounts(): WindowCounts {
    return { calls: this.#window.calls, failures: this.#window.failures, slowCalls: this.#window.slowCalls }
  }

  tryAcquire(now: number): Permit | Rejection {
    this.#observe(now)
    if (this.#forced) return REJECTED_FORCED_OPEN
    if (this.#state === "open") {
      if (this.#now < this.#since + this.config.waitDurationInOpenStateMs) return REJECTED_OPEN
      this.#enter("half_open", "wait_elapsed", undefined, this.#now)
    }
    if (this.#state === "half_open") {
      if (this.#probes >= this.config.permittedNumberOfCallsInHalfOpenState) return REJECTED_HALF_OPEN_FULL
      this.#probes++
    }
    return this.#permit
  }

  onSuccess(permit: Permit, durationMs: number, now: number): void {
    this.#settle(permit, false, durationMs, now)
  }

  onError(permit: Permit, durationMs: number, now: number): void {
    this.#settle(permit, true, durationMs, now)
  }

  /**
   * Holds the breaker open (entering open now unless it already is) until `releaseForce`: the
   * fleet-wide health signal says the target fails, whatever this gateway's own calls say.
   * Calls already out are then stale, as at any transition. Idempotent.
   */
  forceOpen(now: number): void {
    this.#observe(now)
    if (this.#forced) return
    this.#forced = true
    if (this.#state !== "open") this.#enter("open", "forced_open", undefined, this.#now)
  }

  /**
   * Ends `forceOpen`: the breaker goes half-open at once and its probes decide, as after the
   * open wait (the forced period stood in for the wait). Does nothing when not forced.
   */
  releaseForce(now: number): void {
    this.#observe(now)
    if (!this.#forced) return
    this.#forced = false
    this.#enter("half_open", "force_released", undefined, this.#now)
  }

  /** The admitted call was not made (or abandoned unanswered): nothing is recorded. */
  release(permit: Permit, now: number): void {
    this.#observe(now)
    if (permit.epoch === this.#permit.epoch && this.#state === "half_open") this.#probes--
  }

  #settle(permit: Permit, failed: boolean, durationMs: number, now: number): void {
    this.#observe(now)
    if (permit.epoch !== this.#permit.epoch) return
    const window = this.#window
    window.record(failed, durationMs > this.config.slowCallDurationThresholdMs, this.#now)
    if (this.#state === "closed") {
      const reason = this.#exceeded(window, this.config.minimumNumberOfCalls)
      if (reason !== undefined) this.#enter("open", reason, window, this.#now)
    } else if (window.calls === this.config.permittedNumberOfCallsInHalfOpenState) {
      // half_open (no permit is ever current while open): the last probe is in.
      const reason = this.#exceeded(window, window.calls)
      this.#enter(reason === undefined ? "closed" : "open", reason ?? "probes_passed", window, this.#now)
    }
  }

  /** Which threshold the window reaches, once it holds at least `minimumCalls` calls. */
  #exceeded(window: WindowCounts, minimumCalls: number): "failure_rate" | "slow_call_rate" | undefined {
    // Rates compared exactly, in integers: failures / calls >= threshold / 100.
    if (window.calls < minimumCalls) return undefined
    if (window.failures * 100 >= this.config.failureRateThresholdPercent * window.calls) return "failure_rate"
    if (window.slowCalls * 100 >= this.config.slowCallRateThresholdPercent * window.calls) return "slow_call_rate"
    return undefined
  }

  /** Moves the clock forward and applies a half-open timeout that has fallen due. */
  #observe(now: number): void {
    if (now > this.#now) this.#now = now
    const maxWait = this.config.maxWaitDurationInHalfOpenStateMs
    if (this.#state === "half_open" && maxWait > 0 && this.#now >= this.#since + maxWait) {
      this.#enter("open", "half_open_timeout", undefined, this.#since + maxWait)
    }
  }

  #enter(to: BreakerState, reason: TransitionReason, window: WindowCounts | undefined, at: number): void {
    const from = this.#state
    this.#state = to
    this.#since = at
    this.#permit = { _tag: "Permitted", epoch: this.#permit.epoch + 1 }
    if (to === "closed") this.#window = makeSlidingWindow(this.config.slidingWindow)
    if (to === "half_open") {
      this.#window = new CountWindow(this.config.permittedNumberOfCallsInHalfOpenState)
      this.#probes = 0
    }
    const counts = window === undefined ? undefined : { calls: window.calls, failures: window.failures, slowCalls: window.slowCalls }
    this.#onTransition({ from, to, at, reason, window: counts })
  }
}
