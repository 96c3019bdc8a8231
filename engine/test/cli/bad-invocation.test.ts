/**
 * A bad invocation of the real `dispatch` entry, as a user types it: exactly one line on
 * stderr naming what was wrong and where help is, nothing on stdout (no help dump), exit 1.
 * A port already taken is one line naming it, for the engine's status port and the gateway's.
 */
import { createServer, type Server } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { describeWithNats, LocalNatsServer } from "#engine/testing"
import { POLICIES } from "../../src/matching/policies.ts"
import { dispatch, lines } from "./run-dispatch.ts"

describe("a bad flag or value", () => {
  it.each([
    [["simulate", "--bogus"], "dispatch simulate: unknown flag --bogus (see dispatch simulate --help)"],
    [["simulate", "--dirvers", "3"], "dispatch simulate: unknown flag --dirvers (did you mean --drivers?) (see dispatch simulate --help)"],
    [["simulate", "--drivers", "abc"], 'dispatch simulate: --drivers: expected an integer, got "abc" (see dispatch simulate --help)'],
    [["simulate", "--drivers", "0"], "dispatch simulate: --drivers must be 1..1000000, got 0 (see dispatch simulate --help)"],
    [["simulate", "--policy", "foo"], `dispatch simulate: --policy: expected one of ${POLICIES.join(", ")}, got "foo" (see dispatch simulate --help)`],
    [["simulate", "extra"], 'dispatch simulate: unexpected argument "extra" (see dispatch simulate --help)'],
    [["frobnicate"], 'dispatch: unknown command "frobnicate" (see dispatch --help)'],
    [["calibrate"], "dispatch calibrate: --trips is required (see dispatch calibrate --help)"],
    [["engine", "--http-port"], "dispatch engine: --http-port: missing value, expected an integer (see dispatch engine --help)"],
    [["engine", "--http-port", "70000"], "dispatch engine: --http-port must be 0..65535, got 70000 (see dispatch engine --help)"],
    [["regions", "drain"], "dispatch regions drain: missing argument <region> (see dispatch regions drain --help)"],
    [["api", "--port", "x"], 'dispatch api: --port: expected an integer, got "x" (see dispatch api --help)'],
    [["stack", "up", "--bogus"], "dispatch stack up: unknown flag --bogus (see dispatch stack up --help)"]
  ])("%j is one line and exit 1", async (args, line) => {
    const run = await dispatch(args)
    expect(run.code, run.stderr).toBe(1)
    expect(lines(run.stderr)).toEqual([line])
    expect(run.stdout).toBe("")
  })

  it("a command's own failure is one line after the command's name", async () => {
    const run = await dispatch(["markets", "check", "/no/such/market.json"])
    expect(run.code).toBe(1)
    expect(lines(run.stderr)[0]).toBe("dispatch markets check: invalid market file /no/such/market.json:")
  })

  it("a failure that names its command already is not prefixed twice", async () => {
    const run = await dispatch(["api", "--nats", "nats://127.0.0.1:1"], { DISPATCH_AUTH: "" })
    expect(run.code).toBe(1)
    expect(lines(run.stderr)).toHaveLength(1)
    expect(run.stderr).toMatch(/^dispatch api: --auth is required/)
  })

  it("--help still prints the help, exit 0", async () => {
    const run = await dispatch(["simulate", "--help"])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain("--drivers")
    expect(run.stderr).toBe("")
  })
})

describeWithNats("a port already taken", () => {
  let nats: LocalNatsServer
  let holder: Server
  let port: number
  beforeAll(async () => {
    nats = await LocalNatsServer.start()
    holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve))
    port = (holder.address() as { port: number }).port
  })
  afterAll(async () => {
    await new Promise((resolve) => holder.close(resolve))
    await nats.dispose()
  })

  it.each([
    ["engine", "--http-port"],
    ["api", "--port"]
  ])("dispatch %s %s <taken>: one line naming the port, exit 1", async (command, flag) => {
    const auth = command === "api" ? ["--auth", "none"] : []
    const run = await dispatch([command, "--nats", nats.url, flag, String(port), "--log-format", "json", ...auth])
    expect(run.code, run.stderr).toBe(1)
    expect(lines(run.stderr)).toEqual([`dispatch ${command}: port ${port} on 127.0.0.1 is already in use (EADDRINUSE); choose another with ${flag}`])
    expect(run.stdout).not.toMatch(/EADDRINUSE|at .*\.ts:\d+/)
  })
})
