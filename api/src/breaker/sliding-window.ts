/**
 * Sliding windows over call outcomes: what the circuit breaker's failure and slow-call rates
 * are computed from. Two kinds, as in resilience4j (`FixedSizeSlidingWindowMetrics`,
 * `SlidingTimeWindowMetrics`):
 *
 * - count-based: the last N calls, in a ring buffer of one byte per call;
 * - time-based: the calls of the last N seconds, in N one-second buckets; a call made in
 *   second s (`floor(ms / 1000)`) counts while the newest second is below s + N.
 *
 * Both keep running totals, so recording is O(1) (time-based: amortised, each second's bucket is
 * cleared once as time passes it) and reading the totals is free. Totals are as of the last
 * `record`: the breaker reads them right after recording, which is when it decides.
 * Time is in ms and must not go backwards (the breaker guarantees it).
 */
import type { SlidingWindowConfig } from "./breaker-config.ts"

/** What a window holds. Slow calls include slow failures. */
export interface WindowCounts {
  readonly calls: number
  readonly failures: number
  readonly slowCalls: number
}

export interface SlidingWindow extends WindowCounts {
  /** Adds one call's outcome, made at `now` (ms), dropping what the window no longer holds. */
  record(failed: boolean, slow: boolean, now: number): void
}

const FAILED = 1
const SLOW = 2
const BUCKET_MS = 1_000

/** The last `size` calls. */
export class CountWindow implements SlidingWindow {
  readonly #outcomes: Uint8Array
  #next = 0
  #calls = 0
  #failures = 0
  #slowCalls = 0

  constructor(size: number) {
    this.#outcomes = new Uint8Array(size)
  }

  get calls(): number {
    return this.#calls
  }
  get failures(): number {
    return this.#failures
  }
  get slowCalls(): number {
    return this.#slowCalls
  }

  record(failed: boolean, slow: boolean): void {
    const outcomes = this.#outcomes
    if (this.#calls === outcomes.length) {
      const evicted = outcomes[this.#next]!
      this.#failures -= evicted & FAILED
      this.#slowCalls -= (evicted & SLOW) >> 1
    } else {
      this.#calls++
    }
    outcomes[this.#next] = (failed ? FAILED : 0) | (slow ? SLOW : 0)
    this.#failures += failed ? 1 : 0
    this.#slowCalls += slow ? 1 : 0
    this.#next = this.#next + 1 === outcomes.length ? 0 : this.#next + 1
  }
}

/** The calls of the last `seconds` whole seconds, the current one included. */
export class TimeWindow implements SlidingWindow {
  readonly #calls: Uint32Array
  readonly #failures: Uint32Array
  readonly #slowCalls: Uint32Array
  /** The newest second recorded; every bucket holds a second in (newest - size, newest]. */
  #newest = Number.NEGATIVE_INFINITY
  #totalCalls = 0
  #totalFailures = 0
  #totalSlowCalls = 0

  constructor(seconds: number) {
    this.#calls = new Uint32Array(seconds)
    this.#failures = new Uint32Array(seconds)
    this.#slowCalls = new Uint32Array(seconds)
  }

  get calls(): number {
    return this.#totalCalls
  }
  get failures(): number {
    return this.#totalFailures
  }
  get slowCalls(): number {
    return this.#totalSlowCalls
  }

  record(failed: boolean, slow: boolean, now: number): void {
    const second = Math.floor(now / BUCKET_MS)
    if (second > this.#newest) this.#slideTo(second)
    const bucket = this.#bucketOf(second)
    this.#calls[bucket]!++
    this.#totalCalls++
    if (failed) {
      this.#failures[bucket]!++
      this.#totalFailures++
    }
    if (slow) {
      this.#slowCalls[bucket]!++
      this.#totalSlowCalls++
    }
  }

  /** Empties the buckets of the seconds that slide out when `second` becomes the newest. */
  #slideTo(second: number): void {
    const size = this.#calls.length
    if (second - this.#newest >= size) {
      this.#calls.fill(0)
      this.#failures.fill(0)
      this.#slowCalls.fill(0)
      this.#totalCalls = this.#totalFailures = this.#totalSlowCalls = 0
    } else {
      for (let s = this.#newest + 1; s <= second; s++) {
        const bucket = this.#bucketOf(s)
        this.#totalCalls -= this.#calls[bucket]!
        this.#totalFailures -= this.#failures[bucket]!
        this.#totalSlowCalls -= this.#slowCalls[bucket]!
        this.#calls[bucket] = this.#failures[bucket] = this.#slowCalls[bucket] = 0
      }
    }
    this.#newest = second
  }

  #bucketOf(second: number): number {
    const size = this.#calls.length
    return ((second % size) + size) % size
  }
}

export const makeSlidingWindow = (config: SlidingWindowConfig): SlidingWindow =>
  config.kind === "count" ? new CountWindow(config.calls) : new TimeWindow(config.seconds)
