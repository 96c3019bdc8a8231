/**
 * Generators shared by the breaker tests: configs small enough that random call sequences
 * cross every threshold and every state often, and a seeded uniform generator.
 */
import fc from "fast-check"
import type { CircuitBreakerConfig, SlidingWindowConfig } from "../../src/breaker/breaker-config.ts"

const slidingWindow: fc.Arbitrary<SlidingWindowConfig> = fc.oneof(
  fc.record({ kind: fc.constant("count" as const), calls: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant("time" as const), seconds: fc.integer({ min: 1, max: 4 }) })
)

/** Integer percentages, with the defaults and the edges over-represented. */
const threshold = fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constantFrom(1, 50, 100))

export const breakerConfig: fc.Arbitrary<CircuitBreakerConfig> = slidingWindow.chain((window) =>
  fc.record({
    slidingWindow: fc.constant(window),
    minimumNumberOfCalls: fc.integer({ min: 1, max: window.kind === "count" ? window.calls : 6 }),
    failureRateThresholdPercent: threshold,
    slowCallRateThresholdPercent: threshold,
    slowCallDurationThresholdMs: fc.integer({ min: 0, max: 100 }),
    waitDurationInOpenStateMs: fc.integer({ min: 1, max: 2_000 }),
    permittedNumberOfCallsInHalfOpenState: fc.integer({ min: 1, max: 4 }),
    maxWaitDurationInHalfOpenStateMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2_000 }))
  })
)

/** Time steps (ms): within a second, across seconds, and past every wait. */
export const timeStep = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 50 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 1_500 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 10_000 }) }
)

/** Call durations (ms) on both sides of the slow-call thresholds generated above. */
export const callDuration = fc.integer({ min: 0, max: 150 })

/** Seeded uniforms in [0, 1), good enough for split tests. */
export { seededRandom as seededUniform } from "#engine/testing"
