/**
 * Bytes <-> wire messages. Decoding never throws: whatever arrives (not UTF-8, not JSON, JSON
 * that is not an object, huge numbers, deep nesting, `__proto__` keys, the wrong version or
 * type) comes back as a `DecodeError` whose `path` names the field at fault.
 *
 * The checks run cheapest first (size, UTF-8, JSON, envelope) so that junk costs little, and
 * the per-type schema sees only objects that claim the right `v` and `type`.
 */
import { Result, Schema } from "effect"
import { DecodeError } from "./errors.ts"
import { fieldProblems } from "./schema-issues.ts"
import {
  ClockAck,
  ClockError,
  ClockTick,
  DeadLetter,
  DriverState,
  OrderCancelled,
  OrderMatched,
  OrderRequested,
  OrderUnmatched,
  WIRE_VERSION,
  type WireMessage
} from "./messages.ts"

/** Largest payload accepted (bytes); a real order is about 250 B. */
export const MAX_PAYLOAD_BYTES = 16 * 1024

const SCHEMAS = {
  "order.requested": OrderRequested,
  "order.cancelled": OrderCancelled,
  "driver.state": DriverState,
  "order.matched": OrderMatched,
  "order.unmatched": OrderUnmatched,
  "dead.letter": DeadLetter,
  "clock.tick": ClockTick,
  "clock.ack": ClockAck,
  "clock.error": ClockError
} as const
export type MessageType = keyof typeof SCHEMAS
type MessageOf<T extends MessageType> = Extract<WireMessage, { readonly type: T }>

const utf8 = new TextDecoder("utf-8", { fatal: true })
const encoder = new TextEncoder()

const fail = (reason: DecodeError["reason"], path: string, detail: string) =>
  Result.fail(new DecodeError({ reason, path, detail }))

const decoders = Object.fromEntries(
  Object.entries(SCHEMAS).map(([type, schema]) => [type, Schema.decodeUnknownResult(schema as Schema.ConstraintDecoder<unknown>)])
) as Record<MessageType, (input: unknown) => Result.Result<unknown, Schema.SchemaError>>

/**
 * A decoder that accepts only the given message types, e.g. `makeDecoder(["order.requested",
 * "order.cancelled"])` for the ORDERS stream.
 */
export const makeDecoder = <const T extends ReadonlyArray<MessageType>>(types: T) => {
  const accepted = new Set<string>(types)
  const expected = types.map((t) => `"${t}"`).join(", ")
  return (input: Uint8Array | string): Result.Result<MessageOf<T[number]>, DecodeError> => {
    const size = typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.byteLength
    if (size > MAX_PAYLOAD_BYTES) return fail("too_large", "$", `payload is ${size} bytes; the limit is ${MAX_PAYLOAD_BYTES}`)
    let text: string
    if (typeof input === "string") text = input
    else {
      try {
        text = utf8.decode(input)
      } catch {
        return fail("not_utf8", "$", "payload is not valid UTF-8")
      }
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (e) {
      return fail("not_json", "$", `payload is not JSON (${e instanceof Error ? e.message : "parse error"})`)
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      return fail("invalid", "$", `expected a JSON object, got ${json === null ? "null" : Array.isArray(json) ? "an array" : typeof json}`)
    }
    const envelope = json as { readonly v?: unknown; readonly type?: unknown }
    if (envelope.v !== WIRE_VERSION) {
      return fail("invalid", "v", `expected ${WIRE_VERSION}, got ${describe(envelope.v)}: this build speaks wire version ${WIRE_VERSION}`)
    }
    if (typeof envelope.type !== "string" || !accepted.has(envelope.type)) {
      return fail("invalid", "type", `expected one of ${expected}, got ${describe(envelope.type)}`)
    }
    const decoded = decoders[envelope.type as MessageType](json)
    if (Result.isSuccess(decoded)) return Result.succeed(decoded.success as MessageOf<T[number]>)
    const first = fieldProblems(decoded.failure)[0]
    return fail("invalid", first?.path ?? "$", first?.message ?? decoded.failure.message)
  }
}

/** A short, bounded rendering of an offending value for an error message. */
const describe = (value: unknown): string => {
  if (value === undefined) return "nothing"
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}

export const encodeMessage = (message: WireMessage): Uint8Array => encoder.encode(JSON.stringify(message))
