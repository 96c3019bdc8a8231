/**
 * The admin API's bearer token check.
 *
 * - The token comes from env `DISPATCH_ADMIN_TOKEN` as a `Redacted` value (never printed by
 *   logs or errors). Unset or empty: the admin API is OFF (503 `admin_disabled`), never open.
 * - Presented and expected tokens are compared as SHA-256 digests with
 *   `crypto.timingSafeEqual`: equal-length inputs whatever was sent, so the time taken says
 *   nothing about how much of the token matched, nor its length.
 */
import { Config, Context, Effect, Layer, Option, Redacted } from "effect"
import crypto from "node:crypto"

export const ADMIN_TOKEN_ENV = "DISPATCH_ADMIN_TOKEN"

export type AuthOutcome = "ok" | "disabled" | "missing" | "wrong"

const digest = (s: string): Buffer => crypto.createHash("sha256").update(s, "utf8").digest()

/** `Bearer <token>` (scheme case-insensitive, RFC 7235); undefined for anything else. */
export const bearerToken = (authorization: string | undefined): string | undefined => {
  const m = authorization === undefined ? null : /^Bearer[ ]+(\S+)[ ]*$/i.exec(authorization)
  return m?.[1]
}

export interface AdminAuthShape {
  readonly enabled: boolean
  /** Judges an `Authorization` header value. */
  readonly check: (authorization: string | undefined) => AuthOutcome
}

export const makeAdminAuth = (token: Redacted.Redacted<string> | undefined): AdminAuthShape => {
  const expected = token === undefined || Redacted.value(token).length === 0 ? undefined : digest(Redacted.value(token))
  return {
    enabled: expected !== undefined,
    check: (authorization) => {
      if (expected === undefined) return "disabled"
      const presented = bearerToken(authorization)
      if (presented === undefined) return "missing"
      // `crypto.` on purpose (not a named import): tests spy on it to prove it is the compare used.
      return crypto.timingSafeEqual(digest(presented), expected) ? "ok" : "wrong"
    }
  }
}

export class AdminAuth extends Context.Service<AdminAuth, AdminAuthShape>()("dispatch/AdminAuth") {
  /** From env `DISPATCH_ADMIN_TOKEN`; logs whether the admin API is on, never the token. */
  static readonly layerConfig = Layer.effect(AdminAuth, Effect.gen(function*() {
    const token = yield* Config.option(Config.Redacted(ADMIN_TOKEN_ENV))
    const auth = makeAdminAuth(Option.getOrUndefined(token))
    yield* auth.enabled
      ? Effect.logInfo("admin API on (bearer token from DISPATCH_ADMIN_TOKEN)")
      : Effect.logWarning("admin API off: DISPATCH_ADMIN_TOKEN is not set; /admin/* answers 503")
    return auth
  }))
}
