/**
 * The gateway's buckets: one `TokenBucket` per (region, caller), created on a caller's first
 * request to a region that has a limit, with the limit read at each check (a change made by ops
 * applies to the next request; tokens already missing are kept, up to the new burst).
 *
 * Memory is bounded: at most `maxCallers` buckets per region. The map is kept in last-use
 * order (a hit is moved to the end), and when a new caller would exceed the bound the least
 * recently used bucket goes. A bucket that is full again carries no information (a new one
 * would be identical), so dropping it never lets anyone through earlier; one that is not full
 * is only dropped by an attacker cycling through more than `maxCallers` identities within the
 * time it takes to refill, which lets the evicted caller's next request find a full bucket.
 * Hence the gauge of buckets held, and the eviction counter.
 *
 * Plain code on the hot path: a check is two map lookups, one delete + set (the LRU move) and
 * integer arithmetic; it allocates nothing but a bucket for a new caller. It answers through a
 * `Decision` object the caller owns and reuses.
 */
import { intervalUs, type RateLimit, TokenBucket } from "./token-bucket.ts"

/** Buckets kept per region before the least recently used is dropped. */
export const DEFAULT_MAX_CALLERS_PER_REGION = 50_000

/** The outcome of one check, filled in place (no allocation per request). */
export interface Decision {
  allowed: boolean
  /** Whole tokens left after this request (0 when refused). */
  remaining: number
  /** Seconds until the bucket is full again (RateLimit `t`), rounded up. */
  resetSeconds: number
  /** When refused: seconds until the next token (Retry-After), rounded up, >= 1. */
  retryAfterSeconds: number
}

export const newDecision = (): Decision => ({ allowed: true, remaining: 0, resetSeconds: 0, retryAfterSeconds: 0 })

export interface LimiterEvents {
  /** The number of buckets held for `region` changed. */
  readonly onBuckets?: (region: string, size: number) => void
  /** A bucket not yet full was dropped to stay within the bound. */
  readonly onEvictedEarly?: (region: string) => void
}

const US_PER_SECOND = 1_000_000
const secondsUp = (us: number) => Math.ceil(us / US_PER_SECOND)

export class RateLimiter {
  readonly #byRegion = new Map<string, Map<string, TokenBucket>>()
  readonly #maxCallers: number
  readonly #events: LimiterEvents

  constructor(options: { readonly maxCallersPerRegion?: number; readonly events?: LimiterEvents } = {}) {
    this.#maxCallers = options.maxCallersPerRegion ?? DEFAULT_MAX_CALLERS_PER_REGION
    if (!(Number.isSafeInteger(this.#maxCallers) && this.#maxCallers >= 1)) throw new RangeError(`maxCallersPerRegion must be an integer >= 1, got ${this.#maxCallers}`)
    this.#events = options.events ?? {}
  }

  /** Takes a token of `caller`'s bucket for `region` under `limit` at `nowUs`, and says how it went in `out`. */
  check(region: string, caller: string, limit: RateLimit, nowUs: number, out: Decision): Decision {
    let buckets = this.#byRegion.get(region)
    if (buckets === undefined) {
      buckets = new Map()
      this.#byRegion.set(region, buckets)
    }
    let bucket = buckets.get(caller)
    if (bucket === undefined) {
      bucket = new TokenBucket(limit, nowUs)
      if (buckets.size >= this.#maxCallers) this.#evictOldest(region, buckets, nowUs)
      else this.#events.onBuckets?.(region, buckets.size + 1)
    } else {
      buckets.delete(caller)
    }
    buckets.set(caller, bucket)
    const wait = bucket.take(limit, nowUs)
    out.allowed = wait === 0
    out.remaining = bucket.remaining(limit, nowUs)
    out.resetSeconds = secondsUp(bucket.fullInUs(limit, nowUs))
    out.retryAfterSeconds = wait === 0 ? 0 : Math.max(1, secondsUp(wait))
    return out
  }

  /** Buckets held for `region` (for tests and the gauge). */
  size(region: string): number {
    return this.#byRegion.get(region)?.size ?? 0
  }

  /** The oldest entry goes; the new bucket takes its place, so the count is unchanged. */
  #evictOldest(region: string, buckets: Map<string, TokenBucket>, nowUs: number): void {
    for (const [oldest, bucket] of buckets) {
      buckets.delete(oldest)
      if (!bucket.isFull(nowUs)) this.#events.onEvictedEarly?.(region)
      return
    }
  }
}

/** The `RateLimit-Policy` quota window of a limit: seconds for an empty bucket to fill (w). */
export const windowSeconds = (limit: RateLimit): number => Math.max(1, secondsUp(limit.burst * intervalUs(limit)))
