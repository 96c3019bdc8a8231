/**
 * `dispatch api` and `dispatch api token` as an operator runs them (child processes of the real
 * entry point): a gateway without `--auth` refuses to start in one line, before it connects to
 * anything; a token minted from a secret verifies against that secret and names the caller.
 */
import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import { resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from "../../src/auth/auth-settings.ts"
import { makeTokenVerifier } from "../../src/auth/caller-token.ts"

const ROOT = resolve(import.meta.dirname, "../../..")
const NODE = resolve(ROOT, "node_modules/.bin/node")
const ENTRY = resolve(ROOT, "engine/src/main/dispatch.ts")
const CLI_TEST_TIMEOUT_MS = 120_000

const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((done) => {
    const { DISPATCH_AUTH: _, ...inherited } = process.env
    const child = execFile(NODE, [ENTRY, ...args], { cwd: ROOT, env: { ...inherited, ...env }, timeout: 60_000 }, (_error, stdout, stderr) =>
      done({ code: child.exitCode, stdout, stderr }))
  })

describe("dispatch api: caller authentication settings", () => {
  it("refuses to start without --auth, in one line naming the choices", async () => {
    // A NATS URL nobody serves: the refusal must come before any connection attempt.
    const { code, stdout, stderr } = await run(["api", "--nats", "nats://127.0.0.1:1"])
    expect(code).not.toBe(0)
    const lines = `${stdout}${stderr}`.split("\n").filter((l) => l.includes("--auth"))
    expect(lines).toEqual([expect.stringContaining("dispatch api: --auth is required (or DISPATCH_AUTH): jwks:FILE, secret:ENVVAR, secret:FILE, or none")])
    expect(`${stdout}${stderr}`).not.toContain("cannot connect to NATS")
  }, CLI_TEST_TIMEOUT_MS)

  it("mints a token with `api token` that verifies against the same secret", async () => {
    const secret = randomBytes(32).toString("base64url")
    const { code, stdout } = await run(["api", "token", "--auth", "secret:CLI_TEST_SECRET", "--sub", "d-cli", "--role", "driver", "--ttl", "120"], { CLI_TEST_SECRET: secret })
    expect(code).toBe(0)
    const verifier = makeTokenVerifier({ _tag: "Secret", key: new TextEncoder().encode(secret), source: "test" }, { issuer: DEFAULT_ISSUER, audience: DEFAULT_AUDIENCE })
    expect(await verifier.verify(stdout.trim())).toEqual({ ok: true, caller: { sub: "d-cli", role: "driver" } })
    const short = await run(["api", "token", "--auth", "secret:CLI_TEST_SECRET", "--sub", "d-cli", "--role", "driver"], { CLI_TEST_SECRET: "too-short" })
    expect(short.code).not.toBe(0)
    expect(`${short.stdout}${short.stderr}`).toContain("HS256 needs at least 32")
  }, CLI_TEST_TIMEOUT_MS)
})
