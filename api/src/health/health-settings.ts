/**
 * Settings of the fleet-health trigger (docs/balancer.md, "Fleet-wide trigger"): which
 * Prometheus to ask, how often and how patiently, and the signals it asks about, each a PromQL
 * template with `$region` and a threshold. Defaults are named constants with their unit; the
 * default queries read the series the shipped recording rules record
 * (dashboards/src/recording-rules.ts: `target:dispatch_balancer_*:*1m`), so what opens a
 * breaker is what the balancer dashboard shows.
 */

/** How often every gateway asks (ms): a few scrapes, so the signal has moved between two asks. */
export const DEFAULT_HEALTH_INTERVAL_MS = 5_000
/** How long one query may take (ms) before it counts as "Prometheus slow": no verdict, fail-static. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 2_000
/** Placeholder the templates carry; replaced by the region (a token: `[A-Za-z0-9_-]`, safe in a label matcher). */
export const REGION_PLACEHOLDER = "$region"

/**
 * Calls per second a region must carry fleet-wide before its rates count: the fleet-wide
 * counterpart of the breaker's minimum calls (60 calls a minute), so that a few failed probes
 * of an idle region do not open it on every gateway.
 */
export const DEFAULT_HEALTH_MIN_RATE = 1

/**
 * Error ratio (0-1) over 1 minute, summed over every caller and gateway: failed calls (error,
 * timeout, no responders) over calls made. The breaker's own default failure rate is 50 %.
 */
export const DEFAULT_ERROR_RATIO_QUERY =
  `target:dispatch_balancer_error_ratio:rate1m{target="${REGION_PLACEHOLDER}"} and on (target) target:dispatch_balancer_requests:rate1m{target="${REGION_PLACEHOLDER}"} >= ${DEFAULT_HEALTH_MIN_RATE}`
export const DEFAULT_ERROR_RATIO_THRESHOLD = 0.5

/**
 * p99 of a call to the region over 1 minute (seconds), over every caller and gateway. 1 s is
 * the default per-try timeout: a p99 there means at least 1 % of calls time out.
 */
export const DEFAULT_LATENCY_QUERY =
  `target:dispatch_balancer_request_duration_seconds:p99_rate1m{target="${REGION_PLACEHOLDER}"} and on (target) target:dispatch_balancer_requests:rate1m{target="${REGION_PLACEHOLDER}"} >= ${DEFAULT_HEALTH_MIN_RATE}`
export const DEFAULT_LATENCY_THRESHOLD_SECONDS = 1

/** One health signal: the region breaches when the query's value is at or above `threshold`. */
export interface HealthSignal {
  /** A label value for metrics and logs (`error_ratio`, `p99_seconds`). */
  readonly name: string
  /** PromQL with `$region`; an instant vector (its highest sample counts) or a scalar. */
  readonly query: string
  readonly threshold: number
}

export interface HealthSettings {
  /** Base URL of the Prometheus HTTP API (`http://prometheus:9090`). */
  readonly prometheusUrl: string
  readonly intervalMs: number
  readonly timeoutMs: number
  /** At least one; a region breaches when any of them does. */
  readonly signals: ReadonlyArray<HealthSignal>
}

/** The query of `signal` for `region`. */
export const queryFor = (signal: HealthSignal, region: string): string => signal.query.replaceAll(REGION_PLACEHOLDER, region)
