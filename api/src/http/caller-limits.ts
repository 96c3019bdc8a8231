/**
 * Rate limiting of `/v1` requests, per caller and per region (docs/balancer.md, "Rate limits"):
 *
 * - the caller is the JWT's `sub` with authentication on (`--auth`), else the client's address
 *   (the TCP peer: behind a proxy every client shares the proxy's address);
 * - the region is the one the request is routed for (its caller region: `x-region`, else its
 *   market's home region, else the gateway's `--region`): the region whose weights route it,
 *   and the key its limit is kept under, `limits.<region>` (else `limits.default`) in KV
 *   `dispatch_config`, read from the live table at each request;
 * - over the limit: 429 `rate_limited` with `Retry-After` (seconds to the next token, rounded
 *   up) and the `RateLimit-Policy` / `RateLimit` fields of draft-ietf-httpapi-ratelimit-headers-10,
 *   counted in `dispatch_gateway_rate_limited_total{region}`. The request never reaches the
 *   balancer, so a limited caller costs no region anything.
 *
 * Time is the Effect clock's monotonic time (so tests can drive it), in whole microseconds.
 */
import { Clock, Context, Effect, Layer } from "effect"
import { GatewayMetrics } from "./gateway-metrics.ts"
import type { CurrentCallerShape } from "./authentication.ts"
import { limitOf, type RegionTable } from "../regions/region-table.ts"
import { newDecision, RateLimiter, windowSeconds } from "../ratelimit/rate-limiter.ts"

/** A refused request: what the 429 says. */
export interface RateLimited {
  readonly _tag: "RateLimited"
  readonly region: string
  readonly retryAfterSeconds: number
  /** Response fields: `retry-after`, `ratelimit-policy`, `ratelimit`. */
  readonly headers: Readonly<Record<string, string>>
}

export class CallerLimits extends Context.Service<CallerLimits, {
  /** Undefined: the request may go on (no limit for the region, or a token was taken). */
  readonly check: (table: RegionTable, region: string, caller: string) => RateLimited | undefined
}>()("dispatch/CallerLimits") {
  static readonly layer = Layer.effect(CallerLimits, Effect.gen(function*() {
    const clock = yield* Clock.Clock
    const { metrics } = yield* GatewayMetrics
    const limiter = new RateLimiter({
      events: {
        onBuckets: (region, size) => metrics.rateLimitBuckets.set({ region }, size),
        onEvictedEarly: (region) => metrics.rateLimitEvictions.inc({ region })
      }
    })
    // Filled by each check and read before the next: checks are synchronous.
    const decision = newDecision()
    return CallerLimits.of({
      check: (table, region, caller) => {
        const limit = limitOf(table, region)
        if (limit === undefined) return undefined
        const nowUs = Number(clock.monotonicTimeNanosUnsafe() / 1_000n)
        if (limiter.check(region, caller, limit, nowUs, decision).allowed) return undefined
        metrics.rateLimited.inc({ region })
        const policy = JSON.stringify(region)
        return {
          _tag: "RateLimited",
          region,
          retryAfterSeconds: decision.retryAfterSeconds,
          headers: {
            "retry-after": String(decision.retryAfterSeconds),
            "ratelimit-policy": `${policy};q=${limit.burst};w=${windowSeconds(limit)}`,
            "ratelimit": `${policy};r=${decision.remaining};t=${decision.resetSeconds}`
          }
        }
      }
    })
  }))
}

/** Whose bucket a request takes from: the token's subject, else the client's address (prefixed, so the two never collide). */
export const callerKey = (caller: CurrentCallerShape, remoteAddress: string | undefined): string =>
  caller._tag === "Authenticated" ? `sub:${caller.sub}` : `addr:${remoteAddress ?? "unknown"}`
