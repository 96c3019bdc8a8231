/**
 * The region intake's request/reply contract: what the API gateway sends to
 * `dispatch.rpc.<region>.<operation>` (core NATS request, a queue group of the region's engines
 * answers) and what comes back. JSON, UTF-8, like the wire contract (messages.ts); ids follow
 * ids.ts, so a driver id or a market can become a subject token and an order id never does raw.
 *
 * Every reply is `{ ok: true, ... }` or `{ ok: false, error: { code, message, path? } }`: an
 * expected refusal (bad field, unknown order, outside every market) is a value the gateway maps
 * to an HTTP status, never a NATS error, so a breaker counts only real failures.
 */
import { Schema } from "effect"
import { LatLng, Latitude, Longitude } from "./geo.ts"
import { DriverId, MarketId, OrderId, RiderId } from "./ids.ts"
import { DRIVER_STATUSES, EpochMillis, MAX_MAX_WAIT_MS, MAX_REASON_LENGTH, MIN_MAX_WAIT_MS, OrderMatched, OrderUnmatched } from "./messages.ts"

export const INTAKE_OPERATIONS = ["ride-request", "ride-cancel", "ride-status", "driver-state"] as const
export type IntakeOperation = (typeof INTAKE_OPERATIONS)[number]

/** How long a rider waits for a decision when the request does not say (ms): 5 minutes. */
export const DEFAULT_MAX_WAIT_MS = 300_000

export const MaxWaitMs = Schema.Int.check(
  Schema.isBetween({ minimum: MIN_MAX_WAIT_MS, maximum: MAX_MAX_WAIT_MS }, {
    message: `must be an integer between ${MIN_MAX_WAIT_MS} and ${MAX_MAX_WAIT_MS} ms`
  })
)

export const RideRequest = Schema.Struct({
  orderId: OrderId,
  riderId: RiderId,
  pickup: LatLng,
  dropoff: LatLng,
  requestedAt: EpochMillis,
  maxWaitMs: MaxWaitMs
})
export type RideRequest = typeof RideRequest.Type

/**
 * `riderId` on a cancel or status request: the authenticated rider the gateway acts for. The
 * intake answers `not_found` for a ride whose record names another rider, exactly as for an
 * unknown one, so an order id says nothing about whether someone else's ride exists. Absent
 * (a gateway with `--auth none`): any ride.
 */
const OnBehalfOf = { riderId: Schema.optionalKey(RiderId) }

export const RideCancel = Schema.Struct({
  orderId: OrderId,
  ...OnBehalfOf,
  reason: Schema.String.check(Schema.isMaxLength(MAX_REASON_LENGTH)),
  at: EpochMillis
})
export type RideCancel = typeof RideCancel.Type

export const RideStatusRequest = Schema.Struct({ orderId: OrderId, ...OnBehalfOf })
export type RideStatusRequest = typeof RideStatusRequest.Type

export const DriverStateRequest = Schema.Struct({
  driverId: DriverId,
  lat: Latitude,
  lng: Longitude,
  status: Schema.Literals(DRIVER_STATUSES),
  at: EpochMillis
})
export type DriverStateRequest = typeof DriverStateRequest.Type

export const INTAKE_ERROR_CODES = ["invalid", "not_found", "outside_market", "internal"] as const
export type IntakeErrorCode = (typeof INTAKE_ERROR_CODES)[number]

export const IntakeError = Schema.Struct({
  code: Schema.Literals(INTAKE_ERROR_CODES),
  message: Schema.String,
  path: Schema.optionalKey(Schema.String)
})
export type IntakeError = typeof IntakeError.Type

const Failed = Schema.Struct({ ok: Schema.Literal(false), error: IntakeError })
export type Failed = typeof Failed.Type

/**
 * `pending`: accepted, no decision yet; `matched`/`unmatched`: decided (the decision rides
 * along); `cancelling`: a cancel was accepted, the decision (`unmatched: cancelled`, or a match
 * that came first) follows.
 */
export const RIDE_STATUSES = ["pending", "cancelling", "matched", "unmatched"] as const

export const RideAccepted = Schema.Struct({
  ok: Schema.Literal(true),
  orderId: OrderId,
  market: MarketId,
  status: Schema.Literal("pending"),
  acceptedAt: EpochMillis,
  acceptedBy: Schema.Literals(["intake", "fallback"]),
  /** True when the order was already accepted (a retry): this is the first answer again. */
  duplicate: Schema.Boolean
})
export type RideAccepted = typeof RideAccepted.Type

export const RideStatusReply = Schema.Struct({
  ok: Schema.Literal(true),
  orderId: OrderId,
  market: MarketId,
  status: Schema.Literals(RIDE_STATUSES),
  acceptedAt: EpochMillis,
  decision: Schema.optionalKey(Schema.Union([OrderMatched, OrderUnmatched]))
})
export type RideStatusReply = typeof RideStatusReply.Type

export const DriverStateAccepted = Schema.Struct({
  ok: Schema.Literal(true),
  driverId: DriverId,
  market: MarketId
})
export type DriverStateAccepted = typeof DriverStateAccepted.Type

/** Each operation's request and successful reply. */
export const INTAKE_SCHEMAS = {
  "ride-request": { request: RideRequest, reply: RideAccepted },
  "ride-cancel": { request: RideCancel, reply: RideStatusReply },
  "ride-status": { request: RideStatusRequest, reply: RideStatusReply },
  "driver-state": { request: DriverStateRequest, reply: DriverStateAccepted }
} as const

export type IntakeRequest<O extends IntakeOperation> = (typeof INTAKE_SCHEMAS)[O]["request"]["Type"]
export type IntakeReply<O extends IntakeOperation> = (typeof INTAKE_SCHEMAS)[O]["reply"]["Type"] | Failed

/** What KV `dispatch_rides` holds per accepted order (key `kvKeys.ride(orderId)`). */
export const RideRecord = Schema.Struct({
  orderId: OrderId,
  riderId: RiderId,
  market: MarketId,
  acceptedAt: EpochMillis,
  /**
   * `fallback`: stored by a gateway while no region admitted the request (answered "queued");
   * kept so that a retry gets the same answer as the first attempt.
   */
  acceptedBy: Schema.Literals(["intake", "fallback"]),
  /** Set once a cancel was accepted. */
  cancelledAt: Schema.optionalKey(EpochMillis)
})
export type RideRecord = typeof RideRecord.Type

export const intakeFailure = (code: IntakeErrorCode, message: string, path?: string): Failed => ({
  ok: false,
  error: path === undefined ? { code, message } : { code, message, path }
})
