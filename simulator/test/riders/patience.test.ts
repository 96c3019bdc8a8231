/**
 * Patience specs: every form parses, every bad spec says what is wrong, draws stay in range.
 */
import { describe, expect, it } from "vitest"
import { Result } from "effect"
import { describePatience, drawPatienceMs, parsePatience } from "../../src/riders/patience.ts"
import { SeededRandom } from "../../src/trips/random.ts"

describe("patience", () => {
  it.each(["fixed:90", "uniform:30,300", "exponential:120", "lognormal:120,0.5"])("parses and prints %s", (spec) => {
    const parsed = parsePatience(spec)
    expect(Result.isSuccess(parsed) && describePatience(parsed.success)).toBe(spec)
  })

  it.each([
    ["gamma:1", "unknown distribution"],
    ["fixed", "expected KIND:PARAMETERS"],
    ["fixed:-1", "must be > 0"],
    ["uniform:300,30", "max must be >= min"],
    ["lognormal:120", "takes 2 parameters"],
    ["exponential:abc", "must be numbers"]
  ])("rejects %s", (spec, problem) => {
    const parsed = parsePatience(spec)
    expect(Result.isFailure(parsed) && parsed.failure.message).toContain(problem)
  })

  it("draws whole milliseconds within 1 s .. 1 h", () => {
    const random = new SeededRandom(7)
    const d = Result.getOrThrow(parsePatience("exponential:600"))
    for (let i = 0; i < 10_000; i++) {
      const ms = drawPatienceMs(d, random)
      expect(Number.isInteger(ms) && ms >= 1_000 && ms <= 3_600_000).toBe(true)
    }
    expect(drawPatienceMs(Result.getOrThrow(parsePatience("fixed:90")), random)).toBe(90_000)
  })
})
