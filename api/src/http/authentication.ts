/**
 * Caller authentication of `/v1` (docs/security.md, "Caller authentication"): a security
 * middleware on the rides and drivers groups that verifies the bearer JWT (auth/caller-token.ts)
 * before anything else of the request is read, and provides the caller to the handlers, which
 * enforce ownership (a rider's own rides, a driver's own state).
 *
 * - No token, or one that does not verify (signature, expiry, issuer, audience, claims): 401
 *   with `WWW-Authenticate: Bearer` (RFC 6750 §3; `error="invalid_token"` when one was sent).
 * - A valid token of the wrong role for the group (a driver booking a ride): 403.
 * Every refusal is counted in `dispatch_auth_failures_total{reason}`. With `--auth none` every
 * caller is `Anonymous` and nothing is checked.
 */
import { Context, Effect, Layer, Redacted } from "effect"
import { HttpApiMiddleware, HttpApiSecurity, OpenApi } from "effect/http-api"
import type { Caller, CallerRole, TokenVerifier } from "../auth/caller-token.ts"
import { GatewayMetrics } from "./gateway-metrics.ts"
import { errorAt, errorResponse } from "./problems.ts"

export type CurrentCallerShape = { readonly _tag: "Anonymous" } | ({ readonly _tag: "Authenticated" } & Caller)

/** Who sent the request: what handlers check ownership against. */
export class CurrentCaller extends Context.Service<CurrentCaller, CurrentCallerShape>()("dispatch/CurrentCaller") {}

/** How `/v1` callers are authenticated: not at all (`--auth none`), or by this verifier. */
export class CallerAuth extends Context.Service<CallerAuth, {
  readonly verifier: TokenVerifier | undefined
}>()("dispatch/CallerAuth") {}

const bearer = HttpApiSecurity.bearer.pipe(
  HttpApiSecurity.annotate(OpenApi.Format, "JWT"),
  HttpApiSecurity.annotate(OpenApi.Description, "A JWT from the issuer the gateway trusts: `sub` is the rider's or driver's id, `role` is `rider` or `driver` (docs/security.md).")
)

export class Authentication extends HttpApiMiddleware.Service<Authentication, { provides: CurrentCaller }>()("dispatch/Authentication", {
  security: { bearer },
  error: [errorAt(401), errorAt(403)]
}) {}

/** The role each group serves. */
const ROLE_OF_GROUP: Readonly<Record<string, CallerRole>> = { rides: "rider", drivers: "driver" }

const REALM = `Bearer realm="dispatch"`

export const layerAuthentication = Layer.effect(Authentication, Effect.gen(function*() {
  const { verifier } = yield* CallerAuth
  const { metrics } = yield* GatewayMetrics
  const anonymous = CurrentCaller.of({ _tag: "Anonymous" })
  return Authentication.of({
    bearer: (handler, { credential, group }) => {
      if (verifier === undefined) return Effect.provideService(handler, CurrentCaller, anonymous)
      return Effect.promise(() => verifier.verify(Redacted.value(credential))).pipe(
        Effect.flatMap((verified) => {
          if (!verified.ok) {
            metrics.authFailures.inc({ reason: verified.reason })
            const challenge = verified.reason === "missing" ? REALM : `${REALM}, error="invalid_token", error_description="${verified.message}"`
            return Effect.succeed(errorResponse(401, "unauthorized", verified.message, "authorization", { "www-authenticate": challenge }))
          }
          const { caller } = verified
          const role = ROLE_OF_GROUP[group.identifier]
          if (role !== undefined && caller.role !== role) {
            metrics.authFailures.inc({ reason: "wrong_role" })
            return Effect.succeed(errorResponse(403, "forbidden", `a ${caller.role} token may not call ${group.identifier} routes; they need role ${role}`, "authorization"))
          }
          return Effect.provideService(handler, CurrentCaller, CurrentCaller.of({ _tag: "Authenticated", ...caller }))
        })
      )
    }
  })
}))
