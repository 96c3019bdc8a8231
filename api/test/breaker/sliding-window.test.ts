/**
 * The sliding windows against the plain definition (reference-breaker.ts `windowContent`: the
 * last N outcomes, or those whose second is within the last N seconds), after every record of
 * random outcome sequences with time steps within a second, across seconds and past the window.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { makeSlidingWindow, TimeWindow } from "../../src/breaker/sliding-window.ts"
import { timeStep } from "./arbitraries.ts"
import { countsOf, type Outcome, windowContent } from "./reference-breaker.ts"

const outcome = fc.record({ afterMs: timeStep, failed: fc.boolean(), slow: fc.boolean() })
const outcomes = fc.array(outcome, { maxLength: 300, size: "max" })

describe("sliding windows", () => {
  it("count window: totals are those of the last N outcomes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), outcomes, (calls, steps) => {
        const config = { kind: "count", calls } as const
        const window = makeSlidingWindow(config)
        const recorded: Array<Outcome> = []
        let now = 0
        for (const s of steps) {
          now += s.afterMs
          window.record(s.failed, s.slow, now)
          recorded.push({ at: now, failed: s.failed, slow: s.slow })
          expect({ calls: window.calls, failures: window.failures, slowCalls: window.slowCalls }).toEqual(countsOf(windowContent(config, recorded, now)))
        }
      }),
      { numRuns: 500 }
    )
  })

  it("time window: totals are those of the outcomes of the last N seconds", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: -5_000, max: 5_000 }), outcomes, (seconds, start, steps) => {
        const config = { kind: "time", seconds } as const
        const window = makeSlidingWindow(config)
        const recorded: Array<Outcome> = []
        let now = start
        for (const s of steps) {
          now += s.afterMs
          window.record(s.failed, s.slow, now)
          recorded.push({ at: now, failed: s.failed, slow: s.slow })
          expect({ calls: window.calls, failures: window.failures, slowCalls: window.slowCalls }).toEqual(countsOf(windowContent(config, recorded, now)))
        }
      }),
      { numRuns: 500 }
    )
  })

  it("time window: a call counts until its second leaves the window", () => {
    const window = new TimeWindow(2)
    window.record(true, false, 1_999) // second 1
    window.record(false, false, 2_000) // second 2: both held
    expect([window.calls, window.failures]).toEqual([2, 1])
    window.record(false, true, 3_000) // second 3: second 1 has left
    expect([window.calls, window.failures, window.slowCalls]).toEqual([2, 0, 1])
    window.record(false, false, 60_000) // long after: only itself
    expect([window.calls, window.failures, window.slowCalls]).toEqual([1, 0, 0])
  })
})
