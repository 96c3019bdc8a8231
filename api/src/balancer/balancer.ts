/**
 * The region balancer: sends one intake operation to a target region chosen by weight among
 * those that admit it, fails over within the request's deadline, and when no region is left
 * runs the global fallback (docs/balancer.md, "Routing").
 *
 * Per request:
 *  - weights `W[caller][*]` are read from the live region table at every call (a change applies
 *    to the next request); a drained region weighs 0;
 *  - eligible = weight > 0, not ejected by outlier detection, and its breaker admits;
 *  - one NATS request per try, timed out at min(per-try timeout, time left to the deadline);
 *    no responders, a timeout or an `internal` reply is a failure: the breaker and the detector
 *    hear of it and the next target is drawn (each at most once). No responders (no intake of
 *    the region is subscribed: the server answers a 503 status at once, nats.js rejects with
 *    `RequestError.isNoResponders()`) costs one round trip, never the per-try timeout, and is
 *    counted as its own outcome, `no_responders`, so a region without engines shows as such;
 *  - an answer, including a refusal (`invalid`, `not_found`, `outside_market`), is a success:
 *    the region works, the request was wrong;
 *  - nothing left (or the deadline passed): the fallback runs the intake's own code in the
 *    gateway (region-intake.ts `makeIntake`: ORDERS with `Nats-Msg-Id` = orderId + the ride
 *    record), so an accepted order is durable and decided once an engine consumes it; if that
 *    fails too, `Unavailable` with a Retry-After from the breakers.
 *
 * Lanes (docs/balancer.md, "Lanes"): a request of a lane other than main goes to the chosen
 * region's lane subject `dispatch.rpc.<region>.lane.<lane>.<operation>` first, with the
 * `Dispatch-Lane` header; no responders there (no intake of that lane in the region) sends it
 * to the region's main intake within the same try, header kept (the request stays canary
 * traffic), counted `dispatch_lane_fallbacks_total`. That is not a failure of the region: its
 * breaker and the detector see one call, the main intake's outcome. A main-lane request is
 * exactly what it was: one request, no header.
 *
 * A retried or failed-over ride request cannot become two orders: the orderId is fixed before
 * the first try, JetStream drops a second publish with the same msgID, and the ride record is
 * created once (first writer wins).
 */
import { headers, RequestError, TimeoutError, type MsgHdrs } from "@nats-io/transport-node"
import { Context, Effect } from "effect"
import { LANE_HEADER, MAIN_LANE, makeIntake, subjects, type Intake, type IntakeOperation, type IntakeReply, type IntakeRequest, type MarketCatalog, type NatsClient } from "#engine"
import type { BalancerMetrics } from "../observability/metrics.ts"
import { Failover } from "../breaker/weighted-choice.ts"
import { RegionConfig, weightsOf } from "../regions/region-table.ts"
import type { Targets } from "./targets.ts"

/** Whole-request budget and per-try timeout defaults (ms): an intake answers in ~1 ms. */
export const DEFAULT_REQUEST_DEADLINE_MS = 3_000
export const DEFAULT_TRY_TIMEOUT_MS = 1_000
/** Retry-After when no breaker can say when it will admit again (ms). */
const DEFAULT_RETRY_AFTER_MS = 1_000

export interface BalancerSettings {
  readonly deadlineMs: number
  readonly tryTimeoutMs: number
}

export const DEFAULT_BALANCER_SETTINGS: BalancerSettings = { deadlineMs: DEFAULT_REQUEST_DEADLINE_MS, tryTimeoutMs: DEFAULT_TRY_TIMEOUT_MS }

export type CallResult<O extends IntakeOperation> =
  /** A target region answered (maybe with a refusal, which is a value). */
  | { readonly _tag: "Answered"; readonly target: string; readonly reply: IntakeReply<O> }
  /** No region could take it; the gateway stored it itself. */
  | { readonly _tag: "Fallback"; readonly reply: IntakeReply<O> }
  /** Neither: the client should retry after `retryAfterMs`. */
  | { readonly _tag: "Unavailable"; readonly retryAfterMs: number; readonly detail: string }

export class Balancer extends Context.Service<Balancer, {
  /**
   * `traceparent`: the gateway span's, sent on to the region (and the fallback's order events).
   * `lane`: the request's lane (default main), already checked against the table.
   */
  readonly call: <O extends IntakeOperation>(caller: string, operation: O, request: IntakeRequest<O>, traceparent?: string, lane?: string) => Effect.Effect<CallResult<O>>
}>()("dispatch/Balancer") {}

const textDecoder = new TextDecoder()

type TryOutcome = "ok" | "error" | "timeout" | "no_responders"

/** How a failed request ended: the server's "no responders" status, a timeout, or anything else (a closed connection). */
const failureOf = (e: unknown): TryOutcome =>
  e instanceof TimeoutError ? "timeout" : e instanceof RequestError && e.isNoResponders() ? "no_responders" : "error"

/** The reply's JSON if it has the contract's shape (`ok` boolean); our own engines send it. */
const parseReply = (data: Uint8Array): { readonly ok: boolean; readonly error?: { readonly code?: unknown } } | undefined => {
  try {
    const json = JSON.parse(textDecoder.decode(data)) as unknown
    return typeof json === "object" && json !== null && typeof (json as { ok?: unknown }).ok === "boolean" ? json as { ok: boolean } : undefined
  } catch {
    return undefined
  }
}

export interface BalancerDeps {
  readonly client: NatsClient
  readonly catalog: MarketCatalog
  readonly targets: Targets
  readonly metrics: BalancerMetrics
  readonly settings: BalancerSettings
  /** Uniform [0, 1) draws for the weighted choice (seeded in tests). */
  readonly random?: () => number
}

export const makeBalancer = (deps: BalancerDeps) =>
  Effect.gen(function*() {
    const config = yield* RegionConfig
    const { client, targets, metrics, settings } = deps
    const random = deps.random ?? Math.random
    const { regions, breakers, outliers, now } = targets
    const fallback: Intake = yield* Effect.promise(() => makeIntake(client, deps.catalog, { acceptedBy: "fallback" }))

    /** One lane call whose lane has no intake in `target`: its main intake answers instead, within what is left of the try. */
    const laneFallback = (caller: string, target: string, lane: string, operation: IntakeOperation, payload: string, withHeaders: { readonly headers?: MsgHdrs }, timeoutUntil: number) => {
      metrics.laneFallbacks.inc({ caller, target, lane })
      return client.nc.request(subjects.regionRpc(target, operation), payload, { timeout: Math.max(1, timeoutUntil - now()), ...withHeaders })
    }

    const route = async <O extends IntakeOperation>(caller: string, operation: O, request: IntakeRequest<O>, weights: ReadonlyArray<number>, traceparent: string | undefined, lane: string): Promise<CallResult<O>> => {
      const started = now()
      const deadline = started + settings.deadlineMs
      const payload = JSON.stringify(request)
      // A header block only when there is something in it (a trace to continue, a lane): an
      // empty one is still encoded and sent as an HPUB frame on every request.
      const laned = lane !== MAIN_LANE
      let withHeaders: { readonly headers?: MsgHdrs } = {}
      if (traceparent !== undefined || laned) {
        const h = headers()
        if (traceparent !== undefined) h.set("traceparent", traceparent)
        if (laned) h.set(LANE_HEADER, lane)
        withHeaders = { headers: h }
      }
      const failover = new Failover()
      let tries = 0
      for (;;) {
        const t = now()
        if (t >= deadline) break
        const i = failover.next(weights, random(), (k) => !outliers.isEjected(regions[k]!, t) && breakers[k]!.admits(t))
        if (i < 0) break
        const target = regions[i]!
        const breaker = breakers[i]!
        const permit = breaker.tryAcquire(t)
        if (permit._tag === "Rejected") {
          metrics.balancerRequests.inc({ caller, target, lane, outcome: "rejected" })
          continue
        }
        if (tries++ > 0) metrics.balancerFailovers.inc({ caller, target })
        let outcome: TryOutcome
        let reply: ReturnType<typeof parseReply>
        try {
          const timeout = Math.max(1, Math.min(settings.tryTimeoutMs, deadline - t))
          const msg = laned
            ? await client.nc.request(subjects.laneRpc(target, lane, operation), payload, { timeout, ...withHeaders }).catch((e: unknown) => {
              if (failureOf(e) !== "no_responders") throw e
              return laneFallback(caller, target, lane, operation, payload, withHeaders, t + timeout)
            })
            : await client.nc.request(subjects.regionRpc(target, operation), payload, { timeout, ...withHeaders })
          reply = parseReply(msg.data)
          outcome = reply === undefined || (!reply.ok && reply.error?.code === "internal") ? "error" : "ok"
        } catch (e) {
          outcome = failureOf(e)
        }
        const end = now()
        metrics.balancerRequests.inc({ caller, target, lane, outcome })
        metrics.balancerLatency.observe({ caller, target, lane }, (end - t) / 1000)
        if (outcome === "ok") {
          breaker.onSuccess(permit, end - t, end)
          outliers.onSuccess(target, end)
          return { _tag: "Answered", target, reply: reply as IntakeReply<O> }
        }
        breaker.onError(permit, end - t, end)
        outliers.onFailure(target, end)
      }
      try {
        const reply = await (fallback[operation] as (r: IntakeRequest<O>, t?: string, l?: string) => Promise<IntakeReply<O>>)(request, traceparent, lane)
        metrics.balancerFallbacks.inc({ caller, outcome: "queued" })
        return { _tag: "Fallback", reply }
      } catch (e) {
        metrics.balancerFallbacks.inc({ caller, outcome: "failed" })
        const t = now()
        const waits = breakers.map((b) => b.retryAfterMs(t)).filter((ms): ms is number => ms !== undefined && ms > 0)
        return { _tag: "Unavailable", retryAfterMs: waits.length > 0 ? Math.min(...waits) : DEFAULT_RETRY_AFTER_MS, detail: e instanceof Error ? e.message : String(e) }
      }
    }

    return Balancer.of({
      call: (caller, operation, request, traceparent, lane = MAIN_LANE) =>
        Effect.flatMap(config.current, (table) => {
          const w = weightsOf(table, caller)
          const weights = regions.map((r) => (table.drained.has(r) ? 0 : (w.get(r) ?? 0)))
          return Effect.promise(() => route(caller, operation, request, weights, traceparent, lane))
        })
    })
  })
