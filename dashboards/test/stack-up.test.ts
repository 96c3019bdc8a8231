/**
 * `dispatch stack up` as a user runs it, on ports of its own (`--port-offset`): a busy port
 * ends it in one line before anything is written; a dead engine is reported and restarted; a
 * dead nats-server ends it with exit 1 and its log tail; SIGTERM, SIGINT and the loss of its
 * parent process stop everything it started, each listed, and no process is left (checked by
 * pid). Without a replay running (`--no-drill`, and the tests end before it matters), so that
 * the suite takes a few minutes on a loaded machine: every wait is for a line or an exit.
 */
import { describeWithNats, isAlive } from "#engine/testing"
import { KV_BUCKETS, readNkeySeed, RunningChild, STREAMS } from "#engine"
import { execFileSync, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, expect, it } from "vitest"
import { jetstreamManager } from "@nats-io/jetstream"
import { connect, nkeyAuthenticator } from "@nats-io/transport-node"
import { MAX_PORT_OFFSET, stackPorts, type StackPorts } from "../src/stack/stack-plan.ts"
import { REPO_ROOT } from "./support/dispatch-process.ts"

const NODE_BIN = `${REPO_ROOT}node_modules/.bin/node`
const DISPATCH = `${REPO_ROOT}engine/src/main/dispatch.ts`
/** Starts on a loaded 2-core machine take minutes: generous, and only ever waited for a line or an exit. */
const WAIT_MS = 240_000

const work = mkdtempSync(join(tmpdir(), "dispatch-stack-test-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => resolve(server))
  })

/** Each once: the first cluster node's client port is `nats`'s. */
const allPorts = (p: StackPorts) => [...new Set([p.nats, p.prometheus, p.api, p.simulator, ...p.engines.map((e) => e.port), ...p.natsNodes.flatMap((n) => [n.port, n.routePort])])]

/** An offset whose ports are all free now (other suites and stacks share the machine). */
const freeOffset = async (): Promise<number> => {
  for (;;) {
    const offset = 10_000 + Math.floor(Math.random() * (MAX_PORT_OFFSET - 10_000))
    const servers: Array<Server> = []
    try {
      for (const port of allPorts(stackPorts(offset))) servers.push(await listen(port))
      return offset
    } catch {
      // taken: another
    } finally {
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
    }
  }
}


/** Every process below `pid` now (children, grandchildren...). */
const descendants = (pid: number): Array<{ readonly pid: number; readonly args: string }> => {
  const rows = execFileSync("ps", ["-e", "-o", "pid=,ppid=,args="], { encoding: "utf8" }).split("\n").flatMap((line) => {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line)
    return m === null ? [] : [{ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }]
  })
  const out: Array<{ pid: number; args: string }> = []
  const walk = (parent: number) => {
    for (const row of rows) {
      if (row.ppid === parent) {
        out.push({ pid: row.pid, args: row.args })
        walk(row.pid)
      }
    }
  }
  walk(pid)
  return out
}

/** Polls until every pid is gone (a SIGKILLed watchdog's exit is asynchronous). */
const allGone = async (pids: ReadonlyArray<number>) => {
  const deadline = Date.now() + 30_000
  while (pids.some((pid) => isAlive(pid)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200))
  return pids.filter((pid) => isAlive(pid))
}

interface Stack {
  readonly child: RunningChild
  readonly lines: Array<string>
  readonly dir: string
  readonly ports: StackPorts
  /** The first line matching, once it is printed. */
  readonly line: (pattern: RegExp) => Promise<string>
  readonly exitCode: () => Promise<number | null>
}

const stackUp = async (name: string, extra: ReadonlyArray<string> = []): Promise<Stack> => {
  const offset = await freeOffset()
  const dir = join(work, name)
  const lines: Array<string> = []
  const child = await RunningChild.start({
    name: `stack ${name}`,
    command: NODE_BIN,
    args: [DISPATCH, "stack", "up", "--dir", dir, "--port-offset", String(offset), "--no-drill", ...extra],
    cwd: REPO_ROOT,
    onLine: (line) => void lines.push(line)
  })
  return {
    child,
    lines,
    dir,
    ports: stackPorts(offset),
    line: (pattern) => child.until(() => lines.find((l) => pattern.test(l)), { what: `a line matching ${pattern}`, timeoutMs: WAIT_MS }),
    exitCode: () => child.exited.then((exit) => exit.code)
  }
}

const ENGINES_UP = [/^stack: engine us-west /, /^stack: engine us-east /, /^stack: engine eu-central /]

describeWithNats("dispatch stack up", () => {
  it("a busy port: one line naming it and its holder, exit 1, nothing written", async () => {
    const offset = await freeOffset()
    const ports = stackPorts(offset)
    const holder = await listen(ports.api)
    try {
      const dir = join(work, "busy")
      const run = spawn(NODE_BIN, [DISPATCH, "stack", "up", "--dir", dir, "--port-offset", String(offset)], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] })
      let output = ""
      run.stdout.on("data", (d) => (output += d))
      run.stderr.on("data", (d) => (output += d))
      const code = await new Promise<number | null>((resolve) => run.once("close", resolve))
      expect(code).toBe(1)
      // The CLI's error frame (a blank line, `ERROR`) aside, one line.
      const said = output.split("\n").map((l) => l.trim()).filter((l) => l !== "" && l !== "ERROR")
      expect(said, output).toHaveLength(1)
      expect(said[0]).toContain(`port ${ports.api} (the API gateway) is in use`)
      expect(said[0]).toContain("--port-offset")
      if (existsSync("/usr/bin/ss") || existsSync("/bin/ss")) expect(said[0]).toContain(`(pid ${process.pid})`)
      expect(existsSync(dir), "nothing written").toBe(false)
    } finally {
      await new Promise((resolve) => holder.close(resolve))
    }
  }, 60_000)

  it("a dead engine is reported and restarted; SIGTERM then stops everything, one line each, exit 0, nothing left", async () => {
    const stack = await stackUp("sigterm")
    try {
      for (const pattern of ENGINES_UP) await stack.line(pattern)
      const engine = descendants(stack.child.pid).find((p) => p.args.includes("--region us-east"))!
      process.kill(engine.pid, "SIGKILL")
      await stack.line(new RegExp(`^stack: engine-us-east \\(pid ${engine.pid}\\) died: signal SIGKILL; last lines of .*engine-us-east\\.log:`))
      await stack.line(/^stack: restarting engine-us-east \(restart 1 of at most 3 in 5 minutes\)/)
      const restarted = await stack.line(/^stack: engine-us-east restarted \(pid \d+\)/)
      const newPid = Number(/pid (\d+)/.exec(restarted)![1])
      expect(newPid).not.toBe(engine.pid)
      expect(isAlive(newPid)).toBe(true)

      const started = descendants(stack.child.pid)
      expect(started.map((p) => p.pid)).toContain(newPid)
      process.kill(stack.child.pid, "SIGTERM")
      expect(await stack.exitCode()).toBe(0)
      // Every child the stack runs (not the watchdog shells of the orphan guard) is listed by pid.
      for (const p of started.filter((p) => /dispatch\.ts (engine|api|regions|simulate)|nats-server|prometheus/.test(p.args))) {
        expect(stack.lines.some((l) => l.startsWith("stack: stopped ") && l.includes(`(pid ${p.pid},`)), `${p.args} listed as stopped:\n${stack.lines.join("\n")}`).toBe(true)
      }
      expect(stack.lines.filter((l) => / died/.test(l)), "no other death reported").toHaveLength(1)
      expect(await allGone(started.map((p) => p.pid))).toEqual([])
    } finally {
      await stack.child.stop()
    }
  }, 600_000)

  it("--cluster: three nodes, every stream and bucket with 3 replicas, everyone given all three; a dead node is restarted; SIGTERM stops all", async () => {
    const stack = await stackUp("cluster", ["--cluster"])
    try {
      const urls = stack.ports.natsNodes.map((n) => `nats://127.0.0.1:${n.port}`).join(",")
      await stack.line(new RegExp(`^stack: NATS ${urls} \\(a 3-node JetStream cluster`))
      for (const pattern of ENGINES_UP) await stack.line(pattern)
      const started = descendants(stack.child.pid)
      expect(started.filter((p) => p.args.includes("dispatch.ts engine") && p.args.includes(`--nats ${urls}`))).toHaveLength(3)
      const nc = await connect({ servers: urls.split(","), authenticator: nkeyAuthenticator(readNkeySeed(join(stack.dir, "nats-seeds", "ops.nk"))) })
      try {
        const jsm = await jetstreamManager(nc)
        for (const name of [STREAMS.orders, STREAMS.results, `KV_${KV_BUCKETS.leases}`]) expect((await jsm.streams.info(name)).config.num_replicas, name).toBe(3)
      } finally {
        await nc.close()
      }
      const n2 = started.find((p) => p.args.includes("--server_name n2"))!
      process.kill(n2.pid, "SIGKILL")
      await stack.line(new RegExp(`^stack: nats-n2 \\(pid ${n2.pid}\\) died: signal SIGKILL`))
      await stack.line(/^stack: nats-n2 restarted \(pid \d+\)/)
      const running = descendants(stack.child.pid)
      process.kill(stack.child.pid, "SIGTERM")
      expect(await stack.exitCode()).toBe(0)
      expect(stack.lines.filter((l) => l.startsWith("stack: stopped nats-n"))).toHaveLength(3)
      expect(await allGone([...started, ...running].map((p) => p.pid))).toEqual([])
    } finally {
      await stack.child.stop()
    }
  }, 600_000)

  it("a dead nats-server ends it: exit 1, its log tail, everything stopped, nothing left", async () => {
    const stack = await stackUp("nats-death")
    try {
      await stack.line(/^stack: NATS /)
      // Killed while the engines start: what was starting goes too.
      const deadline = Date.now() + WAIT_MS
      while (descendants(stack.child.pid).filter((p) => p.args.includes("dispatch.ts engine")).length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200))
      const started = descendants(stack.child.pid)
      const nats = started.find((p) => p.args.includes("nats-server"))!
      process.kill(nats.pid, "SIGKILL")
      expect(await stack.exitCode()).toBe(1)
      const died = stack.lines.findIndex((l) => l.startsWith(`stack: nats-server (pid ${nats.pid}) died: signal SIGKILL; last lines of ${join(stack.dir, "logs", "nats-server.log")}:`))
      expect(died, stack.lines.join("\n")).toBeGreaterThanOrEqual(0)
      expect(stack.lines[died + 1], "the log tail follows").toMatch(/^ {4}\S/)
      expect(stack.lines.some((l) => l.includes("nats-server died (signal SIGKILL): everything stopped"))).toBe(true)
      expect(await allGone(started.map((p) => p.pid))).toEqual([])
    } finally {
      await stack.child.stop()
    }
  }, 300_000)

  it("SIGINT: stopped, exit 130", async () => {
    const stack = await stackUp("sigint")
    try {
      await stack.line(/^stack: NATS /)
      const started = descendants(stack.child.pid)
      process.kill(stack.child.pid, "SIGINT")
      expect(await stack.exitCode()).toBe(130)
      expect(stack.lines.some((l) => l.startsWith("stack: stopped nats-server (pid "))).toBe(true)
      expect(await allGone(started.map((p) => p.pid))).toEqual([])
    } finally {
      await stack.child.stop()
    }
  }, 300_000)

  it("its parent gone (npx or npm got SIGTERM and its shell died): it stops itself, nothing left", async () => {
    // npm forwards SIGTERM to the shell that runs the command, which dies and leaves the stack
    // an orphan: the stack watches for that.
    const offset = await freeOffset()
    const dir = join(work, "orphan")
    const log = join(work, "orphan.log")
    const shell = await RunningChild.start({
      name: "sh",
      command: "sh",
      args: ["-c", `"${NODE_BIN}" "${DISPATCH}" stack up --dir "${dir}" --port-offset ${offset} --no-drill > "${log}" 2>&1`],
      cwd: REPO_ROOT
    })
    const readLog = () => (existsSync(log) ? readFileSync(log, "utf8") : "")
    try {
      const deadline = Date.now() + WAIT_MS
      while (!readLog().includes("stack: NATS ") && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200))
      const stack = descendants(shell.pid).find((p) => p.args.includes("stack up"))!
      const started = [stack, ...descendants(stack.pid)]
      await shell.kill()
      expect(await allGone(started.map((p) => p.pid)), readLog()).toEqual([])
      expect(readLog()).toMatch(/stack: its parent process \(pid \d+\) is gone: stopping/)
      expect(readLog()).toMatch(/stack: stopped nats-server \(pid \d+/)
    } finally {
      await shell.stop()
    }
  }, 300_000)
})
