/**
 * Outlier ejection: a run of consecutive failures ejects, for base × ejections-in-a-row (capped,
 * forgiven by time back in service), checked step by step against a plain restatement of the
 * rule; across many targets and random traffic, never more than maxEjectionPercent and never
 * all targets are ejected; a target comes back exactly when its time is up.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { DEFAULT_OUTLIER_CONFIG, type OutlierConfig } from "../../src/breaker/breaker-config.ts"
import { BreakerConfigError } from "../../src/breaker/errors.ts"
import { OutlierDetector, type OutlierEvent } from "../../src/breaker/outlier-detector.ts"

const outlierConfig: fc.Arbitrary<OutlierConfig> = fc
  .record({
    consecutiveFailures: fc.integer({ min: 1, max: 4 }),
    baseEjectionTimeMs: fc.integer({ min: 1, max: 200 }),
    maxExtraMs: fc.integer({ min: 0, max: 600 }),
    maxEjectionPercent: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constantFrom(0, 34, 50, 100)),
    ejectionDecayIntervalMs: fc.integer({ min: 1, max: 300 })
  })
  .map(({ maxExtraMs, ...c }) => ({ ...c, maxEjectionTimeMs: c.baseEjectionTimeMs + maxExtraMs }))

const step = fc.record({ target: fc.nat(), failed: fc.boolean(), afterMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 400 })) })

describe("OutlierDetector", () => {
  it("ejects on a run of consecutive failures, for base × ejections in a row, capped and forgiven over time", () => {
    const outcome = fc.record({ failed: fc.boolean(), afterMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1_000 })) })
    fc.assert(
      fc.property(outlierConfig, fc.array(outcome, { maxLength: 200, size: "max" }), (config, outcomes) => {
        const events: Array<OutlierEvent> = []
        // "b" never fails, so with 100% allowed the cap (one of two) never binds for "a".
        const detector = new OutlierDetector(["a", "b"], { ...config, maxEjectionPercent: 100 }, (e) => events.push(e))
        // The rule, restated plainly.
        let run = 0, ejectedUntil = Number.NEGATIVE_INFINITY, lastBack = Number.NEGATIVE_INFINITY, inARow = 0
        let now = 0
        for (const o of outcomes) {
          now += o.afterMs
          const ejected = now < ejectedUntil
          if (!ejected && ejectedUntil !== Number.NEGATIVE_INFINITY) lastBack = ejectedUntil
          if (o.failed) detector.onFailure("a", now)
          else detector.onSuccess("a", now)
          if (ejected) continue
          run = o.failed ? run + 1 : 0
          if (run < config.consecutiveFailures) {
            expect(detector.isEjected("a", now)).toBe(false)
            continue
          }
          const forgiven = Math.floor((now - lastBack) / config.ejectionDecayIntervalMs)
          // Counting stops at the cap (as Envoy's backoff), so forgiveness starts from there.
          inARow = Math.min(Math.max(0, inARow - forgiven) + 1, Math.ceil(config.maxEjectionTimeMs / config.baseEjectionTimeMs))
          const duration = Math.min(config.baseEjectionTimeMs * inARow, config.maxEjectionTimeMs)
          ejectedUntil = now + duration
          run = 0
          expect(detector.isEjected("a", now)).toBe(true)
          expect(events.at(-1)).toEqual({ _tag: "Ejected", target: "a", at: now, until: ejectedUntil, ejectionsInARow: inARow })
        }
      }),
      { numRuns: 1_000 }
    )
  })

  it("makes ejections longer while a target keeps failing, up to the cap, and shorter after time in service", () => {
    const config = { ...DEFAULT_OUTLIER_CONFIG, consecutiveFailures: 2, baseEjectionTimeMs: 1_000, maxEjectionTimeMs: 3_500, maxEjectionPercent: 50, ejectionDecayIntervalMs: 10_000 }
    const events: Array<OutlierEvent> = []
    const detector = new OutlierDetector(["us-east", "us-west"], config, (e) => events.push(e))
    const failTwice = (now: number) => {
      detector.onFailure("us-east", now)
      detector.onFailure("us-east", now)
    }
    let now = 0
    const lengths: Array<number> = []
    for (let i = 0; i < 5; i++) {
      failTwice(now)
      const ejected = events.at(-1) as Extract<OutlierEvent, { _tag: "Ejected" }>
      lengths.push(ejected.until - ejected.at)
      now = ejected.until // fails again as soon as it is back
    }
    expect(lengths).toEqual([1_000, 2_000, 3_000, 3_500, 3_500])
    expect(detector.isEjected("us-east", now - 1)).toBe(true)
    expect(detector.isEjected("us-east", now)).toBe(false)
    expect(events.at(-1)).toEqual({ _tag: "Unejected", target: "us-east", at: now })
    // 20 s back in service forgives two ejections in a row: 4 -> 2, then this one makes 3.
    failTwice(now + 20_000)
    expect(events.at(-1)).toMatchObject({ _tag: "Ejected", ejectionsInARow: 3, until: now + 20_000 + 3_000 })
  })

  it("never ejects more than maxEjectionPercent of the targets, nor all of them, and brings each back on time", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), outlierConfig, fc.array(step, { maxLength: 300, size: "max" }), (n, config, steps) => {
        const targets = Array.from({ length: n }, (_, i) => `r${i}`)
        const events: Array<OutlierEvent> = []
        const detector = new OutlierDetector(targets, config, (e) => events.push(e))
        const allowed = Math.min(Math.floor((n * config.maxEjectionPercent) / 100), n - 1)
        expect(detector.maxEjected).toBe(allowed)
        let now = 0
        for (const s of steps) {
          now += s.afterMs
          const target = targets[s.target % n]!
          const before = events.length
          const atCap = detector.ejectedCount(now) === allowed
          if (s.failed) detector.onFailure(target, now)
          else detector.onSuccess(target, now)
          for (const e of events.slice(before)) {
            if (e._tag === "EjectionSkipped") expect(atCap).toBe(true)
            if (e._tag === "Ejected") expect(atCap).toBe(false)
          }
          const ejected = targets.filter((t) => detector.isEjected(t, now))
          expect(ejected.length).toBe(detector.ejectedCount(now))
          expect(ejected.length).toBeLessThanOrEqual(allowed)
          expect(ejected.length).toBeLessThan(n)
        }
        // Each ejection ends exactly at its `until`, reported with that time.
        const ends = events.filter((e) => e._tag === "Unejected")
        const starts = events.filter((e) => e._tag === "Ejected")
        for (const end of ends) expect(starts.some((s) => s.target === end.target && s.until === end.at)).toBe(true)
        const later = now + config.maxEjectionTimeMs
        expect(detector.ejectedCount(later)).toBe(0)
        expect(events.filter((e) => e._tag === "Unejected")).toHaveLength(starts.length)
      }),
      { numRuns: 1_000 }
    )
  })

  it("reports an ejection refused at the cap, and ejects at the next failure once there is room", () => {
    const events: Array<OutlierEvent> = []
    const config = { ...DEFAULT_OUTLIER_CONFIG, consecutiveFailures: 1, baseEjectionTimeMs: 100, maxEjectionTimeMs: 100 }
    const detector = new OutlierDetector(["a", "b", "c"], config, (e) => events.push(e)) // 50% of 3: one at a time
    detector.onFailure("a", 0)
    detector.onFailure("b", 10)
    expect(events.map((e) => e._tag)).toEqual(["Ejected", "EjectionSkipped"])
    detector.onFailure("b", 100) // "a" is back at 100
    expect(events.slice(2)).toEqual([
      { _tag: "Unejected", target: "a", at: 100 },
      { _tag: "Ejected", target: "b", at: 100, until: 200, ejectionsInARow: 1 }
    ])
  })

  it("ignores outcomes that come back while their target is ejected", () => {
    const detector = new OutlierDetector(["a", "b"], { ...DEFAULT_OUTLIER_CONFIG, consecutiveFailures: 2, maxEjectionTimeMs: 30_000 })
    detector.onFailure("a", 0)
    detector.onFailure("a", 0)
    detector.onFailure("a", 29_999) // sent before the ejection: does not count towards the next
    expect(detector.isEjected("a", 30_000)).toBe(false)
    detector.onFailure("a", 30_000)
    expect(detector.isEjected("a", 30_000)).toBe(false)
  })

  it("refuses bad settings and unknown or repeated targets", () => {
    expect(() => new OutlierDetector(["a"], { ...DEFAULT_OUTLIER_CONFIG, baseEjectionTimeMs: 0, maxEjectionPercent: 120 })).toThrow(BreakerConfigError)
    expect(() => new OutlierDetector(["a"], { ...DEFAULT_OUTLIER_CONFIG, consecutiveFailures: 0, maxEjectionTimeMs: 1_000 })).toThrow(
      expect.objectContaining({
        problems: [
          "consecutiveFailures (0) must be an integer from 1 to 9007199254740991",
          "maxEjectionTimeMs (1000) must be a finite number of at least 30000"
        ]
      })
    )
    expect(() => new OutlierDetector(["a", "a"], DEFAULT_OUTLIER_CONFIG)).toThrow('target "a" is listed twice')
    expect(() => new OutlierDetector(["a"], DEFAULT_OUTLIER_CONFIG).onFailure("b", 0)).toThrow('unknown target "b"')
  })
})
