/**
 * `dispatch stack up` as a user runs it, on ports of its own (`--port-offset`): a busy port
 * ends it in one line before anything is written; a dead engine is reported and restarted; a
 * dead nats-server ends it with exit 1 and its log tail; SIGTERM, SIGINT and the loss of its
 * parent process stop everything it started, each listed, and no process is left (checked by
 * pid). Without a replay running (`--no-drill`, and the tests end before it matters), so that
 * the suite takes a few minutes on a loaded machine: every wait is for a line or an exit.
 */
import { describeWithNats, isAlive } from "#engine/testing"
import { RunningChild } from "#engine"
import { spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { expect, it } from "vitest"
import { stackPorts } from "../src/stack/stack-plan.ts"
import { allGone, descendants, DISPATCH, ENGINES_UP, freeOffset, listen, NODE_BIN, stackUp as startStack, stackWorkDir, WAIT_MS } from "./support/stack-process.ts"
import { REPO_ROOT } from "./support/dispatch-process.ts"

const work = stackWorkDir()
const stackUp = (name: string) => startStack(work, name)

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
