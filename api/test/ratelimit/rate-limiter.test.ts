/**
 * The per-(region, caller) buckets: independent per caller and per region, Retry-After and the
 * header values from the bucket, bounded memory (least recently used dropped first), and a
 * load run on a controlled clock: many callers at many times the limit for a simulated minute,
 * each held to burst + rate × t.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { newDecision, RateLimiter, windowSeconds } from "../../src/ratelimit/rate-limiter.ts"

const S = 1_000_000

describe("rate limiter", () => {
  it("keeps one bucket per caller and per region", () => {
    const limiter = new RateLimiter()
    const limit = { burst: 2, perSecond: 1 }
    const d = newDecision()
    expect(limiter.check("us-west", "a", limit, 0, d).allowed).toBe(true)
    expect(limiter.check("us-west", "a", limit, 0, d).allowed).toBe(true)
    expect(limiter.check("us-west", "a", limit, 0, d).allowed).toBe(false)
    expect(limiter.check("us-west", "b", limit, 0, d).allowed).toBe(true)
    expect(limiter.check("us-east", "a", limit, 0, d).allowed).toBe(true)
    expect([limiter.size("us-west"), limiter.size("us-east")]).toEqual([2, 1])
  })

  it("says when to retry and what is left, rounded up to whole seconds", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.double({ min: 0.05, max: 50, noNaN: true }), fc.integer({ min: 0, max: 10 * S }), (burst, perSecond, gap) => {
        const limiter = new RateLimiter()
        const limit = { burst, perSecond }
        const d = newDecision()
        for (let i = 0; i < burst; i++) {
          limiter.check("r", "c", limit, 0, d)
          expect(d).toMatchObject({ allowed: true, remaining: burst - i - 1, retryAfterSeconds: 0 })
        }
        const interval = Math.ceil(S / perSecond)
        const missing = Math.max(0, burst * interval - gap)
        limiter.check("r", "c", limit, gap, d)
        if (missing <= (burst - 1) * interval) return // refilled enough: taken
        expect(d.allowed).toBe(false)
        expect(d.remaining).toBe(0)
        // the next token comes when `interval` units have been refilled since the bucket emptied
        expect(d.retryAfterSeconds).toBe(Math.max(1, Math.ceil((missing - (burst - 1) * interval) / S)))
        expect(d.resetSeconds).toBe(Math.ceil(missing / S))
      }),
      { numRuns: 300 }
    )
    expect(windowSeconds({ burst: 100, perSecond: 50 })).toBe(2)
    expect(windowSeconds({ burst: 1, perSecond: 1000 })).toBe(1)
  })

  it("holds at most maxCallers buckets per region, dropping the least recently used", () => {
    const early: Array<string> = []
    const sizes: Array<number> = []
    const limiter = new RateLimiter({ maxCallersPerRegion: 3, events: { onEvictedEarly: (r) => early.push(r), onBuckets: (_, n) => sizes.push(n) } })
    const limit = { burst: 1, perSecond: 1 }
    const d = newDecision()
    for (const c of ["a", "b", "c"]) limiter.check("r", c, limit, 0, d)
    expect(limiter.check("r", "a", limit, 0, d).allowed).toBe(false) // a is now the most recent
    limiter.check("r", "d", limit, 0, d) // drops b, the least recently used, not yet refilled
    expect(limiter.size("r")).toBe(3)
    expect(early).toEqual(["r"])
    expect(sizes).toEqual([1, 2, 3])
    expect(limiter.check("r", "a", limit, 0, d).allowed).toBe(false) // a kept its empty bucket
    expect(limiter.check("r", "b", limit, 0, d).allowed).toBe(true) // b starts again full
    limiter.check("r", "e", limit, 2 * S, d) // drops c, full again by now: not an early eviction
    expect(early).toEqual(["r", "r"]) // b's return dropped d early (d was empty); e's drop of c was not early
  })

  it("load: 200 callers at 10× their limit for a simulated minute are each held to burst + rate × t", () => {
    const limiter = new RateLimiter()
    const limit = { burst: 20, perSecond: 5 }
    const d = newDecision()
    const callers = 200
    const seconds = 60
    const perCallerPerSecond = 50 // 10 × the limit
    const accepted = new Array<number>(callers).fill(0)
    const ticks = seconds * perCallerPerSecond
    for (let tick = 0; tick < ticks; tick++) {
      const now = Math.floor((tick * S) / perCallerPerSecond)
      for (let c = 0; c < callers; c++) if (limiter.check("us-west", `c${c}`, limit, now + c, d).allowed) accepted[c]!++
    }
    const allowed = limit.burst + limit.perSecond * seconds // 320
    for (const n of accepted) {
      expect(n).toBeLessThanOrEqual(allowed)
      expect(n).toBeGreaterThanOrEqual(allowed * 0.97)
    }
  })
})
