/**
 * `dispatch stack up` as a child process for the stack suites: a free port offset, the
 * stack's lines, its process tree (by pid), and waits that are only ever for a line or an exit.
 */
import { isAlive } from "#engine/testing"
import { RunningChild } from "#engine"
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { MAX_PORT_OFFSET, stackPorts, type StackPorts } from "../../src/stack/stack-plan.ts"
import { REPO_ROOT } from "./dispatch-process.ts"

export const NODE_BIN = `${REPO_ROOT}node_modules/.bin/node`
export const DISPATCH = `${REPO_ROOT}engine/src/main/dispatch.ts`
/** Starts on a loaded 2-core machine take minutes: generous, and only ever waited for a line or an exit. */
export const WAIT_MS = 240_000

/** A temp dir for the file's stacks, removed after the file. */
export const stackWorkDir = () => {
  const work = mkdtempSync(join(tmpdir(), "dispatch-stack-test-"))
  afterAll(() => rmSync(work, { recursive: true, force: true }))
  return work
}

export const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => resolve(server))
  })

/** Each once: the first cluster node's client port is `nats`'s. */
const allPorts = (p: StackPorts) => [...new Set([p.nats, p.prometheus, p.api, p.simulator, ...p.engines.map((e) => e.port), ...p.natsNodes.flatMap((n) => [n.port, n.routePort])])]

/** An offset whose ports are all free now (other suites and stacks share the machine). */
export const freeOffset = async (): Promise<number> => {
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
export const descendants = (pid: number): Array<{ readonly pid: number; readonly args: string }> => {
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
export const allGone = async (pids: ReadonlyArray<number>) => {
  const deadline = Date.now() + 30_000
  while (pids.some((pid) => isAlive(pid)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200))
  return pids.filter((pid) => isAlive(pid))
}

export interface Stack {
  readonly child: RunningChild
  readonly lines: Array<string>
  readonly dir: string
  readonly ports: StackPorts
  /** The first line matching, once it is printed. */
  readonly line: (pattern: RegExp) => Promise<string>
  readonly exitCode: () => Promise<number | null>
}

export const stackUp = async (work: string, name: string, extra: ReadonlyArray<string> = []): Promise<Stack> => {
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

export const ENGINES_UP = [/^stack: engine us-west /, /^stack: engine us-east /, /^stack: engine eu-central /]
