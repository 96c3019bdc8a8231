/**
 * Identifier schemas, shared by the wire contract, KV keys and configuration.
 *
 * Two kinds of id, because they end up in different places:
 * - a *token* (market, region, driver id) becomes part of a NATS subject or KV key, so it may
 *   hold only `[A-Za-z0-9_-]`: no `.`, `*`, `>` or whitespace can ever reach a subject;
 * - an *opaque id* (order, rider) only travels in payloads and the `Nats-Msg-Id` header, so it
 *   may hold any printable character but no whitespace or control character (a header value
 *   cannot carry CR/LF).
 */
import { Schema } from "effect"

/** Longest id accepted anywhere (characters). */
export const MAX_ID_LENGTH = 128

const bounded = Schema.String.check(
  Schema.isMinLength(1, { message: "must not be empty" }),
  Schema.isMaxLength(MAX_ID_LENGTH, { message: `must be at most ${MAX_ID_LENGTH} characters` })
)

/** Safe inside a NATS subject token or a KV key segment. */
export const Token = bounded.check(
  Schema.isPattern(/^[A-Za-z0-9_-]+$/, {
    message: "may contain only letters, digits, '_' and '-' (it becomes part of a NATS subject)"
  })
)

/** Printable, no whitespace or control characters. */
export const OpaqueId = bounded.check(
  Schema.isPattern(/^[\p{L}\p{M}\p{N}\p{P}\p{S}]+$/u, {
    message: "must be printable characters without whitespace"
  })
)

// Names for what an id identifies, so schemas read as the contract does; the rules are two.
/** @alias */
export const MarketId = Token
/** @alias */
export const RegionId = Token
/** @alias */
export const DriverId = Token
/**
 * The policy that took a match. A token, not the engine's list: a consumer must accept a
 * policy added after it was built (docs/wire-contract.md).
 * @alias
 */
export const PolicyId = Token
/** @alias */
export const OrderId = OpaqueId
/** @alias */
export const RiderId = OpaqueId
