/**
 * Model-based test of the circuit breaker: fast-check generates command sequences (time
 * advances, acquires, successes, errors, releases, reads, forcing open and releasing) and runs each on the product's breaker
 * and on ReferenceBreaker, which keeps every outcome in a list and recomputes its window from
 * scratch. After every command both must have answered the same and emitted the same
 * transitions; fast-check shrinks a disagreement to a short sequence.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { CircuitBreakerConfig } from "../../src/breaker/breaker-config.ts"
import { CircuitBreaker, type Permit, type Transition } from "../../src/breaker/circuit-breaker.ts"
import { breakerConfig, callDuration, timeStep } from "./arbitraries.ts"
import { ReferenceBreaker } from "./reference-breaker.ts"

interface Model {
  readonly reference: ReferenceBreaker
  now: number
  /** Epochs of the permits still out, in the order of `Real.out`. */
  readonly out: Array<number>
}

interface Real {
  readonly breaker: CircuitBreaker
  readonly transitions: Array<Transition>
  readonly out: Array<Permit>
}

type BreakerCommand = fc.Command<Model, Real>

const sameTransitions = (m: Model, r: Real) => expect(r.transitions).toEqual(m.reference.transitions)

class Advance implements BreakerCommand {
  readonly ms: number
  constructor(ms: number) {
    this.ms = ms
  }
  check = () => true
  run(m: Model): void {
    m.now += this.ms
  }
  toString = () => `advance(${this.ms})`
}

class Acquire implements BreakerCommand {
  check = () => true
  run(m: Model, r: Real): void {
    const expected = m.reference.tryAcquire(m.now)
    const actual = r.breaker.tryAcquire(m.now)
    if (expected.permitted) {
      expect(actual).toEqual({ _tag: "Permitted", epoch: expected.epoch })
      m.out.push(expected.epoch)
      r.out.push(actual as Permit)
    } else {
      expect(actual).toEqual({ _tag: "Rejected", reason: expected.reason })
    }
    sameTransitions(m, r)
  }
  toString = () => "acquire"
}

/** Settles (success or error) or releases one of the permits still out. */
class Settle implements BreakerCommand {
  readonly pick: number
  readonly outcome: "success" | "error" | "release"
  readonly durationMs: number
  constructor(pick: number, outcome: "success" | "error" | "release", durationMs: number) {
    this.pick = pick
    this.outcome = outcome
    this.durationMs = durationMs
  }
  check = (m: Readonly<Model>) => m.out.length > 0
  run(m: Model, r: Real): void {
    const i = this.pick % m.out.length
    const [epoch] = m.out.splice(i, 1)
    const [permit] = r.out.splice(i, 1)
    if (this.outcome === "release") {
      m.reference.release(epoch!, m.now)
      r.breaker.release(permit!, m.now)
    } else {
      m.reference.settle(epoch!, this.outcome === "error", this.durationMs, m.now)
      if (this.outcome === "error") r.breaker.onError(permit!, this.durationMs, m.now)
      else r.breaker.onSuccess(permit!, this.durationMs, m.now)
    }
    sameTransitions(m, r)
  }
  toString = () => `${this.outcome}(#${this.pick}, ${this.durationMs}ms)`
}

/** forceOpen or releaseForce (the fleet-wide health signal breaching or recovering). */
class Force implements BreakerCommand {
  readonly on: boolean
  constructor(on: boolean) {
    this.on = on
  }
  check = () => true
  run(m: Model, r: Real): void {
    if (this.on) {
      m.reference.forceOpen(m.now)
      r.breaker.forceOpen(m.now)
    } else {
      m.reference.releaseForce(m.now)
      r.breaker.releaseForce(m.now)
    }
    expect(r.breaker.forced).toBe(m.reference.forced)
    sameTransitions(m, r)
  }
  toString = () => (this.on ? "forceOpen" : "releaseForce")
}

class Read implements BreakerCommand {
  check = () => true
  run(m: Model, r: Real): void {
    expect(r.breaker.state(m.now)).toBe(m.reference.stateAt(m.now))
    expect(r.breaker.admits(m.now)).toBe(m.reference.admits(m.now))
    expect(r.breaker.retryAfterMs(m.now)).toBe(m.reference.retryAfterMs(m.now))
    sameTransitions(m, r)
  }
  toString = () => "read"
}

const commands = fc.commands<Model, Real>(
  [
    timeStep.map((ms) => new Advance(ms)),
    fc.constant(new Acquire()),
    fc.constant(new Acquire()),
    fc.tuple(fc.nat(), fc.constantFrom("success" as const, "error" as const, "release" as const), callDuration)
      .map(([pick, outcome, durationMs]) => new Settle(pick, outcome, durationMs)),
    fc.tuple(fc.nat(), fc.constantFrom("success" as const, "error" as const), callDuration)
      .map(([pick, outcome, durationMs]) => new Settle(pick, outcome, durationMs)),
    fc.constant(new Read()),
    fc.constantFrom(new Force(true), new Force(false))
  ],
  { maxCommands: 150, size: "max" }
)

const setup = (config: CircuitBreakerConfig) => () => {
  const transitions: Array<Transition> = []
  return {
    model: { reference: new ReferenceBreaker(config), now: 0, out: [] },
    real: { breaker: new CircuitBreaker(config, (t) => transitions.push(t)), transitions, out: [] }
  }
}

describe("CircuitBreaker against its reference model", () => {
  it("answers and transitions as the model does, for any command sequence", () => {
    fc.assert(
      fc.property(breakerConfig, commands, (config, cmds) => {
        fc.modelRun(setup(config), cmds)
      }),
      { numRuns: 1_000 }
    )
  })
})
