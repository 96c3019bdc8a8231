import fc from "fast-check"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { encodeMessage, makeDecoder, MAX_PAYLOAD_BYTES, type MessageType } from "../../src/domain/codec.ts"
import { arbOrderRequested, arbWireMessage } from "./arbitraries.ts"

const ALL: ReadonlyArray<MessageType> = ["order.requested", "order.cancelled", "driver.state", "order.matched", "order.unmatched", "dead.letter"]
const decodeAny = makeDecoder(ALL)
const decodeOrders = makeDecoder(["order.requested", "order.cancelled"])

const failure = (input: Uint8Array | string) => {
  const result = decodeAny(input)
  if (Result.isSuccess(result)) throw new Error(`expected a failure for ${String(input).slice(0, 80)}`)
  return result.failure
}

const valid = {
  v: 1, type: "order.requested", orderId: "o-1", riderId: "r-1", market: "sf",
  pickup: { lat: 37.78, lng: -122.41 }, dropoff: { lat: 37.8, lng: -122.42 }, requestedAt: 1_700_000_000_000, maxWaitMs: 60_000
}
const withField = (patch: Record<string, unknown>) => JSON.stringify({ ...valid, ...patch })

describe("wire codec", () => {
  it("round-trips every valid message through bytes", () => {
    fc.assert(
      fc.property(arbWireMessage, (message) => {
        const decoded = decodeAny(encodeMessage(message))
        expect(Result.isSuccess(decoded) && decoded.success).toEqual(message)
      }),
      { numRuns: 2_000 }
    )
  })

  it("never throws on arbitrary bytes, and names a path in every error", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const result = decodeAny(bytes)
        if (Result.isFailure(result)) expect(result.failure.path).toMatch(/^(\$|[A-Za-z])/)
      }),
      { numRuns: 3_000 }
    )
  })

  it("never throws on arbitrary JSON values, and names a path in every error", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const result = decodeAny(JSON.stringify(value))
        expect(Result.isFailure(result)).toBe(true)
        if (Result.isFailure(result)) {
          expect(result.failure.path.length).toBeGreaterThan(0)
          expect(result.failure.message).toContain(result.failure.path)
        }
      }),
      { numRuns: 3_000 }
    )
  })

  it("names the field when a valid order is damaged in one place", () => {
    const damage = fc.constantFrom(
      ["orderId", ""], ["orderId", "has space"], ["orderId", "x".repeat(129)], ["riderId", 42],
      ["market", "s.f"], ["market", "sf>"], ["market", "*"], ["pickup", { lat: 91, lng: 0 }],
      ["dropoff", { lat: 0, lng: -180.5 }], ["requestedAt", -1], ["requestedAt", 1.5], ["maxWaitMs", 10],
      ["maxWaitMs", 7_200_000], ["v", 2], ["type", "order.exploded"]
    )
    fc.assert(
      fc.property(arbOrderRequested, damage, (order, [field, bad]) => {
        const result = decodeOrders(JSON.stringify({ ...order, [field]: bad }))
        expect(Result.isFailure(result) && result.failure.path.split(/[.[]/)[0]).toBe(field)
      }),
      { numRuns: 500 }
    )
  })

  it.each([
    ["not UTF-8", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), "not_utf8", "$"],
    ["not JSON", "{order", "not_json", "$"],
    ["empty", "", "not_json", "$"],
    ["a JSON array", "[1,2]", "invalid", "$"],
    ["a JSON string", '"order"', "invalid", "$"],
    ["null", "null", "invalid", "$"],
    ["deeply nested", "[".repeat(10_000) + "]".repeat(10_000), "too_large", "$"],
    ["deeply nested but small", "[".repeat(5_000), "not_json", "$"],
    ["too large", JSON.stringify({ ...valid, pad: "x".repeat(MAX_PAYLOAD_BYTES) }), "too_large", "$"],
    ["a huge number", withField({ requestedAt: 1e400 }).replace('"requestedAt":null', '"requestedAt":1e400'), "invalid", "requestedAt"],
    ["a wrong version", withField({ v: 2 }), "invalid", "v"],
    ["no version", JSON.stringify({ type: "order.requested" }), "invalid", "v"],
    ["an unknown type", withField({ type: "order.teleported" }), "invalid", "type"],
    ["a missing field", JSON.stringify({ v: 1, type: "order.requested" }), "invalid", "orderId"],
    ["a nested wrong type", withField({ pickup: { lat: "37.7", lng: -122 } }), "invalid", "pickup.lat"]
  ] as const)("rejects %s with reason %s at %s", (_name, input, reason, path) => {
    const error = failure(input)
    expect(error.reason).toBe(reason)
    expect(error.path).toBe(path)
  })

  it("ignores prototype-pollution keys and returns a plain message", () => {
    const hostile = `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},${withField({}).slice(1)}`
    const result = decodeOrders(hostile)
    expect(Result.isSuccess(result)).toBe(true)
    const message = Result.isSuccess(result) ? (result.success as object) : {}
    expect(Object.getPrototypeOf(message)).toBe(Object.prototype)
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
    expect(Object.keys(message)).not.toContain("__proto__")
  })

  it("accepts only the types a decoder was made for", () => {
    const state = JSON.stringify({ v: 1, type: "driver.state", driverId: "d1", market: "sf", lat: 1, lng: 2, status: "available", at: 0 })
    expect(Result.isSuccess(decodeAny(state))).toBe(true)
    const result = decodeOrders(state)
    expect(Result.isFailure(result) && result.failure.message).toMatch(/^type: expected one of "order.requested", "order.cancelled"/)
  })
})
