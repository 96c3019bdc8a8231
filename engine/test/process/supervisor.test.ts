import { assert, describe, it } from "@effect/vitest"
import { expect } from "vitest"
import { Effect, Exit, Scope } from "effect"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ChildNotReady, ChildSpawnFailed } from "../../src/process/errors.ts"
import { RunningChild } from "../../src/process/running-child.ts"
import { spawnChild } from "../../src/process/supervisor.ts"
import { isAlive } from "#engine/testing"

const NODE = process.execPath
const sh = (script: string) => ({ name: "sh", command: "sh", args: ["-c", script] })

describe("spawnChild", () => {
  it.live("hands over every line, stdout and stderr, once the pipes are drained; keeps a tail and a log file", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "supervisor-test-"))
      const logFile = join(dir, "child.log")
      const seen: Array<string> = []
      // Exits at once after writing more than a pipe buffer: `exit` comes before the last output.
      const child = yield* spawnChild({
        ...sh("seq 1 20000; echo done >&2; exit 3"),
        name: "writer",
        logFile,
        tailLines: 5,
        onLine: (line, from) => void seen.push(`${from}:${line}`)
      })
      const exit = yield* child.closed
      assert.deepStrictEqual(exit, { code: 3, signal: null })
      assert.strictEqual(seen.filter((l) => l.startsWith("stdout:")).length, 20_000)
      assert.include(seen, "stderr:done")
      assert.strictEqual(child.isRunning(), false)
      assert.strictEqual(child.tail().split("\n").length, 5)
      assert.strictEqual(readFileSync(logFile, "utf8").split("\n").filter(Boolean).length, 20_001)
      rmSync(dir, { recursive: true, force: true })
    }).pipe(Effect.scoped))

  it.live("counts a child as gone once it has exited, even while a grandchild holds its pipes", () =>
    Effect.gen(function*() {
      const child = yield* spawnChild(sh("sleep 600 & echo $!"))
      assert.deepStrictEqual(yield* child.closed, { code: 0, signal: null })
      process.kill(Number(child.tail()), "SIGKILL")
    }).pipe(Effect.scoped))

  it.live("waits for a ready line; `until` waits on later output", () =>
    Effect.gen(function*() {
      const child = yield* spawnChild({ ...sh("sleep 0.2; echo warming; echo ready now; sleep 0.2; echo serving; exec sleep 600"), ready: { what: "a ready line", timeoutMs: 5_000, line: (l) => l.startsWith("ready") } })
      assert.strictEqual(child.isRunning(), true)
      assert.strictEqual(child.tail(), "warming\nready now")
      assert.strictEqual(yield* child.until(() => (child.tail().endsWith("serving") ? "seen" : undefined), { what: "serving", timeoutMs: 5_000 }), "seen")
    }).pipe(Effect.scoped))

  it.live("fails ChildNotReady with the exit and the output's tail when the child exits first", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(spawnChild({ ...sh("echo starting; echo broken config >&2; exit 2"), ready: { what: "a ready line", timeoutMs: 5_000, line: (l) => l === "ready" } }))
      assert.instanceOf(error, ChildNotReady)
      const notReady = error as ChildNotReady
      assert.strictEqual(notReady.reason, "exited")
      assert.strictEqual(notReady.code, 2)
      assert.include(notReady.tail, "broken config")
      assert.include(notReady.message, "sh exited (code 2) before a ready line")
    }).pipe(Effect.scoped))

  it.live("fails ChildNotReady on timeout, and the scope stops the child", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      let pid = 0
      const error = yield* Effect.flip(spawnChild({
        ...sh("echo never ready; exec sleep 600"),
        ready: { what: "a probe", timeoutMs: 300, probe: (p) => Effect.sync(() => { pid = p; return false }) }
      }).pipe(Scope.provide(scope)))
      assert.strictEqual((error as ChildNotReady).reason, "timeout")
      assert.include(error.message, "a probe not within 0.3 s")
      assert.include((error as ChildNotReady).tail, "never ready")
      assert.strictEqual(isAlive(pid), true)
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual(isAlive(pid), false)
    }))

  it.live("is ready once a probe answers true", () =>
    Effect.gen(function*() {
      let tries = 0
      yield* spawnChild({ ...sh("exec sleep 600"), ready: { what: "third try", timeoutMs: 5_000, probeEveryMs: 10, probe: () => Effect.sync(() => ++tries >= 3) } })
      assert.strictEqual(tries, 3)
    }).pipe(Effect.scoped))

  it.live("stop: SIGTERM; a child that ignores it is SIGKILLed after the grace period", () =>
    Effect.gen(function*() {
      const polite = yield* spawnChild(sh("exec sleep 600"))
      assert.deepStrictEqual(yield* polite.stop, { code: null, signal: "SIGTERM" })
      const stubborn = yield* spawnChild({ ...sh("trap '' TERM; echo trapped; exec sleep 600"), stopGraceMs: 300, ready: { what: "trap set", timeoutMs: 5_000, line: (l) => l === "trapped" } })
      const started = Date.now()
      assert.deepStrictEqual(yield* stubborn.stop, { code: null, signal: "SIGKILL" })
      assert.isAtLeast(Date.now() - started, 250)
      const crashed = yield* spawnChild(sh("exec sleep 600"))
      assert.deepStrictEqual(yield* crashed.kill, { code: null, signal: "SIGKILL" })
      assert.deepStrictEqual(yield* crashed.stop, { code: null, signal: "SIGKILL" }) // already gone: same answer
    }).pipe(Effect.scoped))

  it.live("fails ChildSpawnFailed for a binary that does not exist, or a log file it cannot open", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.flip(spawnChild({ name: "ghost", command: "/nonexistent/ghost" }))
      assert.instanceOf(missing, ChildSpawnFailed)
      assert.include(missing.message, "ghost: cannot start /nonexistent/ghost")
      const badLog = yield* Effect.flip(spawnChild({ ...sh("true"), logFile: "/nonexistent/dir/x.log" }))
      assert.include(badLog.message, "cannot open log file")
    }).pipe(Effect.scoped))
})

describe("RunningChild", () => {
  it("starts, waits and stops as a Promise", async () => {
    const child = await RunningChild.start({ ...sh("echo up; exec sleep 600"), ready: { what: "up", timeoutMs: 5_000, line: (l) => l === "up" } })
    expect(child.running).toBe(true)
    expect(child.tail()).toBe("up")
    expect(await child.stop()).toEqual({ code: null, signal: "SIGTERM" })
    expect(child.running).toBe(false)
    expect(isAlive(child.pid)).toBe(false)
    await expect(RunningChild.start({ ...sh("exit 1"), ready: { what: "up", timeoutMs: 5_000, line: () => false } })).rejects.toBeInstanceOf(ChildNotReady)
  })

  it("leaves no orphan when the parent is SIGKILLed (no hook runs)", async () => {
    const parent = await RunningChild.start({
      name: "parent",
      command: NODE,
      args: [join(import.meta.dirname, "orphan-parent.ts")],
      ready: { what: "its child's pid", timeoutMs: 20_000, line: (l) => l.startsWith("child ") }
    })
    const pid = Number(/child (\d+)/.exec(parent.tail())![1])
    expect(isAlive(pid)).toBe(true)
    await parent.kill()
    const deadline = Date.now() + 5_000
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(isAlive(pid)).toBe(false)
  })
})
