/**
 * Caller tokens: a JWT whose `sub` is the rider's or driver's id and whose `role` claim says
 * which, signed by the issuer the gateway trusts (auth-settings.ts). Verified with `jose`
 * (`jwtVerify`): signature, algorithm (HS256 for a shared secret, ES256/RS256 for a JWKS),
 * `exp` (required), `nbf`, `iss` and `aud`, with a small clock tolerance; then the claims are
 * decoded by their Schema, so a token may only name an id the wire contract accepts.
 *
 * `mintCallerToken` is the issuer side for a shared secret: what `dispatch api token` prints
 * and what the tests sign with.
 */
import { Schema } from "effect"
import { createLocalJWKSet, errors, jwtVerify, SignJWT, type JWTVerifyGetKey } from "jose"
import { DriverId, RiderId } from "#engine"
import type { AuthKeys } from "./auth-settings.ts"

export const CALLER_ROLES = ["rider", "driver"] as const
export type CallerRole = (typeof CALLER_ROLES)[number]

export interface Caller {
  readonly sub: string
  readonly role: CallerRole
}

/** Why a token was refused: the `reason` label of `dispatch_auth_failures_total` (with `wrong_role`, `wrong_subject`). */
export type TokenFailure = "missing" | "malformed" | "bad_signature" | "expired" | "bad_claims"

export type Verified =
  | { readonly ok: true; readonly caller: Caller }
  | { readonly ok: false; readonly reason: TokenFailure; readonly message: string }

export interface ClaimSettings {
  readonly issuer: string
  readonly audience: string
}

/** Seconds of clock skew allowed between the issuer and the gateway for `exp` and `nbf`. */
export const CLOCK_TOLERANCE_S = 30

const CallerClaims = Schema.Union([
  Schema.Struct({ sub: RiderId, role: Schema.Literal("rider") }),
  Schema.Struct({ sub: DriverId, role: Schema.Literal("driver") })
])
const decodeClaims = Schema.decodeUnknownOption(CallerClaims)

const failure = (reason: TokenFailure, message: string): Verified => ({ ok: false, reason, message })

/** What a `jose` error means for the caller; anything else is our bug and is rethrown. */
const failureOf = (e: unknown): Verified => {
  if (e instanceof errors.JWTExpired) return failure("expired", "the token has expired")
  if (e instanceof errors.JWSSignatureVerificationFailed || e instanceof errors.JWKSNoMatchingKey) return failure("bad_signature", "the token's signature does not verify")
  if (e instanceof errors.JWTClaimValidationFailed) return failure("bad_claims", `the token's ${e.claim} claim is ${e.reason === "missing" ? "missing" : "not accepted"}`)
  if (e instanceof errors.JOSEAlgNotAllowed) return failure("bad_signature", "the token's algorithm is not accepted")
  if (e instanceof errors.JOSEError) return failure("malformed", "the token is not a well-formed JWT")
  throw e
}

export interface TokenVerifier {
  readonly verify: (token: string) => Promise<Verified>
}

/** A verifier for the keys `--auth` named (not for `none`: there is nothing to verify). */
export const makeTokenVerifier = (keys: Exclude<AuthKeys, { readonly _tag: "None" }>, claims: ClaimSettings): TokenVerifier => {
  const options = {
    issuer: claims.issuer,
    audience: claims.audience,
    algorithms: keys._tag === "Secret" ? ["HS256"] : ["ES256", "RS256"],
    requiredClaims: ["exp", "sub"],
    clockTolerance: CLOCK_TOLERANCE_S
  }
  // One closure per key kind: jwtVerify's overloads take a key or a key resolver, not either.
  const verifyJwt = keys._tag === "Secret"
    ? (token: string) => jwtVerify(token, keys.key, options)
    : ((jwks: JWTVerifyGetKey) => (token: string) => jwtVerify(token, jwks, options))(createLocalJWKSet(keys.jwks))
  return {
    verify: async (token) => {
      if (token === "") return failure("missing", "no bearer token: send Authorization: Bearer <JWT>")
      try {
        const { payload } = await verifyJwt(token)
        const decoded = decodeClaims(payload)
        if (decoded._tag === "None") return failure("bad_claims", `the token needs a role claim (${CALLER_ROLES.join(" or ")}) and a sub that is a valid id for it`)
        return { ok: true, caller: decoded.value }
      } catch (e) {
        return failureOf(e)
      }
    }
  }
}

/** An HS256 caller token for `sub` in `role`, valid `ttlSeconds` from `now` (epoch s). */
export const mintCallerToken = (secret: Uint8Array, caller: Caller, claims: ClaimSettings & { readonly ttlSeconds: number; readonly now?: number }): Promise<string> => {
  const now = claims.now ?? Math.floor(Date.now() / 1000)
  return new SignJWT({ role: caller.role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(caller.sub)
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + claims.ttlSeconds)
    .sign(secret)
}
