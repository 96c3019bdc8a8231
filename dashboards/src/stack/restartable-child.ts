/**
 * A stack process for the life of a scope, supervised: `start` spawns it (#engine's
 * `spawnChild`, its output in its log file) and waits until it is ready, `stop` ends it
 * (SIGTERM, then SIGKILL) on purpose (the drill's outages), and closing the scope stops it and
 * says so. A death nobody asked for is reported at once with the last lines of its log; then,
 * by the child's policy (docs/dashboards.md, "Supervision"):
 *
 * - `restart` (engines, the gateway, Prometheus): started again, at most RESTART_LIMIT times
 *   in RESTART_WINDOW_MS; one more death in that window ends the stack;
 * - `end` (nats-server, the replay): the stack ends: exit 1, or 0 when the replay ended with
 *   code 0 (the run is over).
 */
import { answersOk, spawnChild, type Child, type ChildExit, type ChildSpec } from "#engine"
import { Data, Deferred, Effect, Exit, Scope, Semaphore } from "effect"

/** Readiness waits: a loaded 2-core machine starts a replay in well over a minute (issue 17); an exit fails the wait at once. */
const START_TIMEOUT_MS = 300_000
export const RESTART_LIMIT = 3
export const RESTART_WINDOW_MS = 5 * 60_000
/** Log lines shown with a death. */
const DEATH_TAIL_LINES = 15

export class StackStartFailed extends Data.TaggedError("StackStartFailed")<{ readonly message: string }> {}

/** The stack ends because a child died (or the replay finished): `code` is the stack's exit code. */
export class StackEnded extends Data.TaggedError("StackEnded")<{ readonly message: string; readonly code: number }> {}

export interface RestartableChild {
  readonly start: Effect.Effect<void, StackStartFailed>
  readonly stop: Effect.Effect<void>
}

/** What every child of one stack shares: where it reports, how it ends the stack, whether the stack is stopping anyway. */
export interface Supervision {
  readonly say: (line: string) => Effect.Effect<void>
  readonly end: Deferred.Deferred<void, StackEnded>
  /** True once a signal asked the whole stack to stop: children exiting then are not deaths. */
  readonly stopping: () => boolean
}

export type OnDeath = "restart" | "end"

const failed = (e: { readonly message: string }) => new StackStartFailed({ message: e.message })

export const describeExit = (exit: ChildExit) => (exit.signal === null ? `exit code ${exit.code}` : `signal ${exit.signal}`)

const indent = (text: string) => text.split("\n").map((line) => `    ${line}`).join("\n")

/** Started once here, a fresh process each `start`; `ready` says when it serves (a URL answering 2xx, or the spec's own). */
export const restartableChild = (spec: ChildSpec, ready: string | undefined, onDeath: OnDeath, supervision: Supervision) => {
  const supervised: ChildSpec = ready === undefined
    ? spec
    : { ...spec, ready: { what: `${ready} answering`, timeoutMs: START_TIMEOUT_MS, probe: () => answersOk(ready) } }
  const { say } = supervision
  return Effect.gen(function*() {
    const child = yield* Effect.acquireRelease(setup(supervised, onDeath, supervision), (child) =>
      child.stopAndReport.pipe(Effect.flatMap((stopped) => stopped === undefined ? Effect.void : say(`stopped ${spec.name} (pid ${stopped.child.pid}, ${describeExit(stopped.exit)})`))))
    // Outside the acquisition, which is uninterruptible: Ctrl-C during a slow start stops it.
    yield* child.start
    return { start: child.start, stop: child.stop } satisfies RestartableChild
  })
}

const setup = (spec: ChildSpec, onDeath: OnDeath, supervision: Supervision) =>
  Effect.gen(function*() {
    const { say, end } = supervision
    const where = spec.logFile ?? "its output"
    const outer = yield* Effect.scope
    const lock = yield* Semaphore.make(1)
    let current: { readonly scope: Scope.Closeable; readonly child: Child } | undefined
    /** Bumped by every start and stop: the watcher of an older process knows it was stopped on purpose. */
    let generation = 0
    const deaths: Array<number> = []

    const stopNow = Effect.suspend(() => {
      const running = current
      current = undefined
      generation++
      return running === undefined
        ? Effect.succeed(undefined)
        : Scope.close(running.scope, Exit.void).pipe(Effect.andThen(running.child.closed), Effect.map((exit) => ({ child: running.child, exit })))
    })

    const startNow: Effect.Effect<void, StackStartFailed> = Effect.gen(function*() {
      const scope = yield* Scope.make()
      const child = yield* spawnChild(spec).pipe(Scope.provide(scope), Effect.mapError(failed), Effect.onError(() => Scope.close(scope, Exit.void)))
      const mine = ++generation
      current = { scope, child }
      yield* Effect.forkIn(watch(child, mine), outer)
    })

    const endStack = (message: string, code: number) => Deferred.fail(end, new StackEnded({ message, code }))

    const afterDeath = (child: Child, exit: ChildExit) =>
      Effect.gen(function*() {
        if (onDeath === "end" && exit.code === 0) {
          yield* say(`${spec.name} ended (exit code 0)`)
          return yield* Deferred.succeed(end, undefined)
        }
        yield* say(`${spec.name} (pid ${child.pid}) died: ${describeExit(exit)}; last lines of ${where}:\n${indent(child.tail(DEATH_TAIL_LINES))}`)
        if (onDeath === "end") return yield* endStack(`${spec.name} died (${describeExit(exit)}): everything stopped`, 1)
        const now = Date.now()
        while (deaths.length > 0 && deaths[0]! <= now - RESTART_WINDOW_MS) deaths.shift()
        deaths.push(now)
        if (deaths.length > RESTART_LIMIT) {
          return yield* endStack(`${spec.name} died ${deaths.length} times in ${RESTART_WINDOW_MS / 60_000} minutes: everything stopped`, 1)
        }
        yield* say(`restarting ${spec.name} (restart ${deaths.length} of at most ${RESTART_LIMIT} in ${RESTART_WINDOW_MS / 60_000} minutes)`)
        return yield* lock.withPermits(1)(startNow).pipe(Effect.matchEffect({
          onFailure: (e) => endStack(`${spec.name} did not come back: ${e.message}`, 1),
          onSuccess: () => say(`${spec.name} restarted (pid ${current?.child.pid})`).pipe(Effect.as(true))
        }))
      })

    const watch = (child: Child, mine: number): Effect.Effect<void> =>
      Effect.gen(function*() {
        const exit = yield* child.closed
        // Stopped on purpose, or the whole stack is stopping: not a death.
        if (mine !== generation || supervision.stopping() || (yield* Deferred.isDone(end))) return
        current = undefined
        yield* afterDeath(child, exit)
      })

    return {
      start: lock.withPermits(1)(startNow.pipe(Effect.tapError(() => stopNow))),
      stop: lock.withPermits(1)(stopNow).pipe(Effect.asVoid),
      stopAndReport: lock.withPermits(1)(stopNow)
    }
  })

/** A one-shot process that must exit 0; stopped (and listed) if the stack stops meanwhile. */
export const runToCompletion = (spec: ChildSpec, supervision: Supervision) =>
  Effect.gen(function*() {
    const child = yield* spawnChild(spec)
    yield* Effect.addFinalizer((exit) =>
      Exit.hasInterrupts(exit) ? child.stop.pipe(Effect.flatMap((stopped) => supervision.say(`stopped ${spec.name} (pid ${child.pid}, ${describeExit(stopped)})`))) : Effect.void
    )
    const exit = yield* child.closed
    if (exit.code !== 0) return yield* new StackStartFailed({ message: `${child.name} exited ${exit.code ?? exit.signal}:\n${child.tail(20)}` })
  }).pipe(Effect.mapError(failed), Effect.scoped)
