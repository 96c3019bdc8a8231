/**
 * The breaker and detector settings' Schema on input that did not come from typed code: every
 * problem reported at once, each with its key and the value given.
 */
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { DEFAULT_CIRCUIT_BREAKER_CONFIG, DEFAULT_OUTLIER_CONFIG, decodeCircuitBreakerConfig, decodeOutlierConfig } from "../../src/breaker/breaker-config.ts"

const issuesOf = <C>(decoded: Result.Result<C, ReadonlyArray<{ readonly key: string; readonly problem: string }>>) =>
  Result.isFailure(decoded) ? decoded.failure : []

describe("breaker settings schema", () => {
  it("accepts the defaults as they are", () => {
    expect(Result.getOrThrow(decodeCircuitBreakerConfig(DEFAULT_CIRCUIT_BREAKER_CONFIG))).toEqual(DEFAULT_CIRCUIT_BREAKER_CONFIG)
    expect(Result.getOrThrow(decodeOutlierConfig(DEFAULT_OUTLIER_CONFIG))).toEqual(DEFAULT_OUTLIER_CONFIG)
  })

  it("rejects minimum calls above a count window, and not for a time window", () => {
    expect(issuesOf(decodeCircuitBreakerConfig({ ...DEFAULT_CIRCUIT_BREAKER_CONFIG, slidingWindow: { kind: "count", calls: 50 } }))).toEqual([
      { key: "minimumNumberOfCalls", problem: "minimumNumberOfCalls (100) must not exceed slidingWindow.calls (50): the window could never hold enough calls to be evaluated" }
    ])
    expect(issuesOf(decodeCircuitBreakerConfig({ ...DEFAULT_CIRCUIT_BREAKER_CONFIG, slidingWindow: { kind: "time", seconds: 10 } }))).toEqual([])
  })

  it("names the key and the value of a missing or mistyped setting", () => {
    const { failureRateThresholdPercent: _, ...missing } = DEFAULT_CIRCUIT_BREAKER_CONFIG
    expect(issuesOf(decodeCircuitBreakerConfig({ ...missing, waitDurationInOpenStateMs: "60s" })).map((i) => i.problem)).toEqual([
      "failureRateThresholdPercent: Missing key",
      "waitDurationInOpenStateMs (60s) Expected number"
    ])
    expect(issuesOf(decodeCircuitBreakerConfig({ ...DEFAULT_CIRCUIT_BREAKER_CONFIG, slidingWindow: { kind: "count" } })).map((i) => i.problem)).toEqual([
      'slidingWindow ({"kind":"count"}) a count window needs calls, a time window seconds'
    ])
  })
})
