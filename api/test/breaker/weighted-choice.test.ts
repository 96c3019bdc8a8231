/**
 * Weighted choice and failover order. The split over many seeded draws must match the weights
 * within a Bernstein bound (docs/balancer.md, "Statistical bound"): for n draws and a target of
 * share p, |count − n·p| ≤ t with t = a/3 + √(a²/9 + 2a·n·p(1−p)), a = ln(2/δ), δ = 1e-9 per
 * check; a wrong split fails, an exact one fails with probability below 1e-6 per test run.
 * Drained or ineligible targets must get exactly nothing.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Failover, pickWeighted } from "../../src/breaker/weighted-choice.ts"
import { seededUniform } from "./arbitraries.ts"

const DELTA = 1e-9

/** Largest deviation of a Binomial(n, p) count from n·p, except with probability δ (Bernstein). */
const bernsteinBound = (n: number, p: number, delta: number): number => {
  const a = Math.log(2 / delta)
  return a / 3 + Math.sqrt((a * a) / 9 + 2 * a * n * p * (1 - p))
}

const weight = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100 }), fc.double({ min: 0.01, max: 10, noNaN: true }))
/** Weights with an eligibility flag each. */
const targets = fc.array(fc.record({ weight, eligible: fc.boolean() }), { minLength: 1, maxLength: 6 })

const all = () => true

/** Checks counts against weights: nothing for weight 0 or ineligible, the rest within the bound. */
const expectSplit = (counts: ReadonlyArray<number>, weights: ReadonlyArray<number>, eligible: (i: number) => boolean, draws: number) => {
  const total = weights.reduce((sum, w, i) => (w > 0 && eligible(i) ? sum + w : sum), 0)
  weights.forEach((w, i) => {
    if (w === 0 || !eligible(i)) expect(counts[i]).toBe(0)
    else {
      const p = w / total
      expect(Math.abs(counts[i]! - draws * p)).toBeLessThanOrEqual(bernsteinBound(draws, p, DELTA))
    }
  })
}

const countPicks = (weights: ReadonlyArray<number>, eligible: (i: number) => boolean, draws: number, uniform: () => number) => {
  const counts = weights.map(() => 0)
  for (let k = 0; k < draws; k++) {
    const i = pickWeighted(weights, uniform(), eligible)
    if (i >= 0) counts[i]!++
  }
  return counts
}

describe("pickWeighted", () => {
  it("splits draws by weight among eligible targets, within the Bernstein bound; drained and ineligible get none", () => {
    fc.assert(
      fc.property(targets, fc.integer(), (ts, seed) => {
        const weights = ts.map((t) => t.weight)
        const eligible = (i: number) => ts[i]!.eligible
        const draws = 20_000
        const counts = countPicks(weights, eligible, draws, seededUniform(seed))
        const any = ts.some((t) => t.weight > 0 && t.eligible)
        expect(counts.reduce((a, b) => a + b, 0)).toBe(any ? draws : 0)
        expectSplit(counts, weights, eligible, draws)
      }),
      { numRuns: 100 }
    )
  })

  it("lays the shares out in index order: u picks the target whose share holds u × total", () => {
    const weights = [2, 0, 3, 5]
    expect([0, 0.199, 0.2, 0.499, 0.5, 0.999].map((u) => pickWeighted(weights, u, all))).toEqual([0, 0, 2, 2, 3, 3])
    const notTwo = (i: number) => i !== 2 // total 7: [0, 2/7) -> 0, [2/7, 1) -> 3
    expect([0.28, 0.29, 0.99].map((u) => pickWeighted(weights, u, notTwo))).toEqual([0, 3, 3])
    expect(pickWeighted([0, 0], 0.5, all)).toBe(-1)
    expect(pickWeighted([], 0.5, all)).toBe(-1)
    expect(pickWeighted([1, 4], 0.5, () => false)).toBe(-1)
  })

  it("is monotone in u, and the largest u below 1 still picks a target", () => {
    fc.assert(
      fc.property(targets, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (ts, u1, u2) => {
        const weights = ts.map((t) => t.weight)
        const eligible = (i: number) => ts[i]!.eligible
        const [lo, hi] = u1 <= u2 ? [u1, u2] : [u2, u1]
        expect(pickWeighted(weights, lo, eligible)).toBeLessThanOrEqual(pickWeighted(weights, hi, eligible))
        const last = pickWeighted(weights, 1 - Number.EPSILON / 2, eligible)
        expect(last).toBe(ts.findLastIndex((t) => t.weight > 0 && t.eligible))
      }),
      { numRuns: 1_000 }
    )
  })

  it("applies a weight change at the very next draw", () => {
    const uniform = seededUniform(42)
    const weights = [1, 1, 1]
    expectSplit(countPicks(weights, all, 30_000, uniform), weights, all, 30_000)
    weights[0] = 0 // drained
    weights[2] = 8
    expectSplit(countPicks(weights, all, 30_000, uniform), weights, all, 30_000)
    weights[0] = 5 // back
    expect(countPicks(weights, all, 1_000, uniform)[0]).toBeGreaterThan(0)
  })

  it("refuses a u outside [0, 1) and negative or infinite weights", () => {
    expect(() => pickWeighted([1], 1, all)).toThrow(RangeError)
    expect(() => pickWeighted([1], -0.1, all)).toThrow(RangeError)
    expect(() => pickWeighted([1], Number.NaN, all)).toThrow(RangeError)
    expect(() => pickWeighted([1, -1], 0.5, all)).toThrow("weight 1 (-1) must be a finite number >= 0")
    expect(() => pickWeighted([Number.POSITIVE_INFINITY], 0.5, all)).toThrow(RangeError)
    expect(() => pickWeighted([Number.NaN], 0.5, all)).toThrow(RangeError)
  })
})

describe("Failover", () => {
  it("tries each eligible target of positive weight exactly once, nothing else, then says none is left", () => {
    fc.assert(
      fc.property(targets, fc.integer(), (ts, seed) => {
        const weights = ts.map((t) => t.weight)
        const eligible = (i: number) => ts[i]!.eligible
        const uniform = seededUniform(seed)
        const failover = new Failover()
        const tried: Array<number> = []
        for (let i = failover.next(weights, uniform(), eligible); i >= 0; i = failover.next(weights, uniform(), eligible)) {
          expect(tried.length).toBeLessThan(weights.length)
          tried.push(i)
        }
        const expected = ts.flatMap((t, i) => (t.weight > 0 && t.eligible ? [i] : []))
        expect([...tried].sort((a, b) => a - b)).toEqual(expected)
        expect(failover.next(weights, uniform(), eligible)).toBe(-1)
      }),
      { numRuns: 1_000 }
    )
  })

  it("orders targets by successive weighted draws: P(a, b, c) = wa/W × wb/(W − wa)", () => {
    const weights = [1, 2, 7] as const
    const W = 10
    const uniform = seededUniform(7)
    const draws = 60_000
    const orders = new Map<string, number>()
    for (let k = 0; k < draws; k++) {
      const failover = new Failover()
      const order = [0, 1, 2].map(() => failover.next(weights, uniform(), all)).join("")
      orders.set(order, (orders.get(order) ?? 0) + 1)
    }
    for (const [a, b, c] of [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]] as const) {
      const p = (weights[a] / W) * (weights[b] / (W - weights[a]))
      const count = orders.get(`${a}${b}${c}`) ?? 0
      expect(Math.abs(count - draws * p)).toBeLessThanOrEqual(bernsteinBound(draws, p, DELTA))
    }
    expect([...orders.values()].reduce((s, n) => s + n, 0)).toBe(draws)
  })
})
