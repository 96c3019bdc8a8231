/**
 * `dispatch api`: the HTTP gateway. Each setting is a flag with an environment variable behind
 * it and a documented default (docs/api.md, "Configuration"); the NATS, market, region and log
 * settings are the flags the engine shares, so both processes read the same variables the
 * same way. Settings that must agree with each other (the breaker's minimum calls and its
 * window) are checked before the gateway starts, and a bad one is refused, never adjusted.
 */
import { Effect, Option, Result } from "effect"
import { CliError, Command, Flag } from "effect/cli"
import { between, intFlag, laneFlag, logFormatFlag, loggerLayer, marketFilesFlag, natsFlags, natsSettings, type Range, regionFlag, stringFlag } from "#engine"
import { DEFAULT_BALANCER_SETTINGS } from "../balancer/balancer.ts"
import type { TargetSettings } from "../balancer/targets.ts"
import {
  DEFAULT_BASE_EJECTION_TIME_MS,
  DEFAULT_CIRCUIT_BREAKER_CONFIG,
  DEFAULT_CONSECUTIVE_FAILURES,
  DEFAULT_FAILURE_RATE_THRESHOLD_PERCENT,
  DEFAULT_MINIMUM_NUMBER_OF_CALLS,
  DEFAULT_OUTLIER_CONFIG,
  DEFAULT_PERMITTED_NUMBER_OF_CALLS_IN_HALF_OPEN_STATE,
  DEFAULT_SLIDING_WINDOW_CALLS,
  DEFAULT_SLOW_CALL_DURATION_THRESHOLD_MS,
  DEFAULT_WAIT_DURATION_IN_OPEN_STATE_MS,
  decodeCircuitBreakerConfig,
  decodeOutlierConfig,
  MAX_WINDOW_CALLS,
  type SettingIssue
} from "../breaker/breaker-config.ts"
import { regionsFlag } from "../regions/regions-config.ts"
import { authFlags, authSettings } from "./auth-flags.ts"
import { healthFlags, healthSettings } from "./health-flags.ts"
import { runGateway } from "./gateway.ts"
import { tokenCommand } from "./token-command.ts"

export const DEFAULT_API_PORT = 8080
export const DEFAULT_API_HOST = "127.0.0.1"

const intSetting = (name: string, env: string, fallback: number, range: Range, what: string) =>
  intFlag(name, range, env).pipe(Flag.withDefault(fallback), Flag.withDescription(`${what} (env ${env}; default ${fallback})`))

export const apiFlags = {
  ...natsFlags,
  host: stringFlag("host", "DISPATCH_API_HOST").pipe(
    Flag.withDefault(DEFAULT_API_HOST),
    Flag.withDescription(`address to listen on (env DISPATCH_API_HOST; default ${DEFAULT_API_HOST}; 0.0.0.0 for every interface)`)
  ),
  opsNkey: stringFlag("ops-nkey", "DISPATCH_OPS_NKEY").pipe(
    Flag.optional,
    Flag.withDescription("the ops role's nkey seed file: the admin API's writes to KV dispatch_config connect with it, as only ops may write there (env DISPATCH_OPS_NKEY; docs/security.md)")
  ),
  port: intSetting("port", "DISPATCH_API_PORT", DEFAULT_API_PORT, between(0, 65_535), "HTTP port; 0 picks a free one"),
  regions: regionsFlag,
  region: regionFlag,
  lane: laneFlag,
  marketFiles: marketFilesFlag,
  deadlineMs: intSetting("deadline-ms", "DISPATCH_API_DEADLINE_MS", DEFAULT_BALANCER_SETTINGS.deadlineMs, between(10, 60_000), "budget of one request across every region tried, ms"),
  tryTimeoutMs: intSetting("try-timeout-ms", "DISPATCH_API_TRY_TIMEOUT_MS", DEFAULT_BALANCER_SETTINGS.tryTimeoutMs, between(5, 60_000), "timeout of one NATS request to one region, ms"),
  breakerWindow: intSetting("breaker-window", "DISPATCH_BREAKER_WINDOW", DEFAULT_SLIDING_WINDOW_CALLS, between(1, MAX_WINDOW_CALLS), "breaker sliding window, calls"),
  // No flag default: when not given it follows a smaller window, which is the window's default
  // and not the user's value being replaced; a given value above the window is refused.
  breakerMinCalls: intFlag("breaker-min-calls", between(1, MAX_WINDOW_CALLS), "DISPATCH_BREAKER_MIN_CALLS").pipe(
    Flag.optional,
    Flag.withDescription(`calls the window needs before its rates count, at most --breaker-window (env DISPATCH_BREAKER_MIN_CALLS; default ${DEFAULT_MINIMUM_NUMBER_OF_CALLS}, or the window if smaller)`)
  ),
  breakerFailureRate: intSetting("breaker-failure-rate", "DISPATCH_BREAKER_FAILURE_RATE", DEFAULT_FAILURE_RATE_THRESHOLD_PERCENT, between(1, 100), "failure rate that opens the breaker, %"),
  breakerSlowCallMs: intSetting("breaker-slow-call-ms", "DISPATCH_BREAKER_SLOW_CALL_MS", DEFAULT_SLOW_CALL_DURATION_THRESHOLD_MS, between(0, 600_000), "a call slower than this is slow, ms"),
  breakerOpenMs: intSetting("breaker-open-ms", "DISPATCH_BREAKER_OPEN_MS", DEFAULT_WAIT_DURATION_IN_OPEN_STATE_MS, between(1, 3_600_000), "how long an open breaker rejects before probing, ms"),
  breakerHalfOpenCalls: intSetting("breaker-half-open-calls", "DISPATCH_BREAKER_HALF_OPEN_CALLS", DEFAULT_PERMITTED_NUMBER_OF_CALLS_IN_HALF_OPEN_STATE, between(1, MAX_WINDOW_CALLS), "probes a half-open breaker lets through"),
  outlierFailures: intSetting("outlier-failures", "DISPATCH_OUTLIER_FAILURES", DEFAULT_CONSECUTIVE_FAILURES, between(1, 100_000), "consecutive failures that eject a region"),
  outlierEjectionMs: intSetting("outlier-ejection-ms", "DISPATCH_OUTLIER_EJECTION_MS", DEFAULT_BASE_EJECTION_TIME_MS, between(1, 3_600_000), "base ejection time, ms"),
  logFormat: logFormatFlag,
  ...authFlags,
  ...healthFlags
}

type BreakerFlags = Pick<
  Command.Command.Config.Infer<typeof apiFlags>,
  "breakerWindow" | "breakerMinCalls" | "breakerFailureRate" | "breakerSlowCallMs" | "breakerOpenMs" | "breakerHalfOpenCalls" | "outlierFailures" | "outlierEjectionMs"
>

/** Which flag sets each breaker key, so that a refused setting is reported by the flag the user typed. */
const FLAG_OF_KEY: Readonly<Record<string, string>> = {
  "slidingWindow.calls": "breaker-window",
  minimumNumberOfCalls: "breaker-min-calls",
  failureRateThresholdPercent: "breaker-failure-rate",
  slowCallDurationThresholdMs: "breaker-slow-call-ms",
  waitDurationInOpenStateMs: "breaker-open-ms",
  permittedNumberOfCallsInHalfOpenState: "breaker-half-open-calls",
  consecutiveFailures: "outlier-failures",
  baseEjectionTimeMs: "outlier-ejection-ms"
}

const refused = (issues: ReadonlyArray<SettingIssue>) =>
  new CliError.UserError({
    cause: issues,
    userMessage: `dispatch api: refused settings:\n  ${issues.map((i) => `${FLAG_OF_KEY[i.key] === undefined ? "" : `--${FLAG_OF_KEY[i.key]}: `}${i.problem}`).join("\n  ")}`
  })

/** The breaker and detector settings the flags describe, decoded by their Schema. */
export const targetSettings = (flags: BreakerFlags): Result.Result<TargetSettings, CliError.UserError> => {
  const breaker = decodeCircuitBreakerConfig({
    ...DEFAULT_CIRCUIT_BREAKER_CONFIG,
    slidingWindow: { kind: "count", calls: flags.breakerWindow },
    minimumNumberOfCalls: Option.getOrElse(flags.breakerMinCalls, () => Math.min(DEFAULT_MINIMUM_NUMBER_OF_CALLS, flags.breakerWindow)),
    failureRateThresholdPercent: flags.breakerFailureRate,
    slowCallDurationThresholdMs: flags.breakerSlowCallMs,
    waitDurationInOpenStateMs: flags.breakerOpenMs,
    permittedNumberOfCallsInHalfOpenState: flags.breakerHalfOpenCalls
  })
  const outlier = decodeOutlierConfig({
    ...DEFAULT_OUTLIER_CONFIG,
    consecutiveFailures: flags.outlierFailures,
    baseEjectionTimeMs: flags.outlierEjectionMs,
    // The cap has no flag: it grows with a longer base rather than making the base invalid.
    maxEjectionTimeMs: Math.max(DEFAULT_OUTLIER_CONFIG.maxEjectionTimeMs, flags.outlierEjectionMs)
  })
  const issues = [...(Result.isFailure(breaker) ? breaker.failure : []), ...(Result.isFailure(outlier) ? outlier.failure : [])]
  return Result.isSuccess(breaker) && Result.isSuccess(outlier)
    ? Result.succeed({ breaker: breaker.success, outlier: outlier.success })
    : Result.fail(refused(issues))
}

export const apiCommand = Command.make("api", apiFlags, (flags) =>
  Effect.all([Effect.fromResult(targetSettings(flags)), authSettings(flags), Effect.fromResult(healthSettings(flags))]).pipe(
    Effect.flatMap(([targets, auth, health]) =>
      runGateway({
        auth,
        health,
        nats: natsSettings(flags, `dispatch-api@${flags.host}:${flags.port}`),
        opsNkeyFile: Option.getOrUndefined(flags.opsNkey),
        host: flags.host,
        port: flags.port,
        regions: flags.regions,
        ownRegion: flags.region,
        lane: flags.lane,
        marketFiles: flags.marketFiles,
        // A try is already capped by the time left of the deadline (balancer.ts).
        balancer: { deadlineMs: flags.deadlineMs, tryTimeoutMs: flags.tryTimeoutMs },
        targets
      }).pipe(Effect.scoped, Effect.provide(loggerLayer(flags.logFormat)))
    )
  )
).pipe(
  Command.withDescription("Run the HTTP gateway: routes rides and driver updates to regional engines through the region balancer (docs/api.md)."),
  Command.withSubcommands([tokenCommand])
)
