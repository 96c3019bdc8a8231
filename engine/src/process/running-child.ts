/**
 * The supervisor (supervisor.ts) for callers outside Effect (vitest helpers, benches, a
 * worker thread): the same child, its scope opened by `start` and closed once it is gone.
 */
import { Cause, Effect, Exit, Scope } from "effect"
import type { Child, ChildExit, ChildSpec } from "./supervisor.ts"
import { spawnChild } from "./supervisor.ts"

export class RunningChild {
  /** Resolves once it has exited and its output is drained. */
  readonly exited: Promise<ChildExit>
  readonly #child: Child
  readonly #released: Promise<void>

  private constructor(child: Child, scope: Scope.Closeable) {
    this.#child = child
    this.exited = Effect.runPromise(child.closed)
    this.#released = this.exited.then(() => Effect.runPromise(Scope.close(scope, Exit.void)))
  }

  /** Spawns `spec` and waits until it is ready; rejects with ChildSpawnFailed or ChildNotReady (the child stopped). */
  static async start(spec: ChildSpec): Promise<RunningChild> {
    const scope = Scope.makeUnsafe()
    const started = await Effect.runPromiseExit(Scope.provide(scope)(spawnChild(spec)))
    if (Exit.isSuccess(started)) return new RunningChild(started.value, scope)
    await Effect.runPromise(Scope.close(scope, started))
    throw Cause.squash(started.cause)
  }

  get name(): string {
    return this.#child.name
  }
  get pid(): number {
    return this.#child.pid
  }
  get running(): boolean {
    return this.#child.isRunning()
  }

  /** Its last output lines (default: all kept). */
  tail(lines?: number): string {
    return this.#child.tail(lines)
  }

  /** See Child.until: rejects with ChildNotReady. */
  until<A>(check: () => A | undefined, wait: { readonly what: string; readonly timeoutMs: number }): Promise<A> {
    return Effect.runPromise(this.#child.until(check, wait))
  }

  /** SIGTERM, SIGKILL after the grace period; resolves once it is gone. */
  async stop(): Promise<ChildExit> {
    const exit = await Effect.runPromise(this.#child.stop)
    await this.#released
    return exit
  }

  /** SIGKILL: a crash, no shutdown work; resolves once it is gone. */
  async kill(): Promise<ChildExit> {
    const exit = await Effect.runPromise(this.#child.kill)
    await this.#released
    return exit
  }
}
