/**
 * Settings of the region balancer's per-target protections: the circuit breaker
 * (circuit-breaker.ts) and the outlier detector (outlier-detector.ts). Each default is a named
 * constant with its unit and where it comes from (resilience4j's `CircuitBreakerConfig`, Envoy's
 * `OutlierDetection`); where Dispatch departs from the source, the comment says why.
 *
 * Settings arrive from flags or env, so validation (Schema) returns every problem as a
 * sentence naming the key, the value and the rule, instead of stopping at the first. The
 * command checks its settings with `*ConfigIssues` before starting; the cores call
 * `valid*Config` when built and refuse to run with a bad one.
 */
import { Result, Schema, SchemaIssue } from "effect"
import { renderPath } from "#engine"
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

/**
 * What a setting must be: the Schema its value satisfies and the phrase that says so. The
 * rules are checks of the whole config rather than of each field, so that a rule relating
 * two settings (minimumNumberOfCalls within the window) is reported along with the others.
 */
interface Rule {
  readonly must: string
  readonly holds: (value: unknown) => boolean
}
const rule = (must: string, schema: Schema.Schema<number>): Rule => ({ must, holds: Schema.is(schema) })

const integerFrom = (minimum: number, maximum: number) =>
  rule(`must be an integer from ${minimum} to ${maximum}`, Schema.Int.check(Schema.isBetween({ minimum, maximum })))
const atLeast = (minimum: number) => rule(`must be a finite number of at least ${minimum}`, Schema.Finite.check(Schema.isGreaterThanOrEqualTo(minimum)))
const above = (minimum: number) => rule(`must be a finite number above ${minimum}`, Schema.Finite.check(Schema.isGreaterThan(minimum)))
const percent = (exclusiveMinimum: boolean) =>
  rule(
    exclusiveMinimum ? "must be a percentage above 0 and at most 100" : "must be a percentage from 0 to 100",
    Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 100, exclusiveMinimum }))
  )
const ANY_COUNT = integerFrom(1, Number.MAX_SAFE_INTEGER)

/** Checks of a config `C`: `rule` applied to its setting `key`. */
const settingsOf = <C>() => (key: keyof C & string, check: Rule | ((config: C) => Rule)) =>
  Schema.makeFilter<C>((config) => {
    const r = typeof check === "function" ? check(config) : check
    return r.holds(config[key]) || { path: [key], issue: r.must }
  })
const breakerSetting = settingsOf<CircuitBreakerConfig>()
const outlierSetting = settingsOf<OutlierConfig>()

const SlidingWindow: Schema.Decoder<SlidingWindowConfig> = Schema.Struct({
  kind: Schema.Literals(["count", "time"]).annotate({ message: 'must be "count" or "time"' }),
  calls: Schema.optionalKey(Schema.Number),
  seconds: Schema.optionalKey(Schema.Number)
}).pipe(Schema.refine((w): w is SlidingWindowConfig => (w.kind === "count" ? w.calls : w.seconds) !== undefined, {
  message: "a count window needs calls, a time window seconds"
}))

const WINDOW_CALLS = integerFrom(1, MAX_WINDOW_CALLS), WINDOW_SECONDS = integerFrom(1, MAX_WINDOW_SECONDS)
const windowSize = Schema.makeFilter<CircuitBreakerConfig>(({ slidingWindow: w }) => {
  const [key, value, r] = w.kind === "count" ? ["calls", w.calls, WINDOW_CALLS] as const : ["seconds", w.seconds, WINDOW_SECONDS] as const
  return r.holds(value) || { path: ["slidingWindow", key], issue: r.must }
})
const minimumCallsFitWindow = Schema.makeFilter<CircuitBreakerConfig>(({ slidingWindow: w, minimumNumberOfCalls }) =>
  w.kind !== "count" || minimumNumberOfCalls <= w.calls || {
    path: ["minimumNumberOfCalls"],
    issue: `must not exceed slidingWindow.calls (${w.calls}): the window could never hold enough calls to be evaluated`
  }
)

const CircuitBreakerConfigSchema: Schema.Decoder<CircuitBreakerConfig> = Schema.Struct({
  slidingWindow: SlidingWindow,
  minimumNumberOfCalls: Schema.Number,
  failureRateThresholdPercent: Schema.Number,
  slowCallRateThresholdPercent: Schema.Number,
  slowCallDurationThresholdMs: Schema.Number,
  waitDurationInOpenStateMs: Schema.Number,
  permittedNumberOfCallsInHalfOpenState: Schema.Number,
  maxWaitDurationInHalfOpenStateMs: Schema.Number
}).check(Schema.makeFilterGroup([
  windowSize,
  minimumCallsFitWindow,
  breakerSetting("minimumNumberOfCalls", ANY_COUNT),
  breakerSetting("failureRateThresholdPercent", percent(true)),
  breakerSetting("slowCallRateThresholdPercent", percent(true)),
  breakerSetting("slowCallDurationThresholdMs", atLeast(0)),
  breakerSetting("waitDurationInOpenStateMs", above(0)),
  breakerSetting("permittedNumberOfCallsInHalfOpenState", WINDOW_CALLS),
  breakerSetting("maxWaitDurationInHalfOpenStateMs", atLeast(0))
]))

const OutlierConfigSchema: Schema.Decoder<OutlierConfig> = Schema.Struct({
  consecutiveFailures: Schema.Number,
  baseEjectionTimeMs: Schema.Number,
  maxEjectionTimeMs: Schema.Number,
  maxEjectionPercent: Schema.Number,
  ejectionDecayIntervalMs: Schema.Number
}).check(Schema.makeFilterGroup([
  outlierSetting("consecutiveFailures", ANY_COUNT),
  outlierSetting("baseEjectionTimeMs", above(0)),
  outlierSetting("maxEjectionTimeMs", (c) => atLeast(c.baseEjectionTimeMs)),
  outlierSetting("maxEjectionPercent", percent(false)),
  outlierSetting("ejectionDecayIntervalMs", above(0))
]))

/** One problem: the key at fault and the sentence that names it, its value and the rule. */
export interface SettingIssue {
  readonly key: string
  readonly problem: string
}

const standard = SchemaIssue.makeFormatterStandardSchemaV1()
const valueAt = (input: unknown, path: ReadonlyArray<PropertyKey>): unknown =>
  path.reduce<unknown>((v, key) => (typeof v === "object" && v !== null ? (v as Record<PropertyKey, unknown>)[key] : undefined), input)
const shown = (value: unknown) => (typeof value === "object" && value !== null ? JSON.stringify(value) : String(value))

const issuesOf = <C>(schema: Schema.Decoder<C>) => {
  const decode = Schema.decodeUnknownResult(schema, { errors: "all" })
  return (input: unknown): Result.Result<C, ReadonlyArray<SettingIssue>> =>
    Result.mapError(decode(input), (error) =>
      standard(error.issue).issues.map((issue) => {
        const path = (issue.path ?? []).map((segment) => (typeof segment === "object" ? segment.key : segment))
        const key = renderPath(path), value = valueAt(input, path)
        return { key, problem: value === undefined ? `${key}: ${issue.message}` : `${key} (${shown(value)}) ${issue.message}` }
      }))
}

/** The config, or every problem it has. */
export const decodeCircuitBreakerConfig = issuesOf(CircuitBreakerConfigSchema)
/** The config, or every problem it has. */
export const decodeOutlierConfig = issuesOf(OutlierConfigSchema)

const valid = <C>(kind: BreakerConfigError["config"], decoded: Result.Result<C, ReadonlyArray<SettingIssue>>): C =>
  Result.getOrThrowWith(decoded, (issues) => new BreakerConfigError({ config: kind, problems: issues.map((i) => i.problem) }))

/** The config itself; throws `BreakerConfigError` listing every problem if it has any. */
export const validCircuitBreakerConfig = (config: CircuitBreakerConfig): CircuitBreakerConfig =>
  valid("circuitBreaker", decodeCircuitBreakerConfig(config))

/** The config itself; throws `BreakerConfigError` listing every problem if it has any. */
export const validOutlierConfig = (config: OutlierConfig): OutlierConfig =>
  valid("outlierDetection", decodeOutlierConfig(config))
