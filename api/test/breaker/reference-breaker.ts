/**
 * An obviously-correct circuit breaker to hold the product's (api/src/breaker/circuit-breaker.ts)
 * against: it keeps every outcome with its time in plain arrays and recomputes the window from
 * scratch at each decision, with the rules of docs/balancer.md written as directly as they read.
 * Slow, allocation-heavy and simple on purpose.
 */
import type { CircuitBreakerConfig, SlidingWindowConfig } from "../../src/breaker/breaker-config.ts"
import type { BreakerState, RejectReason, Transition, TransitionReason } from "../../src/breaker/circuit-breaker.ts"

export interface Outcome {
  readonly at: number
  readonly failed: boolean
  readonly slow: boolean
}

/** The outcomes the window holds at `now`: the last N, or those of the last N seconds. */
export const windowContent = (window: SlidingWindowConfig, outcomes: ReadonlyArray<Outcome>, now: number): ReadonlyArray<Outcome> => {
  if (window.kind === "count") return outcomes.slice(Math.max(0, outcomes.length - window.calls))
  const second = Math.floor(now / 1000)
  return outcomes.filter((o) => Math.floor(o.at / 1000) > second - window.seconds)
}

export const countsOf = (outcomes: ReadonlyArray<Outcome>) => ({
  calls: outcomes.length,
  failures: outcomes.filter((o) => o.failed).length,
  slowCalls: outcomes.filter((o) => o.slow).length
})

/** Which threshold the outcomes reach (failure rate first), once there are at least `minimumCalls`. */
export const thresholdReached = (
  config: CircuitBreakerConfig,
  outcomes: ReadonlyArray<Outcome>,
  minimumCalls: number
): "failure_rate" | "slow_call_rate" | undefined => {
  const { calls, failures, slowCalls } = countsOf(outcomes)
  if (calls === 0 || calls < minimumCalls) return undefined
  // Exact rational comparison: failures / calls >= threshold / 100.
  if (failures * 100 >= config.failureRateThresholdPercent * calls) return "failure_rate"
  if (slowCalls * 100 >= config.slowCallRateThresholdPercent * calls) return "slow_call_rate"
  return undefined
}

export type ReferenceAcquire = { readonly permitted: true; readonly epoch: number } | { readonly permitted: false; readonly reason: RejectReason }

export class ReferenceBreaker {
  readonly config: CircuitBreakerConfig
  readonly transitions: Array<Transition> = []
  state: BreakerState = "closed"
  since = Number.NEGATIVE_INFINITY
  now = Number.NEGATIVE_INFINITY
  epoch = 0
  /** Every outcome recorded since the breaker last closed (or started). */
  closedOutcomes: Array<Outcome> = []
  /** Outcomes of the current half-open period's probes. */
  probeOutcomes: Array<Outcome> = []
  /** Probes admitted in the current half-open period and not released. */
  probesAdmitted = 0
  /** Held open by forceOpen until releaseForce. */
  forced = false

  constructor(config: CircuitBreakerConfig) {
    this.config = config
  }

  observe(now: number): void {
    this.now = Math.max(this.now, now)
    const maxWait = this.config.maxWaitDurationInHalfOpenStateMs
    if (this.state === "half_open" && maxWait > 0 && this.now >= this.since + maxWait) {
      this.go("open", "half_open_timeout", undefined, this.since + maxWait)
    }
  }

  stateAt(now: number): BreakerState {
    this.observe(now)
    return this.state
  }

  waitOver(): boolean {
    return this.now - this.since >= this.config.waitDurationInOpenStateMs
  }

  admits(now: number): boolean {
    this.observe(now)
    if (this.state === "closed") return true
    if (this.state === "open") return !this.forced && this.waitOver()
    return this.probesAdmitted < this.config.permittedNumberOfCallsInHalfOpenState
  }

  retryAfterMs(now: number): number | undefined {
    if (this.admits(now)) return 0
    if (this.state === "open" && !this.forced) return this.since + this.config.waitDurationInOpenStateMs - this.now
    return undefined
  }

  tryAcquire(now: number): ReferenceAcquire {
    this.observe(now)
    if (this.forced) return { permitted: false, reason: "forced_open" }
    if (this.state === "open" && !this.waitOver()) return { permitted: false, reason: "open" }
    if (this.state === "open") this.go("half_open", "wait_elapsed", undefined, this.now)
    if (this.state === "half_open") {
      if (this.probesAdmitted === this.config.permittedNumberOfCallsInHalfOpenState) return { permitted: false, reason: "half_open_full" }
      this.probesAdmitted += 1
    }
    return { permitted: true, epoch: this.epoch }
  }

  settle(epoch: number, failed: boolean, durationMs: number, now: number): void {
    this.observe(now)
    if (epoch !== this.epoch) return
    const outcome = { at: this.now, failed, slow: durationMs > this.config.slowCallDurationThresholdMs }
    if (this.state === "closed") {
      this.closedOutcomes.push(outcome)
      const content = windowContent(this.config.slidingWindow, this.closedOutcomes, this.now)
      const reason = thresholdReached(this.config, content, this.config.minimumNumberOfCalls)
      if (reason !== undefined) this.go("open", reason, content, this.now)
    } else if (this.state === "half_open") {
      this.probeOutcomes.push(outcome)
      if (this.probeOutcomes.length === this.config.permittedNumberOfCallsInHalfOpenState) {
        const reason = thresholdReached(this.config, this.probeOutcomes, this.probeOutcomes.length)
        this.go(reason === undefined ? "closed" : "open", reason ?? "probes_passed", this.probeOutcomes, this.now)
      }
    }
  }

  release(epoch: number, now: number): void {
    this.observe(now)
    if (epoch === this.epoch && this.state === "half_open") this.probesAdmitted -= 1
  }

  forceOpen(now: number): void {
    this.observe(now)
    if (this.forced) return
    this.forced = true
    if (this.state !== "open") this.go("open", "forced_open", undefined, this.now)
  }

  releaseForce(now: number): void {
    this.observe(now)
    if (!this.forced) return
    this.forced = false
    this.go("half_open", "force_released", undefined, this.now)
  }

  go(to: BreakerState, reason: TransitionReason, decidedBy: ReadonlyArray<Outcome> | undefined, at: number): void {
    this.transitions.push({ from: this.state, to, at, reason, window: decidedBy === undefined ? undefined : countsOf(decidedBy) })
    this.state = to
    this.since = at
    this.epoch += 1
    this.closedOutcomes = []
    this.probeOutcomes = []
    this.probesAdmitted = 0
  }
}
