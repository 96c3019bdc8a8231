/**
 * The t interval against published values: the t table's quantiles, and Student's sleep data
 * (Cushny and Peebles 1905), whose paired interval R's `t.test(..., paired = TRUE)` prints.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { estimate, t975 } from "../../src/report/confidence.ts"

describe("t975", () => {
  it.each([[1, 12.706], [2, 4.303], [4, 2.776], [9, 2.262], [29, 2.045], [30, 2.042], [40, 2.021], [60, 2.000], [99, 1.984], [120, 1.980], [1000, 1.962]])(
    "t(0.975, %i) = %f",
    (df, t) => expect(t975(df)).toBeCloseTo(t, 3)
  )

  it("falls toward the normal quantile as the degrees of freedom grow", () => {
    for (let df = 1; df < 200; df++) expect(t975(df + 1)).toBeLessThan(t975(df))
    expect(t975(1e6)).toBeCloseTo(1.96, 4)
  })

  it("refuses degrees of freedom that are not a positive integer", () => {
    expect(() => t975(0)).toThrow(RangeError)
    expect(() => t975(2.5)).toThrow(RangeError)
  })
})

describe("estimate", () => {
  it("gives the paired interval of Student's sleep data", () => {
    const differences = [1.2, 2.4, 1.3, 1.3, 0.0, 1.0, 1.8, 0.8, 4.6, 1.4]
    const { n, mean, ci95 } = estimate(differences)
    expect(n).toBe(10)
    expect(mean).toBeCloseTo(1.58, 10)
    expect(ci95![0]).toBeCloseTo(0.7001142, 4)
    expect(ci95![1]).toBeCloseTo(2.4598858, 4)
  })

  it("gives 1..5 the interval 3 ± 2.776·√(2.5/5)", () => {
    const { ci95 } = estimate([1, 2, 3, 4, 5])
    expect(ci95![0]).toBeCloseTo(3 - 2.7764 * Math.sqrt(0.5), 6)
    expect(ci95![1]).toBeCloseTo(3 + 2.7764 * Math.sqrt(0.5), 6)
  })

  it("gives one value no interval, and refuses none", () => {
    expect(estimate([7])).toEqual({ n: 1, mean: 7, ci95: null })
    expect(() => estimate([])).toThrow(RangeError)
  })

  it("is centred on the mean, shifts with the data and is a point for equal values", () => {
    const values = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 40 })
    fc.assert(fc.property(values, fc.double({ min: -1e3, max: 1e3, noNaN: true }), (xs, shift) => {
      const a = estimate(xs), b = estimate(xs.map((x) => x + shift))
      const [lo, hi] = a.ci95!
      expect(lo).toBeLessThanOrEqual(a.mean + 1e-6)
      expect(hi).toBeGreaterThanOrEqual(a.mean - 1e-6)
      expect(hi - a.mean).toBeCloseTo(a.mean - lo, 3)
      expect(b.ci95![0] - shift).toBeCloseTo(lo, 3)
    }))
    expect(estimate([4, 4, 4]).ci95).toEqual([4, 4])
  })
})
