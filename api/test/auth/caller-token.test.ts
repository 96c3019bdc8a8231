/**
 * Caller tokens without a server: a minted token verifies to the caller it names (any valid
 * id, either role), and any change to any of its characters is refused; ES256 and RS256 tokens
 * verify against a JWKS file, and nothing else does (another key, HS256 under a JWKS, `alg:
 * none`); `--auth` values parse or are refused in one line.
 */
import fc from "fast-check"
import { Effect, Result } from "effect"
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { AuthSettingError, loadAuthKeys, parseAuthSpec } from "../../src/auth/auth-settings.ts"
import { makeTokenVerifier, mintCallerToken, type Caller } from "../../src/auth/caller-token.ts"

const claims = { issuer: "dispatch", audience: "dispatch-api" }
const SECRET = randomBytes(32)
const secretVerifier = makeTokenVerifier({ _tag: "Secret", key: SECRET, source: "secret:TEST" }, claims)
const dir = mkdtempSync(join(tmpdir(), "dispatch-jwks-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/)
const caller: fc.Arbitrary<Caller> = fc.oneof(
  fc.record({ sub: fc.stringMatching(/^[!-~]{1,128}$/), role: fc.constant("rider" as const) }),
  fc.record({ sub: token, role: fc.constant("driver" as const) })
)
const load = (spec: string, env: Record<string, string> = {}) => {
  const parsed = parseAuthSpec(spec)
  if (parsed instanceof AuthSettingError) throw parsed
  return Effect.runPromise(Effect.result(loadAuthKeys(parsed, env)))
}

describe("caller tokens (HS256, shared secret)", () => {
  it("verify to the caller they were minted for (round trip)", async () => {
    await fc.assert(fc.asyncProperty(caller, async (c) => {
      const verified = await secretVerifier.verify(await mintCallerToken(SECRET, c, { ...claims, ttlSeconds: 60 }))
      expect(verified).toEqual({ ok: true, caller: c })
    }), { numRuns: 200 })
  })

  it("are refused after any one character is changed", async () => {
    const minted = await mintCallerToken(SECRET, { sub: "rider-1", role: "rider" }, { ...claims, ttlSeconds: 600 })
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    await fc.assert(fc.asyncProperty(fc.nat(minted.length - 1), fc.constantFrom(...alphabet), async (i, ch) => {
      fc.pre(minted[i] !== ch)
      const tampered = `${minted.slice(0, i)}${ch}${minted.slice(i + 1)}`
      const verified = await secretVerifier.verify(tampered)
      // base64url's last character can carry padding bits the decoder ignores: the same bytes.
      if (verified.ok) expect(Buffer.from(tampered.split(".")[2]!, "base64url")).toEqual(Buffer.from(minted.split(".")[2]!, "base64url"))
      else expect(["malformed", "bad_signature", "bad_claims"]).toContain(verified.reason)
    }), { numRuns: 300 })
  })

  it("are refused when expired, not yet valid, from another issuer or audience, or signed with alg none", async () => {
    const now = Math.floor(Date.now() / 1000)
    const c: Caller = { sub: "rider-1", role: "rider" }
    const mint = (over: Partial<typeof claims & { now: number; ttlSeconds: number }>) => mintCallerToken(SECRET, c, { ...claims, ttlSeconds: 60, ...over })
    expect(await secretVerifier.verify(await mint({ now: now - 600 }))).toMatchObject({ ok: false, reason: "expired" })
    // Within the clock tolerance (30 s) an expired token still passes: issuer and gateway clocks differ.
    expect(await secretVerifier.verify(await mint({ now: now - 70 }))).toMatchObject({ ok: true })
    expect(await secretVerifier.verify(await mint({ issuer: "evil" }))).toMatchObject({ ok: false, reason: "bad_claims" })
    expect(await secretVerifier.verify(await mint({ audience: "other" }))).toMatchObject({ ok: false, reason: "bad_claims" })
    const notYet = await new SignJWT({ role: "rider" }).setProtectedHeader({ alg: "HS256" }).setSubject("rider-1").setIssuer(claims.issuer).setAudience(claims.audience)
      .setNotBefore(now + 600).setExpirationTime(now + 900).sign(SECRET)
    expect(await secretVerifier.verify(notYet)).toMatchObject({ ok: false, reason: "bad_claims" })
    const noExp = await new SignJWT({ role: "rider" }).setProtectedHeader({ alg: "HS256" }).setSubject("rider-1").setIssuer(claims.issuer).setAudience(claims.audience).sign(SECRET)
    expect(await secretVerifier.verify(noExp)).toMatchObject({ ok: false, reason: "bad_claims" })
    const payload = Buffer.from(JSON.stringify({ sub: "rider-1", role: "rider", iss: claims.issuer, aud: claims.audience, exp: now + 60 })).toString("base64url")
    const none = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${payload}.`
    expect(await secretVerifier.verify(none)).toMatchObject({ ok: false })
    expect(await secretVerifier.verify("")).toMatchObject({ ok: false, reason: "missing" })
    // A driver id becomes a NATS subject token: a driver token may not name one with a dot.
    expect(await secretVerifier.verify(await mintCallerToken(SECRET, { sub: "d.>", role: "driver" }, { ...claims, ttlSeconds: 60 }))).toMatchObject({ ok: false, reason: "bad_claims" })
  })
})

describe("caller tokens (ES256 and RS256, JWKS file)", () => {
  it("verify with the key their kid names, and refuse another key, an unknown kid and HS256", async () => {
    const es = await generateKeyPair("ES256")
    const rs = await generateKeyPair("RS256")
    const stranger = await generateKeyPair("ES256")
    const publicJwk = async (key: CryptoKey, kid: string, alg: string): Promise<JWK> => ({ ...(await exportJWK(key)), kid, alg, use: "sig" })
    const file = join(dir, "jwks.json")
    writeFileSync(file, JSON.stringify({ keys: [await publicJwk(es.publicKey, "es-1", "ES256"), await publicJwk(rs.publicKey, "rs-1", "RS256")] }))
    const keys = Result.getOrThrow(await load(`jwks:${file}`))
    if (keys._tag !== "Jwks") throw new Error(`loaded ${keys._tag}`)
    const verifier = makeTokenVerifier(keys, claims)
    const now = Math.floor(Date.now() / 1000)
    const sign = (alg: string, kid: string, key: CryptoKey | Uint8Array) =>
      new SignJWT({ role: "driver" }).setProtectedHeader({ alg, kid }).setSubject("d-7").setIssuer(claims.issuer).setAudience(claims.audience).setExpirationTime(now + 60).sign(key)
    expect(await verifier.verify(await sign("ES256", "es-1", es.privateKey))).toEqual({ ok: true, caller: { sub: "d-7", role: "driver" } })
    expect(await verifier.verify(await sign("RS256", "rs-1", rs.privateKey))).toEqual({ ok: true, caller: { sub: "d-7", role: "driver" } })
    expect(await verifier.verify(await sign("ES256", "es-1", stranger.privateKey))).toMatchObject({ ok: false, reason: "bad_signature" })
    expect(await verifier.verify(await sign("ES256", "nobody", stranger.privateKey))).toMatchObject({ ok: false, reason: "bad_signature" })
    expect(await verifier.verify(await sign("HS256", "es-1", SECRET))).toMatchObject({ ok: false, reason: "bad_signature" })
  })
})

describe("--auth values", () => {
  it("parse to jwks, secret from env or file, or none, and refuse anything else", () => {
    expect(parseAuthSpec("none")).toEqual({ _tag: "None" })
    expect(parseAuthSpec("jwks:/etc/dispatch/jwks.json")).toEqual({ _tag: "Jwks", file: "/etc/dispatch/jwks.json" })
    expect(parseAuthSpec("secret:DISPATCH_JWT_SECRET")).toEqual({ _tag: "Secret", from: "env", name: "DISPATCH_JWT_SECRET" })
    expect(parseAuthSpec("secret:./jwt.key")).toEqual({ _tag: "Secret", from: "file", name: "./jwt.key" })
    for (const bad of ["", "None", "jwks", "jwks:", "secret:", "hmac:KEY"]) expect(parseAuthSpec(bad)).toBeInstanceOf(AuthSettingError)
  })

  it("load a secret of 32 bytes or more, and refuse a short, unset or unreadable one and a file that is no JWKS", async () => {
    const long = "x".repeat(32)
    writeFileSync(join(dir, "secret"), `${long}\n`)
    writeFileSync(join(dir, "not-jwks.json"), `{"keys": []}`)
    expect(await load("secret:JWT_SECRET", { JWT_SECRET: long })).toMatchObject({ success: { _tag: "Secret", source: "secret:JWT_SECRET" } })
    expect(await load(`secret:${join(dir, "secret")}`)).toMatchObject({ success: { _tag: "Secret", key: new TextEncoder().encode(long) } })
    const problem = async (spec: string, env: Record<string, string> = {}) => {
      const r = await load(spec, env)
      return Result.isFailure(r) ? r.failure.problem : "loaded"
    }
    expect(await problem("secret:JWT_SECRET", { JWT_SECRET: "short" })).toContain("is 5 bytes; HS256 needs at least 32")
    expect(await problem("secret:JWT_SECRET")).toContain("environment variable JWT_SECRET is unset or empty")
    expect(await problem(`secret:${join(dir, "missing")}`)).toContain("cannot read")
    expect(await problem(`jwks:${join(dir, "not-jwks.json")}`)).toContain("not a JSON Web Key Set")
  })
})
