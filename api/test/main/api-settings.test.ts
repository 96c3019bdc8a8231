/**
 * `dispatch api`'s breaker and detector settings: decoded by their Schema before the gateway
 * starts, a bad combination refused with the flag and the value, never adjusted.
 */
import { Option, Result } from "effect"
import { describe, expect, it } from "vitest"
import { DEFAULT_CIRCUIT_BREAKER_CONFIG, DEFAULT_OUTLIER_CONFIG } from "../../src/breaker/breaker-config.ts"
import { targetSettings } from "../../src/main/api-command.ts"

const defaults = {
  breakerWindow: 100,
  breakerMinCalls: Option.none<number>(),
  breakerFailureRate: 50,
  breakerSlowCallMs: 2_000,
  breakerOpenMs: 60_000,
  breakerHalfOpenCalls: 10,
  outlierFailures: 5,
  outlierEjectionMs: 30_000
}

describe("dispatch api settings", () => {
  it("with no flags, are the documented defaults", () => {
    expect(Result.getOrThrow(targetSettings(defaults))).toEqual({ breaker: DEFAULT_CIRCUIT_BREAKER_CONFIG, outlier: DEFAULT_OUTLIER_CONFIG })
  })

  it("take the minimum calls from a smaller window only when --breaker-min-calls is not given", () => {
    const settings = Result.getOrThrow(targetSettings({ ...defaults, breakerWindow: 20 }))
    expect(settings.breaker.minimumNumberOfCalls).toBe(20)
    expect(Result.getOrThrow(targetSettings({ ...defaults, breakerWindow: 20, breakerMinCalls: Option.some(10) })).breaker.minimumNumberOfCalls).toBe(10)
  })

  it("refuse --breaker-min-calls above --breaker-window, naming the flag and both values", () => {
    const refused = targetSettings({ ...defaults, breakerMinCalls: Option.some(1_000) })
    expect(Result.isFailure(refused)).toBe(true)
    if (Result.isFailure(refused)) {
      expect(refused.failure.message).toContain("--breaker-min-calls: minimumNumberOfCalls (1000) must not exceed slidingWindow.calls (100)")
    }
  })

  it("raise the ejection cap with a longer base instead of refusing the base", () => {
    expect(Result.getOrThrow(targetSettings({ ...defaults, outlierEjectionMs: 600_000 })).outlier.maxEjectionTimeMs).toBe(600_000)
  })
})
