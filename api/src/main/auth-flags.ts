/**
 * The caller-authentication flags `dispatch api` and `dispatch api token` share (docs/security.md,
 * "Caller authentication"), and the keys and claim settings they describe. `--auth` has no
 * default: without it (and without `DISPATCH_AUTH`) the gateway refuses to start, in one line.
 */
import { Effect, Option } from "effect"
import { Flag } from "effect/cli"
import { stringFlag } from "#engine"
import { AUTH_ENV, AuthSettingError, DEFAULT_AUDIENCE, DEFAULT_ISSUER, loadAuthKeys, parseAuthSpec } from "../auth/auth-settings.ts"

export const authFlags = {
  auth: stringFlag("auth", AUTH_ENV).pipe(
    Flag.optional,
    Flag.withDescription(`how /v1 callers are authenticated: jwks:FILE (ES256/RS256 public keys), secret:ENVVAR or secret:FILE (an HS256 key of >= 32 bytes) or none (no checks: local development only) (env ${AUTH_ENV}; required)`)
  ),
  authIssuer: stringFlag("auth-issuer", "DISPATCH_AUTH_ISSUER").pipe(
    Flag.withDefault(DEFAULT_ISSUER),
    Flag.withDescription(`the iss a caller token must carry (env DISPATCH_AUTH_ISSUER; default ${DEFAULT_ISSUER})`)
  ),
  authAudience: stringFlag("auth-audience", "DISPATCH_AUTH_AUDIENCE").pipe(
    Flag.withDefault(DEFAULT_AUDIENCE),
    Flag.withDescription(`the aud a caller token must carry (env DISPATCH_AUTH_AUDIENCE; default ${DEFAULT_AUDIENCE})`)
  )
}

/** The keys `--auth` names and the claims tokens must carry; refused in one line when `--auth` is missing or unusable. */
export const authSettings = (flags: { readonly auth: Option.Option<string>; readonly authIssuer: string; readonly authAudience: string }) =>
  Effect.gen(function*() {
    if (Option.isNone(flags.auth)) {
      return yield* new AuthSettingError({ problem: `--auth is required (or ${AUTH_ENV}): jwks:FILE, secret:ENVVAR, secret:FILE, or none to run without caller authentication (docs/security.md)` })
    }
    const spec = parseAuthSpec(flags.auth.value)
    if (spec instanceof AuthSettingError) return yield* spec
    const keys = yield* loadAuthKeys(spec)
    return { keys, claims: { issuer: flags.authIssuer, audience: flags.authAudience } }
  })
