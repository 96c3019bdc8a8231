/**
 * The wire contract, v1: every message Dispatch puts on NATS, as Effect Schemas.
 *
 * JSON, UTF-8; each message has `"v": 1` and a `"type"`; times are epoch milliseconds;
 * coordinates WGS84 degrees. Decoding goes through `codec.ts`, which adds the size, UTF-8 and
 * JSON checks a schema cannot make. docs/wire-contract.md is the reader's version of this file.
 */
import { Schema } from "effect"
import { LatLng, Latitude, Longitude } from "./geo.ts"
import { DriverId, MarketId, OrderId, PolicyId, RiderId } from "./ids.ts"

export const WIRE_VERSION = 1

/** Latest epoch millisecond a JavaScript Date can hold (year 275760). */
const MAX_EPOCH_MS = 8_640_000_000_000_000
/** Shortest and longest time an order may wait for a decision: 1 s to 1 h. */
export const MIN_MAX_WAIT_MS = 1_000
export const MAX_MAX_WAIT_MS = 3_600_000
/** Longest free-text reason (characters). */
export const MAX_REASON_LENGTH = 200

export const EpochMillis = Schema.Int.check(
  Schema.isBetween({ minimum: 0, maximum: MAX_EPOCH_MS }, { message: "must be epoch milliseconds (an integer >= 0)" })
)
const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))
const Version = Schema.Literal(WIRE_VERSION)
const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0, { message: "must be an integer >= 0" }))

export const DRIVER_STATUSES = ["available", "busy", "offline"] as const
export type DriverStatus = (typeof DRIVER_STATUSES)[number]
export const UNMATCHED_REASONS = ["expired", "no_supply", "cancelled", "overloaded"] as const
export type UnmatchedReason = (typeof UNMATCHED_REASONS)[number]

export const OrderRequested = Schema.Struct({
  v: Version,
  type: Schema.Literal("order.requested"),
  orderId: OrderId,
  riderId: RiderId,
  market: MarketId,
  pickup: LatLng,
  dropoff: LatLng,
  requestedAt: EpochMillis,
  maxWaitMs: Schema.Int.check(
    Schema.isBetween({ minimum: MIN_MAX_WAIT_MS, maximum: MAX_MAX_WAIT_MS }, {
      message: `must be an integer between ${MIN_MAX_WAIT_MS} and ${MAX_MAX_WAIT_MS} ms`
    })
  )
})
export type OrderRequested = typeof OrderRequested.Type

export const OrderCancelled = Schema.Struct({
  v: Version,
  type: Schema.Literal("order.cancelled"),
  orderId: OrderId,
  market: MarketId,
  at: EpochMillis,
  reason: Schema.String.check(Schema.isMaxLength(MAX_REASON_LENGTH))
})
export type OrderCancelled = typeof OrderCancelled.Type

export const DriverState = Schema.Struct({
  v: Version,
  type: Schema.Literal("driver.state"),
  driverId: DriverId,
  market: MarketId,
  lat: Latitude,
  lng: Longitude,
  status: Schema.Literals(DRIVER_STATUSES),
  at: EpochMillis
})
export type DriverState = typeof DriverState.Type

export const OrderMatched = Schema.Struct({
  v: Version,
  type: Schema.Literal("order.matched"),
  orderId: OrderId,
  driverId: DriverId,
  market: MarketId,
  etaSeconds: NonNegative,
  distanceMeters: NonNegative,
  policy: PolicyId,
  decidedAt: EpochMillis
})
export type OrderMatched = typeof OrderMatched.Type

export const OrderUnmatched = Schema.Struct({
  v: Version,
  type: Schema.Literal("order.unmatched"),
  orderId: OrderId,
  market: MarketId,
  reason: Schema.Literals(UNMATCHED_REASONS),
  decidedAt: EpochMillis
})
export type OrderUnmatched = typeof OrderUnmatched.Type

/**
 * What the DLQ keeps of a message that could not be used: where it came from, why, and its
 * first bytes (as text when they are UTF-8, else base64) so that a person can inspect it.
 */
export const DeadLetter = Schema.Struct({
  v: Version,
  type: Schema.Literal("dead.letter"),
  subject: Schema.String,
  reason: Schema.Literals(["too_large", "not_utf8", "not_json", "invalid", "unknown_market", "outside_market"]),
  detail: Schema.String,
  payload: Schema.String,
  payloadEncoding: Schema.Literals(["utf8", "base64"]),
  payloadBytes: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  at: EpochMillis
})
export type DeadLetter = typeof DeadLetter.Type

/**
 * The simulator's clock, on core NATS request/reply `dispatch.<market>.clock` (only an engine
 * run with `--clock sim` answers; docs/simulator.md, "NATS mode"). A tick moves the market's
 * clock to `at` once the engine has seen ORDERS up to `ordersSeq` and KV drivers up to
 * `driversRevision`; the ack says when a batch window next closes.
 */
export const ClockTick = Schema.Struct({
  v: Version,
  type: Schema.Literal("clock.tick"),
  market: MarketId,
  at: EpochMillis,
  ordersSeq: Count,
  driversRevision: Count,
  /** false: move the clock without closing the batch windows due by `at`. */
  closeWindows: Schema.optional(Schema.Boolean)
})
export type ClockTick = typeof ClockTick.Type

export const ClockAck = Schema.Struct({
  v: Version,
  type: Schema.Literal("clock.ack"),
  market: MarketId,
  at: EpochMillis,
  nextDeadline: Schema.NullOr(EpochMillis)
})
export type ClockAck = typeof ClockAck.Type

/** The answer to a tick that could not be decoded or is for another market. */
export const ClockError = Schema.Struct({
  v: Version,
  type: Schema.Literal("clock.error"),
  market: MarketId,
  detail: Schema.String
})
export type ClockError = typeof ClockError.Type

/** Messages on the ORDERS stream. */
export const OrderEvent = Schema.Union([OrderRequested, OrderCancelled])
export type OrderEvent = typeof OrderEvent.Type
/** Messages on the RESULTS stream. */
export const Decision = Schema.Union([OrderMatched, OrderUnmatched])
export type Decision = typeof Decision.Type

export type WireMessage = OrderRequested | OrderCancelled | DriverState | OrderMatched | OrderUnmatched | DeadLetter | ClockTick | ClockAck | ClockError
