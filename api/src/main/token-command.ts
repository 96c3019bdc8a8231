/**
 * `dispatch api token`: mints a caller token with the shared secret `--auth secret:...` names,
 * for development and tests (a production issuer is the app's identity service; docs/security.md).
 * Prints the JWT alone on stdout, so `TOKEN=$(dispatch api token ...)` works.
 */
import { Console, Effect } from "effect"
import { Command, Flag } from "effect/cli"
import { between, choiceFlag, intFlag, stringFlag } from "#engine"
import { AuthSettingError } from "../auth/auth-settings.ts"
import { CALLER_ROLES, mintCallerToken } from "../auth/caller-token.ts"
import { authFlags, authSettings } from "./auth-flags.ts"

const DEFAULT_TTL_S = 3_600

export const tokenCommand = Command.make("token", {
  ...authFlags,
  sub: stringFlag("sub").pipe(Flag.withDescription("the rider's or driver's id")),
  role: choiceFlag("role", CALLER_ROLES).pipe(Flag.withDescription("rider or driver")),
  ttl: intFlag("ttl", between(1, 31 * 86_400)).pipe(Flag.withDefault(DEFAULT_TTL_S), Flag.withDescription(`seconds the token is valid (default ${DEFAULT_TTL_S})`))
}, (flags) =>
  Effect.gen(function*() {
    const { keys, claims } = yield* authSettings(flags)
    if (keys._tag !== "Secret") return yield* new AuthSettingError({ problem: "--auth must be secret:ENVVAR or secret:FILE (a JWKS holds public keys only; none signs nothing)" })
    const token = yield* Effect.promise(() => mintCallerToken(keys.key, { sub: flags.sub, role: flags.role }, { ...claims, ttlSeconds: flags.ttl }))
    yield* Console.log(token)
  })
).pipe(Command.withDescription("Print a caller JWT (HS256) for --sub in --role, signed with the --auth secret: for development and tests (docs/security.md)."))
