/**
 * `dispatch engine` and `dispatch api` given a NATS URL with a password that cannot be reached
 * (issue 15, D2): the failure names the server, but never the password.
 */
import { execFile } from "node:child_process"
import { createServer } from "node:net"
import { describe, expect, it } from "vitest"
import { NODE_BIN, REPO_ROOT } from "./engine-process.ts"

const DISPATCH_ENTRY = `${REPO_ROOT}engine/src/main/dispatch.ts`

/** A loopback port nobody listens on (bound, then closed). */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

const run = (args: ReadonlyArray<string>) =>
  new Promise<{ readonly code: number | null; readonly output: string }>((done) => {
    const child = execFile(NODE_BIN, [DISPATCH_ENTRY, ...args], { cwd: REPO_ROOT, timeout: 60_000 }, (_, stdout, stderr) =>
      done({ code: child.exitCode, output: `${stdout}${stderr}` }))
  })

describe("credentials in a NATS URL", () => {
  it.each(["engine", "api"])("dispatch %s: the connection failure does not print the password", async (command) => {
    const port = await closedPort()
    const { code, output } = await run([command, ...(command === "api" ? ["--auth", "none"] : []), "--nats", `nats://alice:s3cret-pw@127.0.0.1:${port},nats://tok3n-value@127.0.0.1:${port}`, "--log-format", "json"])
    expect(code).not.toBe(0)
    expect(output).toContain(`cannot connect to NATS at nats://alice:***@127.0.0.1:${port},nats://***@127.0.0.1:${port}`)
    expect(output).not.toContain("s3cret-pw")
    expect(output).not.toContain("tok3n-value")
  }, 90_000)
})
