import { describe, expect, it } from "vitest"
import { SeededRandom } from "../../src/trips/random.ts"

const draws = (random: SeededRandom, n: number) => Array.from({ length: n }, () => random.next())

describe("SeededRandom", () => {
  it("repeats a sequence for a seed and stream, and differs across seeds and streams", () => {
    expect(draws(new SeededRandom(42), 100)).toEqual(draws(new SeededRandom(42), 100))
    expect(draws(new SeededRandom(42), 100)).not.toEqual(draws(new SeededRandom(43), 100))
    expect(draws(new SeededRandom(42, 1), 100)).not.toEqual(draws(new SeededRandom(42, 2), 100))
  })

  it("keeps its exact output for a fixed seed, so every machine and version agrees", () => {
    // Pinned: a change here silently changes every synthetic city generated from a seed.
    const random = new SeededRandom(1)
    expect(Array.from({ length: 4 }, () => random.nextUint32())).toEqual([792_534_090, 3_215_351_813, 160_231_488, 1_151_041_103])
  })

  it("is uniform on [0, 1) and its normals are standard", () => {
    const random = new SeededRandom(7)
    const u = draws(random, 100_000)
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...u)).toBeLessThan(1)
    const mean = u.reduce((a, b) => a + b, 0) / u.length
    expect(mean).toBeCloseTo(0.5, 2)
    const deciles = new Array<number>(10).fill(0)
    for (const x of u) deciles[Math.floor(x * 10)]!++
    for (const count of deciles) expect(Math.abs(count - 10_000)).toBeLessThan(500)
    const z = Array.from({ length: 100_000 }, () => random.normal())
    const zMean = z.reduce((a, b) => a + b, 0) / z.length
    const zVar = z.reduce((a, b) => a + (b - zMean) ** 2, 0) / z.length
    expect(zMean).toBeCloseTo(0, 1)
    expect(zVar).toBeCloseTo(1, 1)
    const logNormal = Array.from({ length: 100_001 }, () => random.logNormal(2.8, 0.75)).sort((a, b) => a - b)
    expect(logNormal[50_000]).toBeCloseTo(2.8, 1)
  })
})
