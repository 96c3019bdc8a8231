/**
 * The mean of a few replays' figures and its 95% confidence interval, Student's t with n − 1
 * degrees of freedom (the seeds of `dispatch simulate --seeds` are independent draws of the
 * same model). Applied to per-seed paired differences it is the paired t interval: the seeds'
 * shared noise (fleet placement, patience, declines drawn alike for both policies) cancels.
 */

/**
 * t(0.975, df) for df 1..30, to 4 decimals (the standard table: NIST/SEMATECH e-Handbook of
 * Statistical Methods, 1.3.6.7.2). Beyond 30 the Cornish-Fisher expansion below is within 1e-4.
 */
const T975 = [
  12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.306, 2.2622, 2.2281,
  2.201, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.093, 2.086,
  2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423
] as const

/** z(0.975), the normal quantile the t quantile tends to. */
const Z975 = 1.959964

/** The 0.975 quantile of Student's t with `df` (a positive integer) degrees of freedom. */
export const t975 = (df: number): number => {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be a positive integer, got ${df}`)
  const tabled = T975[df - 1]
  if (tabled !== undefined) return tabled
  // Cornish-Fisher: t ≈ z + (z³ + z)/4ν + (5z⁵ + 16z³ + 3z)/96ν² + (3z⁷ + 19z⁵ + 17z³ − 15z)/384ν³.
  const z = Z975, z3 = z ** 3, z5 = z ** 5, z7 = z ** 7
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3)
}

export interface Estimate {
  readonly n: number
  readonly mean: number
  /** [lo, hi]; null when n = 1, where the data give no spread to build an interval from. */
  readonly ci95: readonly [number, number] | null
}

/** The mean of `values` (at least one) and its 95% t interval. */
export const estimate = (values: ReadonlyArray<number>): Estimate => {
  const n = values.length
  if (n === 0) throw new RangeError("an estimate needs at least one value")
  const mean = values.reduce((s, v) => s + v, 0) / n
  if (n === 1) return { n, mean, ci95: null }
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)
  const half = t975(n - 1) * Math.sqrt(variance / n)
  return { n, mean, ci95: [mean - half, mean + half] }
}
