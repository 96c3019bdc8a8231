/**
 * `dispatch api`: the HTTP gateway. Each setting is a flag with an environment variable behind
 * it and a documented default (docs/api.md, "Configuration"); the NATS, market, region and log
 * settings are the engine's own flags, so both processes read the same variables the same way.
 */
import { Config, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { logFormatFlag, loggerLayer, marketFilesFlag, marketFilesFromEnv, natsFlags, natsSettings, regionFlag, splitList } from "#engine"
import { DEFAULT_BALANCER_SETTINGS } from "../balancer/balancer.ts"
import {
  DEFAULT_BASE_EJECTION_TIME_MS,
  DEFAULT_CONSECUTIVE_FAILURES,
  DEFAULT_FAILURE_RATE_THRESHOLD_PERCENT,
  DEFAULT_MINIMUM_NUMBER_OF_CALLS,
  DEFAULT_OUTLIER_CONFIG,
  DEFAULT_PERMITTED_NUMBER_OF_CALLS_IN_HALF_OPEN_STATE,
  DEFAULT_SLIDING_WINDOW_CALLS,
  DEFAULT_SLOW_CALL_DURATION_THRESHOLD_MS,
  DEFAULT_WAIT_DURATION_IN_OPEN_STATE_MS,
  DEFAULT_CIRCUIT_BREAKER_CONFIG
} from "../breaker/breaker-config.ts"
import { regionsFlag } from "../regions/regions-config.ts"
import { runGateway } from "./gateway.ts"

export const DEFAULT_API_PORT = 8080
export const DEFAULT_API_HOST = "127.0.0.1"

const env = <A>(flag: Flag.Flag<A>, config: Config.Config<A>) => flag.pipe(Flag.withFallbackConfig(config))
const intIn = (name: string, env_: string, fallback: number, min: number, max: number, what: string) =>
  env(Flag.Int(name), Config.Int(env_)).pipe(
    Flag.withDefault(fallback),
    Flag.filter((n) => n >= min && n <= max, (n) => `--${name} must be ${min}..${max}, got ${n}`),
    Flag.withDescription(`${what} (env ${env_}; default ${fallback})`)
  )

export const apiFlags = {
  ...natsFlags,
  host: env(Flag.String("host"), Config.String("DISPATCH_API_HOST")).pipe(
    Flag.withDefault(DEFAULT_API_HOST),
    Flag.withDescription(`address to listen on (env DISPATCH_API_HOST; default ${DEFAULT_API_HOST}; 0.0.0.0 for every interface)`)
  ),
  port: intIn("port", "DISPATCH_API_PORT", DEFAULT_API_PORT, 0, 65_535, "HTTP port; 0 picks a free one"),
  regions: regionsFlag,
  region: regionFlag,
  marketFiles: marketFilesFlag,
  deadlineMs: intIn("deadline-ms", "DISPATCH_API_DEADLINE_MS", DEFAULT_BALANCER_SETTINGS.deadlineMs, 10, 60_000, "budget of one request across every region tried, ms"),
  tryTimeoutMs: intIn("try-timeout-ms", "DISPATCH_API_TRY_TIMEOUT_MS", DEFAULT_BALANCER_SETTINGS.tryTimeoutMs, 5, 60_000, "timeout of one NATS request to one region, ms"),
  breakerWindow: intIn("breaker-window", "DISPATCH_BREAKER_WINDOW", DEFAULT_SLIDING_WINDOW_CALLS, 1, 100_000, "breaker sliding window, calls"),
  breakerMinCalls: intIn("breaker-min-calls", "DISPATCH_BREAKER_MIN_CALLS", DEFAULT_MINIMUM_NUMBER_OF_CALLS, 1, 100_000, "calls the window needs before its rates count (<= window)"),
  breakerFailureRate: intIn("breaker-failure-rate", "DISPATCH_BREAKER_FAILURE_RATE", DEFAULT_FAILURE_RATE_THRESHOLD_PERCENT, 1, 100, "failure rate that opens the breaker, %"),
  breakerSlowCallMs: intIn("breaker-slow-call-ms", "DISPATCH_BREAKER_SLOW_CALL_MS", DEFAULT_SLOW_CALL_DURATION_THRESHOLD_MS, 0, 600_000, "a call slower than this is slow, ms"),
  breakerOpenMs: intIn("breaker-open-ms", "DISPATCH_BREAKER_OPEN_MS", DEFAULT_WAIT_DURATION_IN_OPEN_STATE_MS, 1, 3_600_000, "how long an open breaker rejects before probing, ms"),
  breakerHalfOpenCalls: intIn("breaker-half-open-calls", "DISPATCH_BREAKER_HALF_OPEN_CALLS", DEFAULT_PERMITTED_NUMBER_OF_CALLS_IN_HALF_OPEN_STATE, 1, 100_000, "probes a half-open breaker lets through"),
  outlierFailures: intIn("outlier-failures", "DISPATCH_OUTLIER_FAILURES", DEFAULT_CONSECUTIVE_FAILURES, 1, 100_000, "consecutive failures that eject a region"),
  outlierEjectionMs: intIn("outlier-ejection-ms", "DISPATCH_OUTLIER_EJECTION_MS", DEFAULT_BASE_EJECTION_TIME_MS, 1, 3_600_000, "base ejection time, ms"),
  logFormat: logFormatFlag
}

export const apiCommand = Command.make("api", apiFlags, (flags) =>
  runGateway({
    nats: natsSettings(flags, `dispatch-api@${flags.host}:${flags.port}`),
    host: flags.host,
    port: flags.port,
    regions: flags.regions,
    ownRegion: flags.region,
    marketFiles: Option.match(flags.marketFiles, { onNone: () => marketFilesFromEnv({}), onSome: splitList }),
    balancer: { deadlineMs: flags.deadlineMs, tryTimeoutMs: Math.min(flags.tryTimeoutMs, flags.deadlineMs) },
    targets: {
      breaker: {
        ...DEFAULT_CIRCUIT_BREAKER_CONFIG,
        slidingWindow: { kind: "count", calls: flags.breakerWindow },
        minimumNumberOfCalls: Math.min(flags.breakerMinCalls, flags.breakerWindow),
        failureRateThresholdPercent: flags.breakerFailureRate,
        slowCallDurationThresholdMs: flags.breakerSlowCallMs,
        waitDurationInOpenStateMs: flags.breakerOpenMs,
        permittedNumberOfCallsInHalfOpenState: flags.breakerHalfOpenCalls
      },
      outlier: {
        ...DEFAULT_OUTLIER_CONFIG,
        consecutiveFailures: flags.outlierFailures,
        baseEjectionTimeMs: flags.outlierEjectionMs,
        maxEjectionTimeMs: Math.max(DEFAULT_OUTLIER_CONFIG.maxEjectionTimeMs, flags.outlierEjectionMs)
      }
    }
  }).pipe(Effect.scoped, Effect.provide(loggerLayer(flags.logFormat)))
).pipe(Command.withDescription("Run the HTTP gateway: routes rides and driver updates to regional engines through the region balancer (docs/api.md)."))
