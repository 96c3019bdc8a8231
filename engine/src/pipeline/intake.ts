/**
 * Intake: bytes -> a valid order event of a market this engine serves, or a dead letter that
 * says why not. Pure; the pipeline publishes the dead letter and terminates the message.
 *
 * Beyond the wire schema (codec.ts) an order must belong where it arrived: its `market` must
 * be known and equal the subject's market, its subject must be its type's, and its pickup must
 * lie inside that market's area
 * (matching never crosses markets; a pickup elsewhere is a client bug, not a no_supply).
 */
import { Result } from "effect"
import { makeDecoder } from "../domain/codec.ts"
import type { MarketCatalog } from "../domain/market-catalog.ts"
import { type DeadLetter, type OrderEvent, WIRE_VERSION } from "../domain/messages.ts"
import { marketOfSubject, subjects } from "../domain/subjects.ts"

/** Bytes of the original payload a dead letter keeps. */
export const DEAD_LETTER_PAYLOAD_BYTES = 2_048

const decodeOrderEvent = makeDecoder(["order.requested", "order.cancelled"])
const utf8 = new TextDecoder("utf-8", { fatal: true })

export type Classified =
  | { readonly _tag: "Accepted"; readonly event: OrderEvent }
  | { readonly _tag: "Rejected"; readonly market: string; readonly deadLetter: DeadLetter }

export const classify = (catalog: MarketCatalog, subject: string, data: Uint8Array, now: number): Classified => {
  const subjectMarket = marketOfSubject(subject) ?? "unknown"
  const reject = (reason: DeadLetter["reason"], detail: string): Classified => ({
    _tag: "Rejected",
    market: subjectMarket,
    deadLetter: deadLetter(subject, reason, detail, data, now)
  })
  const decoded = decodeOrderEvent(data)
  if (Result.isFailure(decoded)) return reject(decoded.failure.reason, decoded.failure.message)
  const event = decoded.success
  const market = catalog.get(event.market)
  if (market === undefined) return reject("unknown_market", `market: "${event.market}" is not served here`)
  if (event.market !== subjectMarket) {
    return reject("invalid", `market: "${event.market}" arrived on ${subject}, the subject of market "${subjectMarket}"`)
  }
  // ORDERS takes `dispatch.<m>.order.>`: an event must arrive on its own type's subject.
  const expected = event.type === "order.requested" ? subjects.orderRequested(event.market) : subjects.orderCancelled(event.market)
  if (subject !== expected) return reject("invalid", `type: "${event.type}" arrived on ${subject}, expected ${expected}`)
  if (event.type === "order.requested" && catalog.marketOf(event.pickup.lat, event.pickup.lng)?.id !== market.id) {
    return reject("outside_market", `pickup: (${event.pickup.lat}, ${event.pickup.lng}) is outside market "${market.id}"`)
  }
  return { _tag: "Accepted", event }
}

/** A dead letter keeping the first bytes of the payload: as text when UTF-8, else base64. */
export const deadLetter = (subject: string, reason: DeadLetter["reason"], detail: string, data: Uint8Array, at: number): DeadLetter => {
  const head = data.subarray(0, DEAD_LETTER_PAYLOAD_BYTES)
  let payload: string
  let payloadEncoding: DeadLetter["payloadEncoding"] = "utf8"
  try {
    payload = utf8.decode(head)
  } catch {
    // A cut in the middle of a multi-byte character is not a reason to switch to base64.
    // Only when there was a cut: otherwise a payload that is not UTF-8 (e.g. the single byte
    // 0xFF, or 0xFF 0x80) was "trimmed" down to the empty string and kept as utf8, losing the
    // very bytes the dead letter is for (found by engine/test/e2e/bad-input.test.ts).
    try {
      if (head.byteLength === data.byteLength) throw new Error("not UTF-8")
      payload = utf8.decode(data.subarray(0, lastCharBoundary(head)))
    } catch {
      payload = Buffer.from(head).toString("base64")
      payloadEncoding = "base64"
    }
  }
  return { v: WIRE_VERSION, type: "dead.letter", subject, reason, detail, payload, payloadEncoding, payloadBytes: data.byteLength, at }
}

/** Length of `bytes` without a trailing incomplete UTF-8 sequence. */
const lastCharBoundary = (bytes: Uint8Array): number => {
  let i = bytes.length
  while (i > 0 && i > bytes.length - 4 && (bytes[i - 1]! & 0xc0) === 0x80) i--
  return i > 0 && bytes[i - 1]! >= 0xc0 ? i - 1 : bytes.length
}
