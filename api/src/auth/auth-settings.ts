/**
 * `--auth` (env `DISPATCH_AUTH`): how the gateway authenticates callers of `/v1`
 * (docs/security.md, "Caller authentication"). There is no default: a gateway that checks
 * nobody must be asked for (`none`), never be what an omitted flag means.
 *
 *  - `jwks:FILE`: a JSON Web Key Set (RFC 7517) with the public keys of the issuer's ES256 or
 *    RS256 signing keys; a token's `kid` picks the key.
 *  - `secret:ENVVAR` or `secret:FILE`: one shared HS256 key of at least 32 bytes, read from that
 *    environment variable when the name looks like one (`[A-Z_][A-Z0-9_]*`), else from that file
 *    (trailing newline ignored). `dispatch api token` mints tokens with it.
 *  - `none`: no authentication (the demo and the local stack); every caller may do everything.
 */
import { Effect, Schema } from "effect"
import { CliError } from "effect/cli"
import type { JSONWebKeySet } from "jose"
import { readFile } from "node:fs/promises"

export const AUTH_ENV = "DISPATCH_AUTH"
export const DEFAULT_ISSUER = "dispatch"
export const DEFAULT_AUDIENCE = "dispatch-api"
/** HS256 keys shorter than the hash (RFC 7518 §3.2) are refused. */
export const MIN_SECRET_BYTES = 32

/** A `--auth` value that names no usable keys; its message is the one line `dispatch api` prints. */
export class AuthSettingError extends Schema.TaggedError<AuthSettingError>()("AuthSettingError", {
  problem: Schema.String
}) {
  override get message(): string {
    return this.problem
  }
  override get [CliError.userMessage](): string {
    return `dispatch api: ${this.problem}`
  }
}

export type AuthSpec =
  | { readonly _tag: "None" }
  | { readonly _tag: "Secret"; readonly from: "env" | "file"; readonly name: string }
  | { readonly _tag: "Jwks"; readonly file: string }

export type AuthKeys =
  | { readonly _tag: "None" }
  | { readonly _tag: "Secret"; readonly key: Uint8Array; readonly source: string }
  | { readonly _tag: "Jwks"; readonly jwks: JSONWebKeySet; readonly source: string }

const USAGE = "expected jwks:FILE, secret:ENVVAR, secret:FILE or none"
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/

/** The spec a `--auth` value names, or why it names none. */
export const parseAuthSpec = (value: string): AuthSpec | AuthSettingError => {
  if (value === "none") return { _tag: "None" }
  const colon = value.indexOf(":")
  const kind = colon < 0 ? value : value.slice(0, colon)
  const rest = colon < 0 ? "" : value.slice(colon + 1)
  if (kind === "jwks" && rest !== "") return { _tag: "Jwks", file: rest }
  if (kind === "secret" && rest !== "") return { _tag: "Secret", from: ENV_NAME.test(rest) ? "env" : "file", name: rest }
  return new AuthSettingError({ problem: `--auth ${JSON.stringify(value)}: ${USAGE}` })
}

const readText = (file: string) =>
  Effect.tryPromise({
    try: () => readFile(file, "utf8"),
    catch: (e) => new AuthSettingError({ problem: `--auth: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}` })
  })

const JwksFile = Schema.fromJsonString(Schema.Struct({ keys: Schema.Array(Schema.Record(Schema.String, Schema.Unknown)).check(Schema.isMinLength(1)) }))

/** The keys a spec names, loaded (`env` is the environment a secret is read from). */
export const loadAuthKeys = (spec: AuthSpec, env: Readonly<Record<string, string | undefined>> = process.env): Effect.Effect<AuthKeys, AuthSettingError> =>
  Effect.gen(function*() {
    switch (spec._tag) {
      case "None":
        return spec
      case "Jwks": {
        const text = yield* readText(spec.file)
        const jwks = yield* Schema.decodeUnknownEffect(JwksFile)(text).pipe(
          Effect.mapError(() => new AuthSettingError({ problem: `--auth jwks:${spec.file}: not a JSON Web Key Set ({"keys": [...]} with at least one key)` }))
        )
        return { _tag: "Jwks", jwks: jwks as JSONWebKeySet, source: `jwks:${spec.file}` }
      }
      case "Secret": {
        const raw = spec.from === "env" ? env[spec.name] : (yield* readText(spec.name)).replace(/\r?\n$/, "")
        const where = spec.from === "env" ? `environment variable ${spec.name}` : `file ${spec.name}`
        if (raw === undefined || raw === "") return yield* new AuthSettingError({ problem: `--auth secret:${spec.name}: ${where} is unset or empty` })
        const key = new TextEncoder().encode(raw)
        if (key.byteLength < MIN_SECRET_BYTES) {
          return yield* new AuthSettingError({ problem: `--auth secret:${spec.name}: the secret in ${where} is ${key.byteLength} bytes; HS256 needs at least ${MIN_SECRET_BYTES}` })
        }
        return { _tag: "Secret", key, source: `secret:${spec.name}` }
      }
    }
  })
