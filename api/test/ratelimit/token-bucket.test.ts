/**
 * The token bucket (GCRA form, api/src/ratelimit/token-bucket.ts) against a plain reference
 * model: a token count in exact integers (units of 1/interval token), refilled by the time
 * elapsed and capped at the burst. Random limits, random time steps (in µs, from none to
 * several refills) and bursts of attempts at one instant.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { intervalUs, type RateLimit, TokenBucket } from "../../src/ratelimit/token-bucket.ts"

/** The reference: `units` / interval tokens, +1 unit per µs, at most burst × interval. */
class ReferenceBucket {
  units: number
  at: number
  readonly limit: RateLimit
  constructor(limit: RateLimit, now: number) {
    this.limit = limit
    this.units = limit.burst * intervalUs(limit)
    this.at = now
  }
  /** 0 when a token was taken, else µs until one is there. */
  take(now: number): number {
    const interval = intervalUs(this.limit)
    this.units = Math.min(this.limit.burst * interval, this.units + Math.max(0, now - this.at))
    this.at = Math.max(this.at, now)
    if (this.units >= interval) {
      this.units -= interval
      return 0
    }
    return interval - this.units
  }
  tokens(): number {
    return this.units / intervalUs(this.limit)
  }
}

/** Rates from one call per 100 s to 100 000 per second, fractional ones included. */
const rateLimit = fc.record({
  burst: fc.integer({ min: 1, max: 50 }),
  perSecond: fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.double({ min: 0.01, max: 1_000, noNaN: true }))
})

/** µs to the next instant (0: the same one; up to a few refills of a slow bucket), and how many attempts there. */
const step = fc.record({
  afterUs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 1, max: 5_000_000 })),
  attempts: fc.integer({ min: 1, max: 8 })
})
const steps = fc.array(step, { minLength: 1, maxLength: 120 })

/** Every interval [accepted[i], accepted[j]] holds j - i + 1 accepted calls: at most burst + perSecond × its length. */
const expectWithinLimit = (limit: RateLimit, accepted: ReadonlyArray<number>) => {
  for (let i = 0; i < accepted.length; i++) {
    for (let j = i; j < accepted.length; j++) {
      expect(j - i + 1).toBeLessThanOrEqual(limit.burst + (limit.perSecond * (accepted[j]! - accepted[i]!)) / 1e6)
    }
  }
}

describe("token bucket", () => {
  it("takes exactly when the reference model has a token, with the same wait; tokens stay within [0, burst]", () => {
    fc.assert(
      fc.property(rateLimit, fc.integer({ min: 0, max: 1e12 }), steps, (limit, start, plan) => {
        const bucket = new TokenBucket(limit, start)
        const model = new ReferenceBucket(limit, start)
        let now = start
        for (const s of plan) {
          now += s.afterUs
          for (let k = 0; k < s.attempts; k++) {
            expect(bucket.take(limit, now)).toBe(model.take(now))
            const level = bucket.level(limit, now)
            expect(level).toBeGreaterThanOrEqual(0)
            expect(level).toBeLessThanOrEqual(limit.burst)
            expect(level).toBeCloseTo(model.tokens(), 9)
            expect(bucket.remaining(limit, now)).toBe(Math.floor(model.tokens()))
          }
        }
      }),
      { numRuns: 400 }
    )
  })

  it("never accepts more than burst + perSecond × t in any interval of length t", () => {
    fc.assert(
      fc.property(rateLimit, steps, (limit, plan) => {
        const bucket = new TokenBucket(limit, 0)
        const accepted: Array<number> = []
        let now = 0
        for (const s of plan) {
          now += s.afterUs
          for (let k = 0; k < s.attempts; k++) if (bucket.take(limit, now) === 0) accepted.push(now)
        }
        expectWithinLimit(limit, accepted)
      }),
      { numRuns: 400 }
    )
  })

  // A client that retries exactly when told gets every token the moment it arrives: the
  // densest acceptance there is, so the bound is checked here too.
  it("the wait it gives is exact: a microsecond earlier is still refused, at the wait a token is there", () => {
    fc.assert(
      fc.property(rateLimit, steps, (limit, plan) => {
        const bucket = new TokenBucket(limit, 0)
        const accepted: Array<number> = []
        let now = 0
        for (const s of plan) {
          now += s.afterUs
          for (let k = 0; k < s.attempts; k++) {
            const wait = bucket.take(limit, now)
            if (wait === 0) {
              accepted.push(now)
              continue
            }
            expect(wait).toBeGreaterThan(0)
            expect(bucket.take(limit, now + wait - 1)).toBeGreaterThan(0)
            now += wait
            expect(bucket.take(limit, now)).toBe(0)
            accepted.push(now)
          }
        }
        expectWithinLimit(limit, accepted)
      }),
      { numRuns: 300 }
    )
  })

  it("a limit changed live keeps tokens within the new burst, and the new limit holds from then on", () => {
    fc.assert(
      fc.property(rateLimit, rateLimit, steps, steps, (before, after, first, second) => {
        const bucket = new TokenBucket(before, 0)
        let now = 0
        for (const s of first) {
          now += s.afterUs
          for (let k = 0; k < s.attempts; k++) bucket.take(before, now)
        }
        const level = bucket.level(after, now)
        expect(level).toBeGreaterThanOrEqual(0)
        expect(level).toBeLessThanOrEqual(after.burst)
        const changedAt = now
        let accepted = 0
        for (const s of second) {
          now += s.afterUs
          for (let k = 0; k < s.attempts; k++) if (bucket.take(after, now) === 0) accepted++
          expect(accepted).toBeLessThanOrEqual(after.burst + (after.perSecond * (now - changedAt)) / 1e6)
        }
      }),
      { numRuns: 300 }
    )
  })

  it("a clock that goes back refills nothing", () => {
    const limit = { burst: 2, perSecond: 1 }
    const bucket = new TokenBucket(limit, 10_000_000)
    expect(bucket.take(limit, 10_000_000)).toBe(0)
    expect(bucket.take(limit, 10_000_000)).toBe(0)
    expect(bucket.take(limit, 3_000_000)).toBe(1_000_000)
    expect(bucket.take(limit, 10_999_999)).toBe(1)
    expect(bucket.take(limit, 11_000_000)).toBe(0)
  })
})
