/** fast-check generators for valid wire messages, shared by the domain tests. */
import fc from "fast-check"
import {
  DRIVER_STATUSES,
  MAX_MAX_WAIT_MS,
  MIN_MAX_WAIT_MS,
  UNMATCHED_REASONS,
  type WireMessage
} from "../../src/domain/messages.ts"
import { POLICIES } from "../../src/matching/policies.ts"

const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,128}$/)
const opaque = fc.stringMatching(/^[!-~\u00e9\u4e2d]{1,128}$/)
// JSON has no -0: `+ 0` turns it into 0 so that round trips compare equal.
const lat = fc.double({ min: -90, max: 90, noNaN: true }).map((x) => x + 0)
const lng = fc.double({ min: -180, max: 180, noNaN: true }).map((x) => x + 0)
const point = fc.record({ lat, lng })
const epoch = fc.integer({ min: 0, max: 4_102_444_800_000 })
const nonNegative = fc.double({ min: 0, max: 1e7, noNaN: true }).map((x) => x + 0)

export const arbOrderRequested = fc.record({
  v: fc.constant(1 as const),
  type: fc.constant("order.requested" as const),
  orderId: opaque,
  riderId: opaque,
  market: token,
  pickup: point,
  dropoff: point,
  requestedAt: epoch,
  maxWaitMs: fc.integer({ min: MIN_MAX_WAIT_MS, max: MAX_MAX_WAIT_MS })
})

export const arbWireMessage: fc.Arbitrary<WireMessage> = fc.oneof(
  arbOrderRequested,
  fc.record({ v: fc.constant(1 as const), type: fc.constant("order.cancelled" as const), orderId: opaque, market: token, at: epoch, reason: fc.string({ maxLength: 200 }) }),
  fc.record({ v: fc.constant(1 as const), type: fc.constant("driver.state" as const), driverId: token, market: token, lat, lng, status: fc.constantFrom(...DRIVER_STATUSES), at: epoch }),
  fc.record({ v: fc.constant(1 as const), type: fc.constant("order.matched" as const), orderId: opaque, driverId: token, market: token, etaSeconds: nonNegative, distanceMeters: nonNegative, policy: fc.oneof(fc.constantFrom(...POLICIES), token), decidedAt: epoch }),
  fc.record({ v: fc.constant(1 as const), type: fc.constant("order.unmatched" as const), orderId: opaque, market: token, reason: fc.constantFrom(...UNMATCHED_REASONS), decidedAt: epoch }),
  fc.record({
    v: fc.constant(1 as const),
    type: fc.constant("dead.letter" as const),
    subject: fc.string(),
    reason: fc.constantFrom("too_large" as const, "not_utf8" as const, "not_json" as const, "invalid" as const, "unknown_market" as const, "outside_market" as const),
    detail: fc.string(),
    payload: fc.string(),
    payloadEncoding: fc.constantFrom("utf8" as const, "base64" as const),
    payloadBytes: fc.nat(),
    at: epoch
  })
)
