/**
 * Settings of the region balancer's per-target protections: the circuit breaker
 * (circuit-breaker.ts) and the outlier detector (outlier-detector.ts). Each default is a named
 * constant with its unit and where it comes from (resilience4j's `CircuitBreakerConfig`, Envoy's
 * `OutlierDetection`); where Dispatch departs from the source, the comment says why.
 *
 * Settings arrive from flags, env or the `dispatch_config` KV bucket, so validation returns
 * every problem as a sentence naming the key, the value and the rule, instead of stopping at
 * the first. The cores call `valid*Config` when built and refuse to run with a bad one.
 */
import { BreakerConfigError } from "./errors.ts"

// ---- Circuit breaker -------------------------------------------------------------------------

/** How the CLOSED state's window is kept: the last N calls, or the calls of the last N seconds. */
export type SlidingWindowConfig =
  | { readonly kind: "count"; readonly calls: number }
  | { readonly kind: "time"; readonly seconds: number }

export interface CircuitBreakerConfig {
  /** The window whose failure and slow-call rates decide CLOSED -> OPEN. */
  readonly slidingWindow: SlidingWindowConfig
  /** Calls the window must hold before its rates are evaluated. */
  readonly minimumNumberOfCalls: number
  /** Opens when failed calls are at least this percent of the window (0, 100]. */
  readonly failureRateThresholdPercent: number
  /** Opens when slow calls are at least this percent of the window (0, 100]. */
  readonly slowCallRateThresholdPercent: number
  /** A call that takes longer than this (strictly) is slow, whether it succeeded or failed. */
  readonly slowCallDurationThresholdMs: number
  /** How long OPEN rejects every call before letting probes through (HALF_OPEN). */
  readonly waitDurationInOpenStateMs: number
  /** Probes HALF_OPEN admits; their outcomes alone decide CLOSED or OPEN. */
  readonly permittedNumberOfCallsInHalfOpenState: number
  /** HALF_OPEN goes back to OPEN if its probes have not all completed by then; 0 waits forever. */
  readonly maxWaitDurationInHalfOpenStateMs: number
}

/** Percent of failed calls that opens the breaker (resilience4j default). */
export const DEFAULT_FAILURE_RATE_THRESHOLD_PERCENT = 50
/** Percent of slow calls that opens the breaker: only when every call is slow (resilience4j default). */
export const DEFAULT_SLOW_CALL_RATE_THRESHOLD_PERCENT = 100
/**
 * Duration above which a call is slow, in ms. resilience4j says 60 000, but a balancer call is
 * one NATS request to a regional intake whose answer takes tens of ms and which times out
 * after 5 s (the NATS client's default): at 60 s no call would ever be slow.
 */
export const DEFAULT_SLOW_CALL_DURATION_THRESHOLD_MS = 2_000
/** Calls in the count-based window (resilience4j default window: count-based, 100 calls). */
export const DEFAULT_SLIDING_WINDOW_CALLS = 100
/** Calls needed before the rates count (resilience4j default). */
export const DEFAULT_MINIMUM_NUMBER_OF_CALLS = 100
/** Time OPEN rejects before admitting probes, in ms (resilience4j default). */
export const DEFAULT_WAIT_DURATION_IN_OPEN_STATE_MS = 60_000
/** Probes admitted in HALF_OPEN (resilience4j default). */
export const DEFAULT_PERMITTED_NUMBER_OF_CALLS_IN_HALF_OPEN_STATE = 10
/**
 * Longest HALF_OPEN may wait for its probes, in ms; 0 = no limit (resilience4j default). The
 * gateway settles every permit (success, error or release), so probes cannot be lost.
 */
export const DEFAULT_MAX_WAIT_DURATION_IN_HALF_OPEN_STATE_MS = 0

/** Largest count window and half-open probe count: the ring buffer is one byte per call. */
export const MAX_WINDOW_CALLS = 100_000
/** Largest time window, in seconds: one bucket per second. */
export const MAX_WINDOW_SECONDS = 3_600

export const DEFAULT_CIRCUIT_BREAKER_CONFIG: CircuitBreakerConfig = {
  slidingWindow: { kind: "count", calls: DEFAULT_SLIDING_WINDOW_CALLS },
  minimumNumberOfCalls: DEFAULT_MINIMUM_NUMBER_OF_CALLS,
  failureRateThresholdPercent: DEFAULT_FAILURE_RATE_THRESHOLD_PERCENT,
  slowCallRateThresholdPercent: DEFAULT_SLOW_CALL_RATE_THRESHOLD_PERCENT,
  slowCallDurationThresholdMs: DEFAULT_SLOW_CALL_DURATION_THRESHOLD_MS,
  waitDurationInOpenStateMs: DEFAULT_WAIT_DURATION_IN_OPEN_STATE_MS,
  permittedNumberOfCallsInHalfOpenState: DEFAULT_PERMITTED_NUMBER_OF_CALLS_IN_HALF_OPEN_STATE,
  maxWaitDurationInHalfOpenStateMs: DEFAULT_MAX_WAIT_DURATION_IN_HALF_OPEN_STATE_MS
}

// ---- Outlier detection -----------------------------------------------------------------------

export interface OutlierConfig {
  /** Consecutive failed calls that eject a target. */
  readonly consecutiveFailures: number
  /** A target's k-th ejection in a row lasts k times this, in ms ... */
  readonly baseEjectionTimeMs: number
  /** ... but never longer than this, in ms. */
  readonly maxEjectionTimeMs: number
  /** Most targets ejected at once, as a percent of all targets (rounded down); never all of them. */
  readonly maxEjectionPercent: number
  /** Each such span a target spends back in service takes one off its ejections in a row, in ms. */
  readonly ejectionDecayIntervalMs: number
}

/** Failures in a row that eject (Envoy `consecutive_5xx` default). */
export const DEFAULT_CONSECUTIVE_FAILURES = 5
/** Base ejection time, in ms (Envoy `base_ejection_time` default). */
export const DEFAULT_BASE_EJECTION_TIME_MS = 30_000
/** Cap on an ejection, in ms (Envoy `max_ejection_time` default). */
export const DEFAULT_MAX_EJECTION_TIME_MS = 300_000
/**
 * Percent of targets that may be ejected at once. Envoy says 10, for clusters of many hosts;
 * the balancer's targets are a handful of regions, where 10% rounds down to none (3 regions:
 * 50% lets one be ejected, 2 regions: one, never both).
 */
export const DEFAULT_MAX_EJECTION_PERCENT = 50
/** Healthy time that forgives one ejection in a row, in ms (Envoy `interval` default). */
export const DEFAULT_EJECTION_DECAY_INTERVAL_MS = 10_000

export const DEFAULT_OUTLIER_CONFIG: OutlierConfig = {
  consecutiveFailures: DEFAULT_CONSECUTIVE_FAILURES,
  baseEjectionTimeMs: DEFAULT_BASE_EJECTION_TIME_MS,
  maxEjectionTimeMs: DEFAULT_MAX_EJECTION_TIME_MS,
  maxEjectionPercent: DEFAULT_MAX_EJECTION_PERCENT,
  ejectionDecayIntervalMs: DEFAULT_EJECTION_DECAY_INTERVAL_MS
}

// ---- Validation ------------------------------------------------------------------------------

/** A rule over one value: undefined when it holds, else what the value must be. */
type Rule = (value: number) => string | undefined

const integerFrom = (min: number, max: number): Rule => (v) =>
  Number.isInteger(v) && v >= min && v <= max ? undefined : `must be an integer from ${min} to ${max}`
const atLeast = (min: number): Rule => (v) => Number.isFinite(v) && v >= min ? undefined : `must be a finite number of at least ${min}`
const above = (min: number): Rule => (v) => Number.isFinite(v) && v > min ? undefined : `must be a finite number above ${min}`
const percent: Rule = (v) => v > 0 && v <= 100 ? undefined : "must be a percentage above 0 and at most 100"

const check = (problems: Array<string>, key: string, value: number, rule: Rule): void => {
  const problem = rule(value)
  if (problem !== undefined) problems.push(`${key} (${value}) ${problem}`)
}

/** Every problem of a circuit breaker config; empty when the breaker can run with it. */
export const circuitBreakerConfigProblems = (config: CircuitBreakerConfig): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const window = config.slidingWindow
  if (window.kind === "count") {
    check(problems, "slidingWindow.calls", window.calls, integerFrom(1, MAX_WINDOW_CALLS))
    if (config.minimumNumberOfCalls > window.calls) {
      problems.push(`minimumNumberOfCalls (${config.minimumNumberOfCalls}) must not exceed slidingWindow.calls (${window.calls}): the window could never hold enough calls to be evaluated`)
    }
  } else if (window.kind === "time") {
    check(problems, "slidingWindow.seconds", window.seconds, integerFrom(1, MAX_WINDOW_SECONDS))
  } else {
    problems.push(`slidingWindow.kind (${String((window as { kind: unknown }).kind)}) must be "count" or "time"`)
  }
  check(problems, "minimumNumberOfCalls", config.minimumNumberOfCalls, integerFrom(1, Number.MAX_SAFE_INTEGER))
  check(problems, "failureRateThresholdPercent", config.failureRateThresholdPercent, percent)
  check(problems, "slowCallRateThresholdPercent", config.slowCallRateThresholdPercent, percent)
  check(problems, "slowCallDurationThresholdMs", config.slowCallDurationThresholdMs, atLeast(0))
  check(problems, "waitDurationInOpenStateMs", config.waitDurationInOpenStateMs, above(0))
  check(problems, "permittedNumberOfCallsInHalfOpenState", config.permittedNumberOfCallsInHalfOpenState, integerFrom(1, MAX_WINDOW_CALLS))
  check(problems, "maxWaitDurationInHalfOpenStateMs", config.maxWaitDurationInHalfOpenStateMs, atLeast(0))
  return problems
}

/** Every problem of an outlier detection config; empty when the detector can run with it. */
export const outlierConfigProblems = (config: OutlierConfig): ReadonlyArray<string> => {
  const problems: Array<string> = []
  check(problems, "consecutiveFailures", config.consecutiveFailures, integerFrom(1, Number.MAX_SAFE_INTEGER))
  check(problems, "baseEjectionTimeMs", config.baseEjectionTimeMs, above(0))
  check(problems, "maxEjectionTimeMs", config.maxEjectionTimeMs, atLeast(config.baseEjectionTimeMs))
  check(problems, "maxEjectionPercent", config.maxEjectionPercent, (v) => v >= 0 && v <= 100 ? undefined : "must be a percentage from 0 to 100")
  check(problems, "ejectionDecayIntervalMs", config.ejectionDecayIntervalMs, above(0))
  return problems
}

const valid = <C>(kind: BreakerConfigError["config"], config: C, problems: ReadonlyArray<string>): C => {
  if (problems.length > 0) throw new BreakerConfigError({ config: kind, problems })
  return config
}

/** The config itself; throws `BreakerConfigError` listing every problem if it has any. */
export const validCircuitBreakerConfig = (config: CircuitBreakerConfig): CircuitBreakerConfig =>
  valid("circuitBreaker", config, circuitBreakerConfigProblems(config))

/** The config itself; throws `BreakerConfigError` listing every problem if it has any. */
export const validOutlierConfig = (config: OutlierConfig): OutlierConfig =>
  valid("outlierDetection", config, outlierConfigProblems(config))
