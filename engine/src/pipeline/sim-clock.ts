/**
 * A simulation clock (`dispatch engine --clock sim`): an Effect `Clock` whose time moves only
 * when a simulator says so, provided to a partition's matcher loop instead of the wall clock.
 *
 * Two marks, so that a tick can carry the inputs of its instant before the windows due at it
 * close (the in-process simulator's order within one millisecond: driver states, cancels,
 * requests, then the batch window):
 * - `now` (what `currentTimeMillis` reads) is set by `setTime`: orders handled from then on
 *   are handled at that time;
 * - `releasedUpTo`: sleeps whose target is at or before it complete (`release`), and the
 *   partition closes batch windows up to it (its `tickTime`).
 * Time never goes back.
 */
import { Duration, Effect, type Clock } from "effect"

interface Sleeper {
  readonly at: number
  readonly wake: () => void
}

export class SimClock implements Clock.Clock {
  #now: number
  #releasedUpTo: number
  readonly #sleepers = new Set<Sleeper>()

  constructor(start: number) {
    this.#now = start
    this.#releasedUpTo = start
  }

  get now(): number {
    return this.#now
  }
  get releasedUpTo(): number {
    return this.#releasedUpTo
  }

  /** Moves `now` forward to `at` (never back); no sleep completes. */
  setTime(at: number): void {
    if (at > this.#now) this.#now = at
  }

  /** Moves time to `at` and completes every sleep due by then. */
  release(at: number): void {
    this.setTime(at)
    if (this.#now > this.#releasedUpTo) this.#releasedUpTo = this.#now
    for (const sleeper of [...this.#sleepers]) {
      if (sleeper.at <= this.#releasedUpTo) {
        this.#sleepers.delete(sleeper)
        sleeper.wake()
      }
    }
  }

  currentTimeMillisUnsafe(): number {
    return this.#now
  }
  readonly currentTimeMillis: Effect.Effect<number> = Effect.sync(() => this.#now)
  currentTimeNanosUnsafe(): bigint {
    return BigInt(this.#now) * 1_000_000n
  }
  readonly currentTimeNanos: Effect.Effect<bigint> = Effect.sync(() => this.currentTimeNanosUnsafe())
  monotonicTimeNanosUnsafe(): bigint {
    return this.currentTimeNanosUnsafe()
  }
  readonly monotonicTimeNanos: Effect.Effect<bigint> = Effect.sync(() => this.currentTimeNanosUnsafe())

  sleep(duration: Duration.Duration): Effect.Effect<void> {
    return Effect.suspend(() => {
      const millis = Duration.toMillis(duration)
      if (!Number.isFinite(millis)) return Effect.never
      const at = this.#now + Math.max(0, millis)
      if (at <= this.#releasedUpTo) return Effect.yieldNow
      return Effect.callback<void>((resume) => {
        const sleeper: Sleeper = { at, wake: () => resume(Effect.void) }
        this.#sleepers.add(sleeper)
        return Effect.sync(() => {
          this.#sleepers.delete(sleeper)
        })
      })
    })
  }
}
