/**
 * The gateway's HTTP API, schema first: the same schemas validate requests and generate
 * `/openapi.json`. Ids and regions are the wire contract's (ids.ts): a driver id or a region is
 * a token (`[A-Za-z0-9_-]`, it may become a NATS subject token), an order or rider id is
 * printable without whitespace (it never goes into a subject raw).
 */
import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { DRIVER_STATUSES, DriverId, EpochMillis, LatLng, Latitude, Longitude, MarketId, MAX_REASON_LENGTH, MaxWaitMs, OpaqueId, OrderId, OrderMatched, OrderUnmatched, RegionId, RiderId } from "#engine"
import { Authentication } from "./authentication.ts"
import { errorAt, rateLimitedError } from "./problems.ts"
import { RequestValidation } from "./request-validation.ts"

/**
 * `x-region`: the caller's region; when absent, the market's home region (rides, drivers) or the
 * gateway's own. `x-dispatch-lane`: the request's traffic lane (docs/balancer.md, "Lanes"), one
 * of the lanes `dispatch regions set-lane` opened or `main`; checked by the handlers, which
 * answer a name that is not a lane or not known with a 400 saying which.
 */
const RegionHeader = { "x-region": Schema.optionalKey(RegionId), "x-dispatch-lane": Schema.optionalKey(Schema.String) }

export const CreateRideBody = Schema.Struct({
  /** With authentication on, the token's `sub` (another id is 403). */
  riderId: RiderId,
  pickup: LatLng,
  dropoff: LatLng,
  /** How long the rider waits for a driver (ms); default 300 000. */
  maxWaitMs: Schema.optionalKey(MaxWaitMs)
})

export const RideAnswer = Schema.Struct({
  orderId: OrderId,
  market: MarketId,
  /** `pending`: a region accepted it; `queued`: stored by the gateway's fallback while no region was reachable. */
  status: Schema.Literals(["pending", "queued"]),
  acceptedAt: EpochMillis
})

export const RideView = Schema.Struct({
  orderId: OrderId,
  market: MarketId,
  status: Schema.Literals(["pending", "cancelling", "matched", "unmatched"]),
  acceptedAt: EpochMillis,
  decision: Schema.optionalKey(Schema.Union([OrderMatched, OrderUnmatched]))
})

/** Cancel takes no body (an empty POST is the common case); an optional `?reason=` says why. */
export const CancelQuery = { reason: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(MAX_REASON_LENGTH))) }

export const DriverStateBody = Schema.Struct({
  lat: Latitude,
  lng: Longitude,
  status: Schema.Literals(DRIVER_STATUSES),
  /** When the position was taken (epoch ms); default: when the gateway received it. */
  at: Schema.optionalKey(EpochMillis)
})

export const DriverAnswer = Schema.Struct({ driverId: DriverId, market: MarketId })

const rides = HttpApiGroup.make("rides")
  .annotate(OpenApi.Description, "Riders' requests: each is stored by a region's intake and decided by the partition owner; the decision is read back by id.")
  .add(HttpApiEndpoint.post("createRide", "/v1/rides", {
    headers: { ...RegionHeader, "idempotency-key": Schema.optionalKey(OpaqueId) },
    payload: CreateRideBody,
    success: [RideAnswer.pipe(HttpApiSchema.status(201)), RideAnswer.annotate({ identifier: "RideQueued" }).pipe(HttpApiSchema.status(202))],
    error: [errorAt(400), errorAt(413), errorAt(415), errorAt(422), rateLimitedError, errorAt(503)]
  }).annotate(OpenApi.Summary, "Request a ride"))
  .add(HttpApiEndpoint.get("getRide", "/v1/rides/:id", {
    params: { id: OrderId },
    headers: RegionHeader,
    success: RideView,
    error: [errorAt(400), errorAt(404), rateLimitedError, errorAt(503)]
  }).annotate(OpenApi.Summary, "A ride's status and decision"))
  .add(HttpApiEndpoint.post("cancelRide", "/v1/rides/:id/cancel", {
    params: { id: OrderId },
    headers: RegionHeader,
    query: CancelQuery,
    success: RideView,
    error: [errorAt(400), errorAt(404), rateLimitedError, errorAt(503)]
  }).annotate(OpenApi.Summary, "Cancel a ride"))
  .middleware(Authentication)

const drivers = HttpApiGroup.make("drivers")
  .annotate(OpenApi.Description, "Driver apps' positions and availability, what the engine matches riders with.")
  .add(HttpApiEndpoint.put("setDriverState", "/v1/drivers/:id/state", {
    params: { id: DriverId },
    headers: RegionHeader,
    payload: DriverStateBody,
    success: DriverAnswer,
    error: [errorAt(400), errorAt(413), errorAt(415), errorAt(422), rateLimitedError, errorAt(503)]
  }).annotate(OpenApi.Summary, "Report a driver's position and status"))
  .middleware(Authentication)

const ops = HttpApiGroup.make("ops")
  .annotate(OpenApi.Description, "For load balancers, orchestrators and Prometheus: liveness, readiness and metrics.")
  .add(HttpApiEndpoint.get("healthz", "/healthz", { success: Schema.Struct({ status: Schema.Literal("ok") }) })
    .annotate(OpenApi.Summary, "Liveness: the process runs"))
  .add(HttpApiEndpoint.get("readyz", "/readyz", {
    success: Schema.Struct({ ready: Schema.Boolean, nats: Schema.String, regions: Schema.Array(Schema.String) }),
    error: errorAt(503)
  }).annotate(OpenApi.Summary, "Readiness: NATS connected and a region known"))
  .add(HttpApiEndpoint.get("metrics", "/metrics", { success: Schema.String }).annotate(OpenApi.Summary, "Prometheus metrics"))

export const DispatchApi = HttpApi.make("dispatch").add(rides).add(drivers).add(ops).middleware(RequestValidation)
  .annotateMerge(OpenApi.annotations({
    title: "Dispatch API gateway",
    version: "1",
    description: "Rides and driver positions, routed to regional engines (docs/api.md).",
    license: { name: "MIT", identifier: "MIT" },
    // The document is served by the gateway it describes, so "/" (relative to the document) is
    // always right; the second entry is where `dispatch api` listens by default.
    servers: [
      { url: "/", description: "the gateway serving this document" },
      { url: "http://127.0.0.1:8080", description: "a local `dispatch api` on its default --host and --port" }
    ]
  }))
