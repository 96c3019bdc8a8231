/**
 * A stack process for the life of a scope that the drill can stop and start again: `start`
 * spawns it and waits until its ready URL answers, `stop` ends it (SIGTERM, then SIGKILL), and
 * closing the scope stops whatever is running.
 */
import { Data, Effect } from "effect"
import type { ManagedProcess } from "./managed-process.ts"

const START_TIMEOUT_MS = 60_000

export class StackStartFailed extends Data.TaggedError("StackStartFailed")<{ readonly message: string }> {}

export interface RestartableChild {
  readonly start: Effect.Effect<void, StackStartFailed>
  readonly stop: Effect.Effect<void>
}

const describe = (e: unknown) => (e instanceof Error ? e.message : String(e))

/** Started once here; `spawn` makes a fresh process each time, `readyUrl` says when it serves. */
export const restartableChild = (spawn: () => ManagedProcess, readyUrl: string | undefined) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      let current: ManagedProcess | undefined
      const stop = Effect.promise(async () => {
        const child = current
        current = undefined
        await child?.stop()
      })
      const start = Effect.tryPromise({
        try: async () => {
          const child = spawn()
          current = child
          if (readyUrl !== undefined) await child.waitFor(readyUrl, START_TIMEOUT_MS)
        },
        catch: (e) => new StackStartFailed({ message: describe(e) })
      }).pipe(Effect.tapError(() => stop))
      yield* start
      return { start, stop } satisfies RestartableChild
    }),
    (child) => child.stop
  )

/** A one-shot process that must exit 0. */
export const runToCompletion = (spawn: () => ManagedProcess) =>
  Effect.tryPromise({
    try: async () => {
      const child = spawn()
      const code = await child.exited
      if (code !== 0) throw new Error(`${child.name} exited ${code}:\n${child.tail()}`)
    },
    catch: (e) => new StackStartFailed({ message: describe(e) })
  })
