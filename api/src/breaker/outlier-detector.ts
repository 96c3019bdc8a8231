/**
 * Outlier ejection over the balancer's targets, after Envoy's consecutive-5xx detector: a target
 * whose last `consecutiveFailures` calls all failed is ejected (the balancer sends it nothing)
 * for `baseEjectionTimeMs` times the number of its ejections in a row, capped at
 * `maxEjectionTimeMs`, and comes back by itself when that time has passed. The count stops
 * growing once it reaches the cap (as Envoy's backoff), and time back in service forgives: each
 * `ejectionDecayIntervalMs` of it takes one off (Envoy takes one off at each `interval` a host
 * is not ejected).
 *
 * It complements the circuit breaker: the breaker judges a target's rates over a window, this
 * reacts to a run of failures at once, and it keeps the whole picture in view: it never has more
 * than `maxEjectionPercent` of the targets ejected (rounded down), and never all of them. An
 * ejection refused for that reason is reported (`EjectionSkipped`, Envoy's
 * `ejections_overflow`) and retried at the target's next failure.
 *
 * Pure: time is passed in (ms, monotonic), and un-ejection happens at its due time whenever
 * the detector is next called. Outcomes of calls that end while their target is ejected are
 * ignored: they were sent before the ejection.
 */
import { type OutlierConfig, validOutlierConfig } from "./breaker-config.ts"

export type OutlierEvent =
  | {
    readonly _tag: "Ejected"
    readonly target: string
    readonly at: number
    /** Back in service at this time (ms). */
    readonly until: number
    /** Ejections in a row, this one included: the ejection lasted min(base × this, max). */
    readonly ejectionsInARow: number
  }
  | { readonly _tag: "Unejected"; readonly target: string; readonly at: number }
  | { readonly _tag: "EjectionSkipped"; readonly target: string; readonly at: number; readonly reason: "max_ejection_percent" }

interface TargetHealth {
  consecutiveFailures: number
  ejected: boolean
  /** Ejected: when it comes back. Otherwise: when it last came back (-Infinity if never ejected). */
  until: number
  ejectionsInARow: number
}

export class OutlierDetector {
  readonly config: OutlierConfig
  /** How many targets may be ejected at once. */
  readonly maxEjected: number
  readonly #targets = new Map<string, TargetHealth>()
  readonly #onEvent: (event: OutlierEvent) => void
  /** Where the count of ejections in a row stops: base × it reaches the cap. */
  readonly #maxEjectionsInARow: number
  #ejected = 0
  /** The earliest `until` among ejected targets. */
  #nextReturn = Number.POSITIVE_INFINITY
  #now = Number.NEGATIVE_INFINITY

  /** Throws `BreakerConfigError` on a bad config and `RangeError` on repeated target names. */
  constructor(targets: ReadonlyArray<string>, config: OutlierConfig, onEvent: (event: OutlierEvent) => void = () => {}) {
    this.config = validOutlierConfig(config)
    for (const target of targets) {
      if (this.#targets.has(target)) throw new RangeError(`outlier detector: target "${target}" is listed twice`)
      this.#targets.set(target, { consecutiveFailures: 0, ejected: false, until: Number.NEGATIVE_INFINITY, ejectionsInARow: 0 })
    }
    this.maxEjected = Math.max(0, Math.min(Math.floor((targets.length * config.maxEjectionPercent) / 100), targets.length - 1))
    this.#maxEjectionsInARow = Math.ceil(config.maxEjectionTimeMs / config.baseEjectionTimeMs)
    this.#onEvent = onEvent
  }

  isEjected(target: string, now: number): boolean {
    this.#observe(now)
    return this.#health(target).ejected
  }

  /** Targets ejected at `now`, for a gauge. */
  ejectedCount(now: number): number {
    this.#observe(now)
    return this.#ejected
  }

  onSuccess(target: string, now: number): void {
    this.#observe(now)
    const health = this.#health(target)
    if (!health.ejected) health.consecutiveFailures = 0
  }

  onFailure(target: string, now: number): void {
    this.#observe(now)
    const health = this.#health(target)
    if (health.ejected || ++health.consecutiveFailures < this.config.consecutiveFailures) return
    if (this.#ejected >= this.maxEjected) {
      this.#onEvent({ _tag: "EjectionSkipped", target, at: this.#now, reason: "max_ejection_percent" })
      return
    }
    const { baseEjectionTimeMs, maxEjectionTimeMs, ejectionDecayIntervalMs } = this.config
    const forgiven = Math.floor((this.#now - health.until) / ejectionDecayIntervalMs)
    const inARow = Math.min(Math.max(0, health.ejectionsInARow - forgiven) + 1, this.#maxEjectionsInARow)
    health.ejectionsInARow = inARow
    health.ejected = true
    health.consecutiveFailures = 0
    health.until = this.#now + Math.min(baseEjectionTimeMs * inARow, maxEjectionTimeMs)
    this.#ejected++
    this.#nextReturn = Math.min(this.#nextReturn, health.until)
    this.#onEvent({ _tag: "Ejected", target, at: this.#now, until: health.until, ejectionsInARow: inARow })
  }

  #health(target: string): TargetHealth {
    const health = this.#targets.get(target)
    if (health === undefined) throw new RangeError(`outlier detector: unknown target "${target}"`)
    return health
  }

  /** Moves the clock forward and brings back the targets whose ejection is over. */
  #observe(now: number): void {
    if (now > this.#now) this.#now = now
    if (this.#now < this.#nextReturn) return
    let next = Number.POSITIVE_INFINITY
    for (const [target, health] of this.#targets) {
      if (!health.ejected) continue
      if (health.until <= this.#now) {
        health.ejected = false
        this.#ejected--
        this.#onEvent({ _tag: "Unejected", target, at: health.until })
      } else {
        next = Math.min(next, health.until)
      }
    }
    this.#nextReturn = next
  }
}
