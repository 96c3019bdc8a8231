/**
 * The one way Dispatch runs a child process it depends on (nats-server, Prometheus, `dispatch
 * engine`, a bench's load generator): spawn it, capture its output (every line to a callback,
 * the last ones in memory, optionally all to a log file), wait until it is ready, and stop it
 * with SIGTERM, then SIGKILL after a grace period. It lives for a scope: closing the scope
 * stops it, so a failed test or Ctrl-C leaves nothing running, and orphan-guard.ts covers the
 * case where this process dies without closing any scope.
 *
 * Built on Effect's `ChildProcess` (a scoped spawn, SIGTERM then SIGKILL on release, output
 * as streams). What it lacks is added here: `close` semantics (the
 * child counts as gone once its pipes are drained, not at `exit`, as output can still be in
 * the pipes), the exit signal as a value, readiness waits, and the orphan guard.
 * running-child.ts is the Promise-shaped facade over the same core for non-Effect callers.
 *
 * Waits (readiness, `until`) use the Effect clock: under a TestClock run them with `it.live`.
 */
// Subpaths, not the package index: the index loads all of platform-node (HTTP, sockets), twice the start-up time.
import * as NodeChildProcessSpawner from "@effect/platform-node/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Deferred, Effect, Exit, Fiber, Layer, Stream, type Scope } from "effect"
import type { PlatformError } from "effect/PlatformError"
import { ChildProcess, ChildProcessSpawner } from "effect/process"
import { createWriteStream, openSync, type WriteStream } from "node:fs"
import { ChildNotReady, ChildSpawnFailed, type ChildError } from "./errors.ts"
import { LogTail } from "./log-tail.ts"
import { guardAgainstOrphans } from "./orphan-guard.ts"

/** How long stop waits after SIGTERM before SIGKILL (ms): what every caller used before. */
export const STOP_GRACE_MS = 10_000
/** Output lines kept in memory for `tail` and error messages. */
export const TAIL_LINES = 200
/** How long output may still drain once the child has exited (ms): a pipe buffer takes far less. */
export const DRAIN_AFTER_EXIT_MS = 2_000
/** How often a readiness probe is tried (ms). */
export const PROBE_EVERY_MS = 100

/** How a child ended: an exit code, or the signal that killed it. */
export interface ChildExit {
  readonly code: number | null
  readonly signal: string | null
}

/** What start waits for before it returns: a line, a probe answering true, or both (in that order). */
export interface ChildReadiness {
  /** Names it in ChildNotReady, e.g. "a `partition consuming` line" or "http://…/readyz answering". */
  readonly what: string
  readonly timeoutMs: number
  /** Ready once an output line (stdout or stderr, from the first one on) satisfies this. */
  readonly line?: (line: string) => boolean
  /** Ready once this answers true; tried every `probeEveryMs`. A failure counts as "not yet". */
  readonly probe?: (pid: number) => Effect.Effect<boolean, unknown>
  readonly probeEveryMs?: number
}

export interface ChildSpec {
  /** Names the child in errors and messages. */
  readonly name: string
  readonly command: string
  readonly args?: ReadonlyArray<string>
  readonly cwd?: string
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>
  /** Every output line is appended here too. */
  readonly logFile?: string
  /** Lines kept for `tail` (default TAIL_LINES). */
  readonly tailLines?: number
  /** Called with every output line as it arrives, before readiness and `until` look at it. */
  readonly onLine?: (line: string, from: "stdout" | "stderr") => void
  readonly stopGraceMs?: number
  readonly ready?: ChildReadiness
}

export interface Child {
  readonly name: string
  readonly pid: number
  readonly logFile: string | undefined
  /** False once the process has exited (its last output may still be draining). */
  readonly isRunning: () => boolean
  /** How it ended, once it has exited and its output is drained. */
  readonly closed: Effect.Effect<ChildExit>
  /** Its last output lines (default: all kept). */
  readonly tail: (lines?: number) => string
  /**
   * The first defined value of `check`, tried now and after every output line; fails if the
   * child closes or time runs out first. For waits on state the caller derives from `onLine`.
   */
  readonly until: <A>(check: () => A | undefined, wait: { readonly what: string; readonly timeoutMs: number }) => Effect.Effect<A, ChildNotReady>
  /** SIGTERM, SIGKILL after the grace period; how it ended once closed. */
  readonly stop: Effect.Effect<ChildExit>
  /** SIGKILL now (a crash: no shutdown work); how it ended once closed. */
  readonly kill: Effect.Effect<ChildExit>
}

const spawner = NodeChildProcessSpawner.layer.pipe(Layer.provide([NodeFileSystem.layer, NodePath.layer]))

/** Effect reports a death by signal only as an exit-code error whose cause names the signal. */
const exitOf = (exitCode: Effect.Effect<number, PlatformError>): Effect.Effect<ChildExit> =>
  exitCode.pipe(Effect.match({
    onSuccess: (code) => ({ code, signal: null }),
    onFailure: (e) => ({ code: null, signal: /signal: '(\w+)'/.exec(String(e.reason.cause ?? e.message))?.[1] ?? "unknown" })
  }))

/** Opens the log file before the spawn, so that a bad path fails the start instead of crashing later. */
const openLog = (spec: ChildSpec): Effect.Effect<WriteStream | undefined, ChildSpawnFailed> =>
  spec.logFile === undefined
    ? Effect.succeed(undefined)
    : Effect.try({
      try: () => createWriteStream("", { fd: openSync(spec.logFile!, "a") }),
      catch: (e) => new ChildSpawnFailed({ child: spec.name, command: spec.command, detail: `cannot open log file ${spec.logFile}: ${e instanceof Error ? e.message : String(e)}` })
    })

const endLog = (log: WriteStream | undefined) =>
  log === undefined ? Effect.void : Effect.callback<void>((resume) => void log.end(() => resume(Effect.void)))

/** Spawns `spec` for the current scope and, with `spec.ready`, waits until it is ready. */
export const spawnChild = (spec: ChildSpec): Effect.Effect<Child, ChildError, Scope.Scope> =>
  Effect.gen(function*() {
    const graceMs = spec.stopGraceMs ?? STOP_GRACE_MS
    const log = yield* openLog(spec)
    const command = ChildProcess.make(spec.command, [...(spec.args ?? [])], {
      ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
      ...(spec.env === undefined ? {} : { env: { ...spec.env }, extendEnv: true }),
      // In this process's group, as a shell would start it: Ctrl-C at a terminal reaches the
      // child too (Effect's default, a group of its own, would leave it to our shutdown alone).
      detached: false,
      stdin: "ignore",
      killSignal: "SIGTERM",
      forceKillAfter: graceMs
    })
    const handle = yield* (yield* ChildProcessSpawner.ChildProcessSpawner).spawn(command).pipe(
      Effect.tapError(() => endLog(log)),
      Effect.mapError((e) => new ChildSpawnFailed({ child: spec.name, command: spec.command, detail: e.message }))
    )
    const releaseGuard = guardAgainstOrphans(handle.pid)
    const tail = new LogTail(spec.tailLines ?? TAIL_LINES)
    const watchers = new Set<() => void>()
    const notify = () => {
      for (const watcher of [...watchers]) watcher()
    }
    let exited: ChildExit | undefined
    let closedAs: ChildExit | undefined
    let readyLineSeen = spec.ready?.line === undefined
    const closed = yield* Deferred.make<ChildExit>()

    const take = (from: "stdout" | "stderr") => (line: string) =>
      Effect.sync(() => {
        tail.push(line)
        log?.write(`${line}\n`)
        try {
          spec.onLine?.(line, from)
        } catch (e) {
          // The pipe must keep draining whatever a caller's callback does, or the child blocks.
          tail.push(`[supervisor] onLine failed: ${e instanceof Error ? e.message : String(e)}`)
        }
        if (!readyLineSeen && spec.ready?.line?.(line) === true) readyLineSeen = true
        notify()
      })
    const drain = (stream: Stream.Stream<Uint8Array, PlatformError>, from: "stdout" | "stderr") =>
      stream.pipe(Stream.decodeText, Stream.splitLines, Stream.runForEach(take(from)), Effect.exit)

    yield* Effect.forkScoped(
      Effect.gen(function*() {
        const output = yield* Effect.forkChild(Effect.all([drain(handle.stdout, "stdout"), drain(handle.stderr, "stderr")], { concurrency: 2 }), { startImmediately: true })
        exited = yield* exitOf(handle.exitCode)
        // Output still in the pipes is read; a pipe something else holds open (a grandchild
        // that outlived it) must not keep the child from counting as gone.
        yield* Fiber.join(output).pipe(Effect.timeoutOrElse({ duration: DRAIN_AFTER_EXIT_MS, orElse: () => Fiber.interrupt(output) }))
        yield* endLog(log)
        releaseGuard()
        closedAs = exited
        notify()
        yield* Deferred.succeed(closed, closedAs)
      }),
      { startImmediately: true }
    )

    const terminate = (signal: "SIGTERM" | "SIGKILL") =>
      Effect.gen(function*() {
        if (exited === undefined) yield* Effect.ignore(handle.kill({ killSignal: signal, forceKillAfter: graceMs }))
        return yield* Deferred.await(closed)
      })
    // Added after the output fiber, so it runs before that fiber is interrupted: the last
    // output (shutdown logs) is still captured when the scope closes.
    yield* Effect.addFinalizer(() => terminate("SIGTERM"))

    const notReady = (what: string, reason: "exited" | "timeout", timeoutMs: number) =>
      new ChildNotReady({
        child: spec.name,
        waitedFor: what,
        reason,
        timeoutMs,
        code: closedAs?.code ?? null,
        signal: closedAs?.signal ?? null,
        tail: tail.text(40),
        ...(spec.logFile === undefined ? {} : { logFile: spec.logFile })
      })
    /** Fails with "exited" once the child has closed: whatever it printed last was seen. */
    const watch = <A>(check: () => A | undefined, what: string, timeoutMs: number) =>
      Effect.callback<A, ChildNotReady>((resume) => {
        const test = () => {
          const found = check()
          if (found === undefined && closedAs === undefined) return
          watchers.delete(test)
          resume(found === undefined ? Effect.fail(notReady(what, "exited", timeoutMs)) : Effect.succeed(found))
        }
        watchers.add(test)
        test()
        return Effect.sync(() => void watchers.delete(test))
      })
    const poll = (probe: (pid: number) => Effect.Effect<boolean, unknown>, everyMs: number, what: string, timeoutMs: number) =>
      Effect.gen(function*() {
        while (true) {
          if (exited !== undefined) {
            yield* Deferred.await(closed)
            return yield* notReady(what, "exited", timeoutMs)
          }
          const answer = yield* Effect.exit(probe(handle.pid))
          if (Exit.isSuccess(answer) && answer.value) return
          yield* Effect.sleep(everyMs)
        }
      })
    const within = <A>(wait: Effect.Effect<A, ChildNotReady>, what: string, timeoutMs: number) =>
      wait.pipe(Effect.timeoutOrElse({ duration: timeoutMs, orElse: () => Effect.fail(notReady(what, "timeout", timeoutMs)) }))

    const child: Child = {
      name: spec.name,
      pid: handle.pid,
      logFile: spec.logFile,
      isRunning: () => exited === undefined,
      closed: Deferred.await(closed),
      tail: (lines) => tail.text(lines),
      until: (check, { what, timeoutMs }) => within(watch(check, what, timeoutMs), what, timeoutMs),
      stop: terminate("SIGTERM"),
      kill: terminate("SIGKILL")
    }
    const ready = spec.ready
    if (ready !== undefined) {
      yield* within(
        Effect.gen(function*() {
          yield* watch(() => (readyLineSeen ? true : undefined), ready.what, ready.timeoutMs)
          if (ready.probe !== undefined) yield* poll(ready.probe, ready.probeEveryMs ?? PROBE_EVERY_MS, ready.what, ready.timeoutMs)
        }),
        ready.what,
        ready.timeoutMs
      )
    }
    return child
  }).pipe(Effect.provide(spawner))
