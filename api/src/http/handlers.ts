/**
 * The routes' implementations: resolve the caller region, build the intake request, call the
 * balancer, and turn its result into an HTTP answer. Decoding already happened (api.ts schemas);
 * refusals here are the ones only the gateway can make (unknown region, outside every market)
 * or the region's own answer (not found, invalid).
 *
 * Idempotency (`POST /v1/rides`): with an `Idempotency-Key`, the orderId is
 * `r_` + base64url(SHA-256(riderId, key)) truncated to 128 bits, so a retry names the same
 * order; the intake answers a known order with its stored first answer (ride record in KV,
 * created once), and JetStream drops a second publish with the same `Nats-Msg-Id`. Without a
 * key every POST is a new order (a random orderId). With authentication on, the riderId must
 * be the token's `sub` (403 otherwise), so a key is scoped per authenticated subject: two
 * riders sending the same key make two orders.
 *
 * Lanes (docs/balancer.md, "Lanes"): `x-dispatch-lane` names the request's lane (a token the
 * region table knows: `main` or a lane of some caller's shares), else the gateway's `--lane`
 * when it is not main (a canary gateway), else the caller's lane shares draw one (no shares:
 * main, no draw). A bad or unknown name is a 400 naming the header.
 *
 * Ownership (authentication on, authentication.ts): status and cancel carry the caller's id to
 * the intake, which answers another rider's ride as not found (404, not 403: an order id says
 * nothing about whether it exists); a driver sets only its own state (403 otherwise).
 */
import { Clock, Effect, Layer, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { HttpServerRequest, HttpServerResponse as Res } from "effect/http"
import { createHash, randomUUID } from "node:crypto"
import { DEFAULT_MAX_WAIT_MS, laneProblem, MAIN_LANE, startOrderSpan, type IntakeOperation, type IntakeReply, type IntakeRequest, type MarketCatalog, type NatsClient, type RideStatusReply } from "#engine"
import { Balancer, type CallResult } from "../balancer/balancer.ts"
import { CallerLimits, callerKey, type RateLimited } from "./caller-limits.ts"
import { drawLane, isKnownLane, knownLanes, RegionConfig, type RegionTable } from "../regions/region-table.ts"
import { DispatchApi } from "./api.ts"
import { CurrentCaller, type CurrentCallerShape } from "./authentication.ts"
import { GatewayMetrics } from "./gateway-metrics.ts"
import { errorResponse, type ErrorCode } from "./problems.ts"

export interface HandlerDeps {
  readonly catalog: MarketCatalog
  readonly client: NatsClient
  /** The caller region of requests that name none and have no market to go by (status, cancel). */
  readonly ownRegion: string
  /** The lane of requests without `x-dispatch-lane` (the gateway's `--lane`); main: the caller's lane shares draw. */
  readonly lane: string
}

/** A refusal or failure as the HTTP answer, counted when it refuses the client's input. */
type Refuse = (status: number, code: ErrorCode, message: string, path?: string, headers?: Record<string, string>) => Res.HttpServerResponse

export const orderIdFor = (riderId: string, idempotencyKey: string | undefined): string =>
  idempotencyKey === undefined
    ? `r_${randomUUID()}`
    : `r_${createHash("sha256").update(riderId).update("\u0000").update(idempotencyKey).digest("base64url").slice(0, 22)}`

const INTAKE_STATUS: Record<string, number> = { invalid: 400, not_found: 404, outside_market: 422, internal: 503 }

type OkReply<O extends IntakeOperation> = Extract<IntakeReply<O>, { readonly ok: true }>

/**
 * The balancer's result as either the region's successful reply (and whether the gateway's
 * fallback produced it) or the HTTP answer for everything else: no region and no fallback
 * (503 with Retry-After) or the region's refusal (its code and field).
 */
const settle = <O extends IntakeOperation>(result: CallResult<O> | RateLimited, refuse: Refuse):
  | { readonly _tag: "Reply"; readonly reply: OkReply<O> }
  | { readonly _tag: "Response"; readonly response: Res.HttpServerResponse } => {
  if (result._tag === "RateLimited") {
    const message = `too many requests to region ${result.region}: retry in ${result.retryAfterSeconds} s`
    return { _tag: "Response", response: refuse(429, "rate_limited", message, undefined, result.headers) }
  }
  if (result._tag === "Unavailable") {
    const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000))
    return { _tag: "Response", response: refuse(503, "unavailable", "no region can take the request now and it could not be queued; retry later", undefined, { "retry-after": String(seconds) }) }
  }
  const reply = result.reply
  if (reply.ok) return { _tag: "Reply", reply: reply as OkReply<O> }
  const code: ErrorCode = reply.error.code === "internal" ? "unavailable" : reply.error.code
  // The region names the intake request's field; the client knows the order id as the path's `id`.
  const path = reply.error.path === "orderId" ? "id" : reply.error.path
  return { _tag: "Response", response: refuse(INTAKE_STATUS[reply.error.code] ?? 503, code, reply.error.message, path) }
}

/** Where a request goes: its caller region and its lane. */
interface Route {
  readonly caller: string
  readonly lane: string
}

/**
 * One balancer call inside the gateway's span, a child of the client's `traceparent` when it
 * sent one: the region's intake, the order events and the engine continue the same trace.
 * First the caller's rate limit for the region (api/src/ratelimit): a refused request goes
 * no further.
 */
const tracedCall = <O extends IntakeOperation>(balancer: Balancer["Service"], route: Route, operation: O, request: IntakeRequest<O>, table: RegionTable) =>
  Effect.gen(function*() {
    const { caller, lane } = route
    const http = yield* HttpServerRequest.HttpServerRequest
    const limited = (yield* CallerLimits).check(table, caller, callerKey(yield* CurrentCaller, Option.getOrUndefined(http.remoteAddress)))
    if (limited !== undefined) return limited
    const incoming = http.headers["traceparent"]
    const { span, traceparent } = startOrderSpan(`dispatch.gateway.${operation}`, incoming, { "dispatch.operation": operation, "dispatch.caller": caller, "dispatch.lane": lane })
    return yield* balancer.call(caller, operation, request, traceparent, lane).pipe(Effect.ensuring(Effect.sync(() => span.end())))
  })

const rideView = (reply: RideStatusReply) => ({
  orderId: reply.orderId,
  market: reply.market,
  status: reply.status,
  acceptedAt: reply.acceptedAt,
  ...(reply.decision === undefined ? {} : { decision: reply.decision })
})

export const layerHandlers = (deps: HandlerDeps) => {
  const { catalog } = deps

  const context = Effect.gen(function*() {
    const { metrics, registry } = yield* GatewayMetrics
    const refuse: Refuse = (status, code, message, path, headers) => {
      if (status < 500 && code !== "not_found") metrics.ordersRejected.inc({ reason: code })
      return errorResponse(status, code, message, path, headers)
    }
    /** 403 when an authenticated caller names another subject than its own (`path`: the field that does). */
    const otherSubject = (caller: CurrentCallerShape, id: string, path: string): Res.HttpServerResponse | undefined => {
      if (caller._tag === "Anonymous" || caller.sub === id) return undefined
      metrics.authFailures.inc({ reason: "wrong_subject" })
      return errorResponse(403, "forbidden", `${path} must be the token's subject`, path)
    }
    return { balancer: yield* Balancer, config: yield* RegionConfig, refuse, registry, otherSubject }
  })

  /** The rider a status or cancel acts for: the token's, or anyone's without authentication. */
  const onBehalfOf = (caller: CurrentCallerShape) => (caller._tag === "Anonymous" ? {} : { riderId: caller.sub })

  /** `x-region` if given (must be a known region), else `fallback`. */
  const callerRegion = (table: RegionTable, header: string | undefined, fallback: string, refuse: Refuse): string | Res.HttpServerResponse => {
    if (header === undefined) return fallback
    if (table.regions.includes(header)) return header
    return refuse(400, "unknown_region", `unknown region ${JSON.stringify(header)}; known: ${table.regions.join(", ")}`, "x-region")
  }

  /** `x-dispatch-lane` if given (a lane the table knows), else the gateway's own lane, else drawn by the caller's lane shares. */
  const laneOf = (table: RegionTable, caller: string, header: string | undefined, refuse: Refuse): string | Res.HttpServerResponse => {
    if (header === undefined) return deps.lane !== MAIN_LANE || table.lanes.size === 0 ? deps.lane : drawLane(table, caller, Math.random)
    const problem = laneProblem(header)
    if (problem !== undefined) return refuse(400, "invalid", `a lane ${problem}`, "x-dispatch-lane")
    if (isKnownLane(table, header)) return header
    return refuse(400, "unknown_lane", `unknown lane ${JSON.stringify(header)}; known: ${knownLanes(table).join(", ")} (ops open a lane with \`dispatch regions set-lane\`)`, "x-dispatch-lane")
  }

  /** The caller region and the lane of a request, or the 400 refusing its `x-region` or `x-dispatch-lane`. */
  const routeOf = (
    table: RegionTable,
    headers: { readonly "x-region"?: string; readonly "x-dispatch-lane"?: string },
    fallback: string,
    refuse: Refuse
  ): Route | Res.HttpServerResponse => {
    const caller = callerRegion(table, headers["x-region"], fallback, refuse)
    if (typeof caller !== "string") return caller
    const lane = laneOf(table, caller, headers["x-dispatch-lane"], refuse)
    return typeof lane === "string" ? { caller, lane } : lane
  }

  const rides = HttpApiBuilder.group(DispatchApi, "rides", (handlers) =>
    Effect.gen(function*() {
      const { balancer, config, refuse, otherSubject } = yield* context
      return handlers
        .handle("createRide", ({ payload, headers }) =>
          Effect.gen(function*() {
            const forbidden = otherSubject(yield* CurrentCaller, payload.riderId, "riderId")
            if (forbidden !== undefined) return forbidden
            const table = yield* config.current
            const market = catalog.marketOf(payload.pickup.lat, payload.pickup.lng)
            if (market === undefined) return refuse(422, "outside_market", "the pickup is outside every market", "pickup")
            const route = routeOf(table, headers, market.homeRegion, refuse)
            if (!("caller" in route)) return route
            const requestedAt = yield* Clock.currentTimeMillis
            const result = yield* tracedCall(balancer, route, "ride-request", {
              orderId: orderIdFor(payload.riderId, headers["idempotency-key"]),
              riderId: payload.riderId,
              pickup: payload.pickup,
              dropoff: payload.dropoff,
              requestedAt,
              maxWaitMs: payload.maxWaitMs ?? DEFAULT_MAX_WAIT_MS
            }, table)
            const settled = settle(result, refuse)
            if (settled._tag === "Response") return settled.response
            const reply = settled.reply
            // The same answer for the first attempt and every retry: what the ride record says.
            const queued = reply.acceptedBy === "fallback"
            return Res.jsonUnsafe(
              { orderId: reply.orderId, market: reply.market, status: queued ? "queued" : "pending", acceptedAt: reply.acceptedAt },
              { status: queued ? 202 : 201, headers: reply.duplicate ? { "idempotent-replayed": "true" } : {} }
            )
          }))
        .handle("getRide", ({ params, headers }) =>
          Effect.gen(function*() {
            const table = yield* config.current
            const route = routeOf(table, headers, deps.ownRegion, refuse)
            if (!("caller" in route)) return route
            const result = yield* tracedCall(balancer, route, "ride-status", { orderId: params.id, ...onBehalfOf(yield* CurrentCaller) }, table)
            const settled = settle(result, refuse)
            return settled._tag === "Response" ? settled.response : Res.jsonUnsafe(rideView(settled.reply))
          }))
        .handle("cancelRide", ({ params, headers, query }) =>
          Effect.gen(function*() {
            const table = yield* config.current
            const route = routeOf(table, headers, deps.ownRegion, refuse)
            if (!("caller" in route)) return route
            const at = yield* Clock.currentTimeMillis
            const result = yield* tracedCall(balancer, route, "ride-cancel", { orderId: params.id, ...onBehalfOf(yield* CurrentCaller), reason: query.reason ?? "rider", at }, table)
            const settled = settle(result, refuse)
            if (settled._tag === "Response") return settled.response
            return Res.jsonUnsafe(rideView(settled.reply), { status: settled.reply.status === "cancelling" ? 202 : 200 })
          }))
    }))

  const drivers = HttpApiBuilder.group(DispatchApi, "drivers", (handlers) =>
    Effect.gen(function*() {
      const { balancer, config, refuse, otherSubject } = yield* context
      return handlers.handle("setDriverState", ({ params, payload, headers }) =>
        Effect.gen(function*() {
          const forbidden = otherSubject(yield* CurrentCaller, params.id, "id")
          if (forbidden !== undefined) return forbidden
          const market = catalog.marketOf(payload.lat, payload.lng)
          if (market === undefined) return refuse(422, "outside_market", "the position is outside every market", "lat")
          const table = yield* config.current
          const route = routeOf(table, headers, market.homeRegion, refuse)
          if (!("caller" in route)) return route
          const at = payload.at ?? (yield* Clock.currentTimeMillis)
          const result = yield* tracedCall(balancer, route, "driver-state", { driverId: params.id, lat: payload.lat, lng: payload.lng, status: payload.status, at }, table)
          const settled = settle(result, refuse)
          if (settled._tag === "Response") return settled.response
          return Res.jsonUnsafe({ driverId: settled.reply.driverId, market: settled.reply.market })
        }))
    }))

  const ops = HttpApiBuilder.group(DispatchApi, "ops", (handlers) =>
    Effect.gen(function*() {
      const { config, registry } = yield* context
      return handlers
        .handle("healthz", () => Effect.succeed({ status: "ok" as const }))
        .handle("readyz", () =>
          Effect.gen(function*() {
            const table = yield* config.current
            const nc = deps.client.nc
            const nats = nc.isClosed() ? "closed" : nc.info === undefined ? "connecting" : "connected"
            const ready = nats === "connected" && table.regions.length > 0
            return Res.jsonUnsafe({ ready, nats, regions: table.regions }, { status: ready ? 200 : 503 })
          }))
        .handle("metrics", () => Effect.promise(() => registry.metrics()).pipe(Effect.map((body) => Res.text(body, { contentType: registry.contentType }))))
    }))

  return Layer.mergeAll(rides, drivers, ops)
}
