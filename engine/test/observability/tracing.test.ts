/**
 * Without an SDK, an order's span is a shared no-op and the producer's `traceparent` is passed
 * on only if valid: the fast check must agree with the full parser on every header.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { parseTraceparent, startOrderSpan } from "../../src/observability/tracing.ts"

const hex = (n: number) => fc.array(fc.constantFrom(..."0123456789abcdef0"), { minLength: n, maxLength: n }).map((a) => a.join(""))
const header = fc.oneof(
  fc.string(),
  fc.tuple(fc.constantFrom("00", "01", "ff"), fc.oneof(hex(32), fc.constant("0".repeat(32)), hex(31)), fc.oneof(hex(16), fc.constant("0".repeat(16))), hex(2), fc.constantFrom("", " ", "-x"))
    .map(([v, t, s, f, tail]) => `${v}-${t}-${s}-${f}${tail}`)
)

describe("tracing without an SDK", () => {
  it("passes on exactly the headers the parser accepts", () => {
    fc.assert(fc.property(header, (h) => {
      const { span, traceparent } = startOrderSpan("dispatch.order", h, {})
      expect(span.isRecording()).toBe(false)
      expect(traceparent).toBe(parseTraceparent(h) === undefined ? undefined : h)
    }), { numRuns: 3_000 })
  })
})
