/**
 * One token bucket: `burst` tokens of capacity, refilled at `perSecond` tokens per second,
 * lazily (nothing runs between checks: each check credits the time since the last one).
 *
 * Kept as a single number, the time at which the bucket will be full again (`fullAt`), the
 * "theoretical arrival time" form of the generic cell rate algorithm (GCRA, ITU-T I.371): a
 * bucket at `now` holds `burst - max(0, fullAt - now) / interval` tokens, and taking one moves
 * `fullAt` one `interval` later. Everything is integer microseconds, so the arithmetic is exact:
 *
 * - `interval` = ceil(1e6 / perSecond) µs per token (rounded UP: the bucket never refills faster
 *   than configured, so at most burst + perSecond × t calls pass in any interval of length t);
 * - time comes from a monotonic clock as microseconds (callers floor a ms reading × 1000); a
 *   time older than one already seen counts as the latest seen;
 * - no allocation: a check returns a number, and `remaining`/`fullInUs` read the same state.
 */

/** A configured limit: what one caller may send to one region. */
export interface RateLimit {
  /** Capacity: calls a caller that was quiet long enough may send at once (integer >= 1). */
  readonly burst: number
  /** Refill rate, tokens per second (> 0). */
  readonly perSecond: number
}

/** Microseconds per token: rounded up, so the real rate is never above `perSecond`. */
export const intervalUs = (limit: RateLimit): number => Math.ceil(1_000_000 / limit.perSecond)

export class TokenBucket {
  /** When the bucket will be full again (µs); at or before `#seen` means full. */
  #fullAt: number
  /** The latest time seen (µs): time never goes back. */
  #seen: number
  /** The limit `#fullAt` was computed with; a different one rescales the debt. */
  #limit: RateLimit
  #interval: number

  /** A full bucket at `nowUs`. */
  constructor(limit: RateLimit, nowUs: number) {
    this.#limit = limit
    this.#interval = intervalUs(limit)
    this.#fullAt = nowUs
    this.#seen = nowUs
  }

  /**
   * Takes one token at `nowUs` if there is one. Returns 0 when taken, else the wait in µs until
   * one is available (exact: a take at `nowUs + wait` succeeds, one a microsecond earlier not).
   */
  take(limit: RateLimit, nowUs: number): number {
    const now = this.#advance(limit, nowUs)
    const next = Math.max(this.#fullAt, now) + this.#interval
    const capacity = this.#limit.burst * this.#interval
    if (next - now <= capacity) {
      this.#fullAt = next
      return 0
    }
    return next - now - capacity
  }

  /** Whole tokens left at `nowUs` (0 to burst). */
  remaining(limit: RateLimit, nowUs: number): number {
    const now = this.#advance(limit, nowUs)
    return this.#limit.burst - Math.ceil(Math.max(0, this.#fullAt - now) / this.#interval)
  }

  /** Tokens at `nowUs`, fractions included (0 to burst): what a reference model compares. */
  level(limit: RateLimit, nowUs: number): number {
    const now = this.#advance(limit, nowUs)
    return this.#limit.burst - Math.max(0, this.#fullAt - now) / this.#interval
  }

  /** µs until the bucket is full again (0: full): the `t` of the RateLimit header. */
  fullInUs(limit: RateLimit, nowUs: number): number {
    const now = this.#advance(limit, nowUs)
    return Math.max(0, this.#fullAt - now)
  }

  /** Whether the bucket is full at `nowUs`: a full bucket is the same as none, so it may be dropped. */
  isFull(nowUs: number): boolean {
    return this.#fullAt <= Math.max(nowUs, this.#seen)
  }

  /**
   * The clamped time; when ops changed the limit, the tokens missing so far are kept (at most
   * the new burst), counted in the new interval, rounded towards fewer tokens.
   */
  #advance(limit: RateLimit, nowUs: number): number {
    const now = Math.max(nowUs, this.#seen)
    this.#seen = now
    if (limit !== this.#limit) {
      if (limit.burst !== this.#limit.burst || limit.perSecond !== this.#limit.perSecond) {
        const interval = intervalUs(limit)
        const missing = Math.min(limit.burst, Math.max(0, this.#fullAt - now) / this.#interval)
        this.#fullAt = now + Math.ceil(missing * interval)
        this.#interval = interval
      }
      this.#limit = limit
    }
    return now
  }
}
