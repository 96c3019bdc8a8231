/**
 * `dispatch api`'s fleet-health flags (docs/balancer.md, "Fleet-wide trigger"): off unless
 * `--health-prometheus` names a Prometheus; the other flags have documented defaults. A bad
 * value is refused in one line per problem, never adjusted.
 */
import { Option, Result } from "effect"
import { CliError, Flag } from "effect/cli"
import { above, between, finiteFlag, intFlag, stringFlag } from "#engine"
import {
  DEFAULT_ERROR_RATIO_QUERY,
  DEFAULT_ERROR_RATIO_THRESHOLD,
  DEFAULT_HEALTH_INTERVAL_MS,
  DEFAULT_HEALTH_TIMEOUT_MS,
  DEFAULT_LATENCY_QUERY,
  DEFAULT_LATENCY_THRESHOLD_SECONDS,
  type HealthSettings,
  type HealthSignal,
  REGION_PLACEHOLDER
} from "../health/health-settings.ts"

export const healthFlags = {
  healthPrometheus: stringFlag("health-prometheus", "DISPATCH_HEALTH_PROMETHEUS").pipe(
    Flag.optional,
    Flag.withDescription("base URL of a Prometheus whose per-region health queries force a region's breaker open on this gateway while it breaches, e.g. http://127.0.0.1:9090 (env DISPATCH_HEALTH_PROMETHEUS; default: off)")
  ),
  healthIntervalMs: intFlag("health-interval-ms", between(100, 600_000), "DISPATCH_HEALTH_INTERVAL_MS").pipe(
    Flag.withDefault(DEFAULT_HEALTH_INTERVAL_MS),
    Flag.withDescription(`pause between two rounds of health queries, ms (env DISPATCH_HEALTH_INTERVAL_MS; default ${DEFAULT_HEALTH_INTERVAL_MS})`)
  ),
  healthTimeoutMs: intFlag("health-timeout-ms", between(10, 60_000), "DISPATCH_HEALTH_TIMEOUT_MS").pipe(
    Flag.withDefault(DEFAULT_HEALTH_TIMEOUT_MS),
    Flag.withDescription(`a health query not answered within this is a timeout: no verdict, fail-static, ms (env DISPATCH_HEALTH_TIMEOUT_MS; default ${DEFAULT_HEALTH_TIMEOUT_MS})`)
  ),
  healthErrorQuery: stringFlag("health-error-query", "DISPATCH_HEALTH_ERROR_QUERY").pipe(
    Flag.withDefault(DEFAULT_ERROR_RATIO_QUERY),
    Flag.withDescription(`PromQL of a region's error ratio, with ${REGION_PLACEHOLDER} for the region; "" turns this signal off (env DISPATCH_HEALTH_ERROR_QUERY; default ${DEFAULT_ERROR_RATIO_QUERY})`)
  ),
  healthErrorThreshold: finiteFlag("health-error-threshold", above(0), "DISPATCH_HEALTH_ERROR_THRESHOLD").pipe(
    Flag.withDefault(DEFAULT_ERROR_RATIO_THRESHOLD),
    Flag.withDescription(`a region whose error query is at or above this breaches (env DISPATCH_HEALTH_ERROR_THRESHOLD; default ${DEFAULT_ERROR_RATIO_THRESHOLD})`)
  ),
  healthLatencyQuery: stringFlag("health-latency-query", "DISPATCH_HEALTH_LATENCY_QUERY").pipe(
    Flag.withDefault(DEFAULT_LATENCY_QUERY),
    Flag.withDescription(`PromQL of a region's p99 call latency in seconds, with ${REGION_PLACEHOLDER}; "" turns this signal off (env DISPATCH_HEALTH_LATENCY_QUERY; default ${DEFAULT_LATENCY_QUERY})`)
  ),
  healthLatencyThreshold: finiteFlag("health-latency-threshold", above(0), "DISPATCH_HEALTH_LATENCY_THRESHOLD").pipe(
    Flag.withDefault(DEFAULT_LATENCY_THRESHOLD_SECONDS),
    Flag.withDescription(`a region whose latency query is at or above this breaches, seconds (env DISPATCH_HEALTH_LATENCY_THRESHOLD; default ${DEFAULT_LATENCY_THRESHOLD_SECONDS})`)
  )
}

interface HealthFlagValues {
  readonly healthPrometheus: Option.Option<string>
  readonly healthIntervalMs: number
  readonly healthTimeoutMs: number
  readonly healthErrorQuery: string
  readonly healthErrorThreshold: number
  readonly healthLatencyQuery: string
  readonly healthLatencyThreshold: number
}

/** The trigger's settings, undefined when off; every problem named by its flag. */
export const healthSettings = (flags: HealthFlagValues): Result.Result<HealthSettings | undefined, CliError.UserError> => {
  if (Option.isNone(flags.healthPrometheus)) return Result.succeed(undefined)
  const url = flags.healthPrometheus.value
  const problems: Array<string> = []
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) problems.push(`--health-prometheus: ${JSON.stringify(url)} is not an http:// or https:// URL`)
  const candidates: ReadonlyArray<readonly [string, HealthSignal]> = [
    ["health-error-query", { name: "error_ratio", query: flags.healthErrorQuery.trim(), threshold: flags.healthErrorThreshold }],
    ["health-latency-query", { name: "p99_seconds", query: flags.healthLatencyQuery.trim(), threshold: flags.healthLatencyThreshold }]
  ]
  const signals = candidates.filter(([, s]) => s.query !== "")
  for (const [flag, s] of signals) {
    if (!s.query.includes(REGION_PLACEHOLDER)) problems.push(`--${flag}: must contain ${REGION_PLACEHOLDER} (the region it judges)`)
  }
  if (signals.length === 0) problems.push("--health-error-query and --health-latency-query are both empty: the trigger would have no signal (leave out --health-prometheus to turn it off)")
  if (problems.length > 0) return Result.fail(new CliError.UserError({ cause: problems, userMessage: `dispatch api: refused settings:\n  ${problems.join("\n  ")}` }))
  return Result.succeed({ prometheusUrl: url, intervalMs: flags.healthIntervalMs, timeoutMs: flags.healthTimeoutMs, signals: signals.map(([, s]) => s) })
}
