/**
 * The circuit breaker's properties, over random configs and random interleavings of acquires,
 * outcomes, releases, reads and time: only the legal transitions happen, and each for its
 * reason; it opens exactly when the window (recomputed by reference-breaker.ts from the same
 * outcomes) reaches a threshold with enough calls; half-open admits at most its probes, decides
 * on their outcomes alone, and times out at maxWaitDurationInHalfOpenState; forced open, it admits
 * nothing and leaves open only when released, to half-open. The full behaviour
 * against a model is in circuit-breaker-model.test.ts.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type CircuitBreakerConfig, DEFAULT_CIRCUIT_BREAKER_CONFIG } from "../../src/breaker/breaker-config.ts"
import { type BreakerState, CircuitBreaker, type Permit, type Transition, type TransitionReason } from "../../src/breaker/circuit-breaker.ts"
import { BreakerConfigError } from "../../src/breaker/errors.ts"
import { breakerConfig, callDuration, timeStep } from "./arbitraries.ts"
import { countsOf, type Outcome, thresholdReached, windowContent } from "./reference-breaker.ts"

/** Every legal transition and the reasons it may carry (docs/balancer.md, "Transitions"). */
const LEGAL: Record<string, ReadonlyArray<TransitionReason>> = {
  "closed->open": ["failure_rate", "slow_call_rate", "forced_open"],
  "open->half_open": ["wait_elapsed", "force_released"],
  "half_open->closed": ["probes_passed"],
  "half_open->open": ["failure_rate", "slow_call_rate", "half_open_timeout", "forced_open"]
}

/** Transitions not decided by a window of outcomes. */
const WITHOUT_WINDOW: ReadonlyArray<TransitionReason> = ["wait_elapsed", "half_open_timeout", "forced_open", "force_released"]

type Op =
  | { readonly kind: "advance"; readonly ms: number }
  | { readonly kind: "acquire" }
  | { readonly kind: "settle"; readonly pick: number; readonly failed: boolean; readonly durationMs: number }
  | { readonly kind: "release"; readonly pick: number }
  | { readonly kind: "read" }
  | { readonly kind: "force"; readonly on: boolean }

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: timeStep }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("acquire" as const) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("settle" as const), pick: fc.nat(), failed: fc.boolean(), durationMs: callDuration }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("release" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("read" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("force" as const), on: fc.boolean() }) }
)
const ops = fc.array(op, { maxLength: 200, size: "max" })

/**
 * Runs the ops on a new breaker; settles and releases pick among the permits still out.
 * `onStep` sees the breaker after each op (and may read it).
 */
const drive = (config: CircuitBreakerConfig, script: ReadonlyArray<Op>, onStep: (breaker: CircuitBreaker, now: number, transitions: ReadonlyArray<Transition>) => void = () => {}): ReadonlyArray<Transition> => {
  const transitions: Array<Transition> = []
  const breaker = new CircuitBreaker(config, (t) => transitions.push(t))
  const out: Array<Permit> = []
  let now = 0
  for (const step of script) {
    switch (step.kind) {
      case "advance":
        now += step.ms
        break
      case "acquire": {
        const result = breaker.tryAcquire(now)
        if (result._tag === "Permitted") out.push(result)
        break
      }
      case "settle":
      case "release": {
        if (out.length === 0) break
        const [permit] = out.splice(step.pick % out.length, 1)
        if (step.kind === "release") breaker.release(permit!, now)
        else if (step.failed) breaker.onError(permit!, step.durationMs, now)
        else breaker.onSuccess(permit!, step.durationMs, now)
        break
      }
      case "read":
        breaker.state(now)
        breaker.admits(now)
        breaker.retryAfterMs(now)
        break
      case "force":
        if (step.on) breaker.forceOpen(now)
        else breaker.releaseForce(now)
    }
    onStep(breaker, now, transitions)
  }
  return transitions
}

/** Fails calls at `now` until the breaker opens (all-failure windows reach any threshold). */
const openAt = (breaker: CircuitBreaker, now: number): void => {
  while (breaker.state(now) !== "open") {
    const permit = breaker.tryAcquire(now)
    if (permit._tag === "Rejected") throw new Error(`cannot open: ${permit.reason}`)
    breaker.onError(permit, 0, now)
  }
}

/** Opens the breaker at 0 and lets the first probe in: half-open from `waitDurationInOpenStateMs`. */
const halfOpen = (config: CircuitBreakerConfig, transitions: Array<Transition> = []) => {
  const breaker = new CircuitBreaker(config, (t) => transitions.push(t))
  openAt(breaker, 0)
  const since = config.waitDurationInOpenStateMs
  const first = breaker.tryAcquire(since)
  expect(first._tag).toBe("Permitted")
  expect(breaker.state(since)).toBe("half_open")
  return { breaker, since, first: first as Permit }
}

describe("CircuitBreaker", () => {
  it("makes only legal transitions, each for a reason it may carry, in one chain through time", () => {
    fc.assert(
      fc.property(breakerConfig, ops, (config, script) => {
        const transitions = drive(config, script)
        let state: BreakerState = "closed"
        let at = 0
        for (const t of transitions) {
          expect(LEGAL[`${t.from}->${t.to}`]).toContain(t.reason)
          expect(t.from).toBe(state)
          expect(t.at).toBeGreaterThanOrEqual(at)
          expect(t.window === undefined).toBe(WITHOUT_WINDOW.includes(t.reason))
          state = t.to
          at = t.at
        }
      }),
      { numRuns: 1_000 }
    )
  })

  it("forced open, admits nothing and leaves open only by releaseForce, straight to half-open", () => {
    fc.assert(
      fc.property(breakerConfig, ops, (config, script) => {
        let seen = 0
        let wasForced = false
        drive(config, script, (breaker, now, transitions) => {
          const fresh = transitions.slice(seen)
          seen = transitions.length
          if (breaker.forced) {
            expect(breaker.admits(now)).toBe(false)
            expect(breaker.retryAfterMs(now)).toBeUndefined()
            expect(breaker.tryAcquire(now)).toEqual({ _tag: "Rejected", reason: "forced_open" })
            expect(breaker.state(now)).toBe("open")
            // Held open: nothing happens until the release (time-driven transitions included).
            if (wasForced) expect(fresh).toEqual([])
          } else if (wasForced) {
            // Released in this step: exactly one transition, open -> half_open.
            expect(fresh.map((t) => `${t.from}->${t.to} ${t.reason}`)).toEqual(["open->half_open force_released"])
          }
          wasForced = breaker.forced
        })
      }),
      { numRuns: 1_000 }
    )
  })

  it("behaves the same however often its state is read", () => {
    fc.assert(
      fc.property(breakerConfig, ops, (config, script) => {
        // Both end with a read, so that a half-open timeout that has fallen due shows in both.
        const read = { kind: "read" } as const
        expect(drive(config, [...script, read])).toEqual(drive(config, [...script.filter((s) => s.kind !== "read"), read]))
      }),
      { numRuns: 500 }
    )
  })

  it("opens exactly when the window holds the minimum calls and a rate reaches its threshold", () => {
    const call = fc.record({ afterMs: timeStep, failed: fc.boolean(), durationMs: callDuration })
    fc.assert(
      fc.property(breakerConfig, fc.array(call, { maxLength: 100, size: "max" }), (config, calls) => {
        const transitions: Array<Transition> = []
        const breaker = new CircuitBreaker(config, (t) => transitions.push(t))
        const outcomes: Array<Outcome> = []
        let now = 0
        for (const c of calls) {
          now += c.afterMs
          const permit = breaker.tryAcquire(now)
          expect(permit._tag).toBe("Permitted")
          if (permit._tag === "Rejected") return
          if (c.failed) breaker.onError(permit, c.durationMs, now)
          else breaker.onSuccess(permit, c.durationMs, now)
          outcomes.push({ at: now, failed: c.failed, slow: c.durationMs > config.slowCallDurationThresholdMs })
          const content = windowContent(config.slidingWindow, outcomes, now)
          const reason = thresholdReached(config, content, config.minimumNumberOfCalls)
          if (reason === undefined) {
            expect(breaker.state(now)).toBe("closed")
            expect(transitions).toEqual([])
          } else {
            expect(breaker.state(now)).toBe("open")
            expect(transitions).toEqual([{ from: "closed", to: "open", at: now, reason, window: countsOf(content) }])
            return
          }
        }
      }),
      { numRuns: 1_000 }
    )
  })

  it("in half-open admits at most the permitted probes, and decides on their outcomes alone", () => {
    const probe = fc.record({ failed: fc.boolean(), durationMs: callDuration })
    fc.assert(
      fc.property(breakerConfig, fc.integer({ min: 1, max: 10 }), fc.array(probe, { minLength: 10, maxLength: 10 }), (config, asks, probes) => {
        const transitions: Array<Transition> = []
        const { breaker, since, first } = halfOpen(config, transitions)
        const permitted = config.permittedNumberOfCallsInHalfOpenState
        const permits = [first]
        for (let i = 1; i < asks; i++) {
          const result = breaker.tryAcquire(since)
          if (result._tag === "Permitted") permits.push(result)
          else expect(result.reason).toBe("half_open_full")
        }
        expect(permits).toHaveLength(Math.min(asks, permitted))
        expect(breaker.admits(since)).toBe(asks < permitted)
        if (permits.length < permitted) return
        const outcomes = permits.map((permit, i) => {
          const { failed, durationMs } = probes[i]!
          if (failed) breaker.onError(permit, durationMs, since)
          else breaker.onSuccess(permit, durationMs, since)
          return { at: since, failed, slow: durationMs > config.slowCallDurationThresholdMs }
        })
        const reason = thresholdReached(config, outcomes, permitted)
        expect(transitions.at(-1)).toEqual({
          from: "half_open",
          to: reason === undefined ? "closed" : "open",
          at: since,
          reason: reason ?? "probes_passed",
          window: countsOf(outcomes)
        })
      }),
      { numRuns: 1_000 }
    )
  })

  it("goes back to open when the probes are not all in by maxWaitDurationInHalfOpenState; with 0 it waits", () => {
    fc.assert(
      fc.property(breakerConfig, fc.integer({ min: 0, max: 1_000_000 }), (config, lateMs) => {
        const transitions: Array<Transition> = []
        const { breaker, since } = halfOpen(config, transitions)
        const maxWait = config.maxWaitDurationInHalfOpenStateMs
        if (maxWait === 0) {
          expect(breaker.state(since + lateMs)).toBe("half_open")
          return
        }
        const deadline = since + maxWait
        expect(breaker.state(deadline - 1)).toBe("half_open")
        // Observed late or on time, it went back to open at the deadline itself.
        const seen = deadline + (lateMs % maxWait)
        expect(breaker.state(seen)).toBe("open")
        expect(transitions.at(-1)).toEqual({ from: "half_open", to: "open", at: deadline, reason: "half_open_timeout", window: undefined })
        const waitLeft = deadline + config.waitDurationInOpenStateMs - seen
        expect(breaker.admits(seen)).toBe(waitLeft <= 0)
        expect(breaker.retryAfterMs(seen)).toBe(Math.max(0, waitLeft))
      }),
      { numRuns: 1_000 }
    )
  })

  describe("examples", () => {
    const config: CircuitBreakerConfig = {
      ...DEFAULT_CIRCUIT_BREAKER_CONFIG,
      slidingWindow: { kind: "count", calls: 10 },
      minimumNumberOfCalls: 4,
      waitDurationInOpenStateMs: 1_000,
      permittedNumberOfCallsInHalfOpenState: 2,
      maxWaitDurationInHalfOpenStateMs: 5_000
    }

    it("walks closed -> open -> half_open -> closed, rejecting while open", () => {
      const transitions: Array<Transition> = []
      const breaker = new CircuitBreaker(config, (t) => transitions.push(t))
      for (const failed of [false, true, false]) {
        const permit = breaker.tryAcquire(10) as Permit
        if (failed) breaker.onError(permit, 5, 10)
        else breaker.onSuccess(permit, 5, 10)
      }
      expect(breaker.state(10)).toBe("closed") // 1 of 3 failed, below the minimum of 4 calls anyway
      breaker.onError(breaker.tryAcquire(20) as Permit, 5, 20) // 2 of 4: 50%
      expect(transitions).toEqual([{ from: "closed", to: "open", at: 20, reason: "failure_rate", window: { calls: 4, failures: 2, slowCalls: 0 } }])
      expect(breaker.tryAcquire(500)).toEqual({ _tag: "Rejected", reason: "open" })
      expect(breaker.admits(500)).toBe(false)
      expect(breaker.retryAfterMs(500)).toBe(520)
      expect(breaker.state(5_000)).toBe("open") // lazy: nobody asked yet
      expect(breaker.admits(5_000)).toBe(true)
      const probes = [breaker.tryAcquire(5_000) as Permit, breaker.tryAcquire(5_001) as Permit]
      expect(breaker.tryAcquire(5_002)).toEqual({ _tag: "Rejected", reason: "half_open_full" })
      expect(breaker.retryAfterMs(5_002)).toBeUndefined()
      breaker.onSuccess(probes[0]!, 5, 5_010)
      breaker.onSuccess(probes[1]!, 5, 5_020)
      expect(transitions.slice(1)).toEqual([
        { from: "open", to: "half_open", at: 5_000, reason: "wait_elapsed", window: undefined },
        { from: "half_open", to: "closed", at: 5_020, reason: "probes_passed", window: { calls: 2, failures: 0, slowCalls: 0 } }
      ])
      expect(breaker.retryAfterMs(5_020)).toBe(0)
    })

    it("opens on the slow-call rate when calls are slow but succeed", () => {
      const breaker = new CircuitBreaker({ ...config, slowCallRateThresholdPercent: 75, slowCallDurationThresholdMs: 100 })
      for (const durationMs of [101, 100, 500, 900]) breaker.onSuccess(breaker.tryAcquire(0) as Permit, durationMs, 0)
      expect(breaker.state(0)).toBe("open") // 3 of 4 slower than 100 ms (100 itself is not slow)
    })

    it("ignores outcomes of calls admitted in an earlier state", () => {
      const breaker = new CircuitBreaker(config)
      const early = breaker.tryAcquire(0) as Permit
      openAt(breaker, 0)
      const probe = breaker.tryAcquire(1_000) as Permit
      breaker.onError(early, 5, 1_001) // admitted while closed: says nothing about the probes
      expect(breaker.state(1_001)).toBe("half_open")
      breaker.onSuccess(probe, 5, 1_002)
      breaker.onSuccess(breaker.tryAcquire(1_003) as Permit, 5, 1_003)
      expect(breaker.state(1_003)).toBe("closed")
    })

    it("gives a released probe's slot to another call, and records nothing for it", () => {
      const breaker = new CircuitBreaker(config)
      openAt(breaker, 0)
      const probes = [breaker.tryAcquire(1_000) as Permit, breaker.tryAcquire(1_000) as Permit]
      expect(breaker.admits(1_000)).toBe(false)
      breaker.release(probes[0]!, 1_001)
      expect(breaker.admits(1_001)).toBe(true)
      breaker.onError(probes[1]!, 5, 1_002)
      breaker.onError(breaker.tryAcquire(1_003) as Permit, 5, 1_003)
      expect(breaker.state(1_003)).toBe("open")
    })

    it("forced open from closed: rejects until released, then probes at once whatever the open wait", () => {
      const transitions: Array<Transition> = []
      const breaker = new CircuitBreaker(config, (t) => transitions.push(t))
      const early = breaker.tryAcquire(0) as Permit
      breaker.forceOpen(10)
      breaker.forceOpen(11) // idempotent
      breaker.onError(early, 5, 12) // admitted before: stale
      expect(breaker.tryAcquire(50_000)).toEqual({ _tag: "Rejected", reason: "forced_open" })
      expect(breaker.admits(50_000)).toBe(false)
      expect(breaker.state(50_000)).toBe("open")
      breaker.releaseForce(50_010)
      breaker.releaseForce(50_011) // not forced any more: nothing
      expect(breaker.state(50_011)).toBe("half_open")
      breaker.onSuccess(breaker.tryAcquire(50_020) as Permit, 5, 50_020)
      breaker.onSuccess(breaker.tryAcquire(50_021) as Permit, 5, 50_021)
      expect(transitions).toEqual([
        { from: "closed", to: "open", at: 10, reason: "forced_open", window: undefined },
        { from: "open", to: "half_open", at: 50_010, reason: "force_released", window: undefined },
        { from: "half_open", to: "closed", at: 50_021, reason: "probes_passed", window: { calls: 2, failures: 0, slowCalls: 0 } }
      ])
    })

    it("forced while already open: no transition, and the open wait no longer lets probes in", () => {
      const transitions: Array<Transition> = []
      const breaker = new CircuitBreaker(config, (t) => transitions.push(t))
      openAt(breaker, 0)
      breaker.forceOpen(100)
      expect(breaker.admits(5_000)).toBe(false)
      expect(transitions.map((t) => t.reason)).toEqual(["failure_rate"])
      breaker.releaseForce(6_000)
      expect(transitions.at(-1)).toEqual({ from: "open", to: "half_open", at: 6_000, reason: "force_released", window: undefined })
    })

    it("never lets time go back: an earlier `now` counts as the latest seen", () => {
      const breaker = new CircuitBreaker(config)
      openAt(breaker, 2_000)
      expect(breaker.admits(3_000)).toBe(true)
      expect(breaker.admits(0)).toBe(true)
      expect(breaker.retryAfterMs(1_000)).toBe(0)
    })
  })

  describe("config", () => {
    it("runs with the defaults", () => {
      expect(new CircuitBreaker(DEFAULT_CIRCUIT_BREAKER_CONFIG).state(0)).toBe("closed")
    })

    it("refuses a bad config, naming every problem with its key and value", () => {
      const bad: CircuitBreakerConfig = {
        ...DEFAULT_CIRCUIT_BREAKER_CONFIG,
        slidingWindow: { kind: "count", calls: 10 },
        minimumNumberOfCalls: 20,
        failureRateThresholdPercent: 0,
        slowCallRateThresholdPercent: 101,
        waitDurationInOpenStateMs: Number.NaN,
        permittedNumberOfCallsInHalfOpenState: 1.5,
        maxWaitDurationInHalfOpenStateMs: -1
      }
      let error: unknown
      try {
        new CircuitBreaker(bad)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(BreakerConfigError)
      const problems = (error as BreakerConfigError).problems
      expect(problems).toEqual([
        "minimumNumberOfCalls (20) must not exceed slidingWindow.calls (10): the window could never hold enough calls to be evaluated",
        "failureRateThresholdPercent (0) must be a percentage above 0 and at most 100",
        "slowCallRateThresholdPercent (101) must be a percentage above 0 and at most 100",
        "waitDurationInOpenStateMs (NaN) must be a finite number above 0",
        "permittedNumberOfCallsInHalfOpenState (1.5) must be an integer from 1 to 100000",
        "maxWaitDurationInHalfOpenStateMs (-1) must be a finite number of at least 0"
      ])
      expect((error as BreakerConfigError).message).toContain("invalid circuitBreaker settings:\n  minimumNumberOfCalls (20)")
    })

    it("bounds time windows and rejects unknown window kinds", () => {
      const problemsOf = (slidingWindow: unknown) => {
        try {
          new CircuitBreaker({ ...DEFAULT_CIRCUIT_BREAKER_CONFIG, slidingWindow } as CircuitBreakerConfig)
          return []
        } catch (e) {
          return (e as BreakerConfigError).problems
        }
      }
      expect(problemsOf({ kind: "time", seconds: 60 })).toEqual([])
      expect(problemsOf({ kind: "time", seconds: 0 })).toEqual(["slidingWindow.seconds (0) must be an integer from 1 to 3600"])
      expect(problemsOf({ kind: "rolling" })).toEqual(['slidingWindow.kind (rolling) must be "count" or "time"'])
    })
  })

  it("windowCounts reports the deciding window (closed: sliding window; half-open: the probes) and reading it changes nothing", () => {
    const breaker = new CircuitBreaker({ ...DEFAULT_CIRCUIT_BREAKER_CONFIG, slidingWindow: { kind: "count", calls: 4 }, minimumNumberOfCalls: 4, waitDurationInOpenStateMs: 10, permittedNumberOfCallsInHalfOpenState: 2, slowCallDurationThresholdMs: 5 })
    const call = (failed: boolean, durationMs: number, now: number) => {
      const permit = breaker.tryAcquire(now) as Permit
      if (failed) breaker.onError(permit, durationMs, now)
      else breaker.onSuccess(permit, durationMs, now)
    }
    call(false, 1, 0)
    call(false, 9, 1)
    call(true, 1, 2)
    expect(breaker.windowCounts()).toEqual({ calls: 3, failures: 1, slowCalls: 1 })
    expect(breaker.windowCounts()).toEqual({ calls: 3, failures: 1, slowCalls: 1 })
    call(true, 1, 3) // 2 of 4 failed: open
    expect(breaker.state(3)).toBe("open")
    call(false, 1, 20) // first probe
    expect(breaker.state(20)).toBe("half_open")
    expect(breaker.windowCounts()).toEqual({ calls: 1, failures: 0, slowCalls: 0 })
  })
})
