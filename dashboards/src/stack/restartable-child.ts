/**
 * A stack process for the life of a scope that the drill can stop and start again: `start`
 * spawns it (supervised by #engine's `spawnChild`, its output in its log file) and waits until
 * its ready URL answers, `stop` ends it (SIGTERM, then SIGKILL), and closing the scope stops
 * whatever is running.
 */
import { answersOk, spawnChild, type ChildSpec } from "#engine"
import { Data, Effect, Exit, Scope } from "effect"

const START_TIMEOUT_MS = 60_000

export class StackStartFailed extends Data.TaggedError("StackStartFailed")<{ readonly message: string }> {}

export interface RestartableChild {
  readonly start: Effect.Effect<void, StackStartFailed>
  readonly stop: Effect.Effect<void>
}

const failed = (e: { readonly message: string }) => new StackStartFailed({ message: e.message })

/** Started once here, a fresh process each `start`; `readyUrl` says when it serves. */
export const restartableChild = (spec: ChildSpec, readyUrl: string | undefined) => {
  const supervised: ChildSpec = readyUrl === undefined
    ? spec
    : { ...spec, ready: { what: `${readyUrl} answering`, timeoutMs: START_TIMEOUT_MS, probe: () => answersOk(readyUrl) } }
  return Effect.acquireRelease(
    Effect.gen(function*() {
      let current: Scope.Closeable | undefined
      const stop = Effect.suspend(() => {
        const scope = current
        current = undefined
        return scope === undefined ? Effect.void : Scope.close(scope, Exit.void)
      })
      const start = Effect.gen(function*() {
        const scope = yield* Scope.make()
        current = scope
        yield* spawnChild(supervised).pipe(Scope.provide(scope), Effect.mapError(failed))
      }).pipe(Effect.tapError(() => stop))
      yield* start
      return { start, stop } satisfies RestartableChild
    }),
    (child) => child.stop
  )
}

/** A one-shot process that must exit 0. */
export const runToCompletion = (spec: ChildSpec) =>
  Effect.gen(function*() {
    const child = yield* spawnChild(spec)
    const exit = yield* child.closed
    if (exit.code !== 0) return yield* new StackStartFailed({ message: `${child.name} exited ${exit.code ?? exit.signal}:\n${child.tail(20)}` })
  }).pipe(Effect.mapError(failed), Effect.scoped)
