/**
 * Samples and their summary: count, mean and the nearest-rank percentiles p50, p90, p99 (the
 * smallest value with at least p% of the sample at or below it, so every figure is a value
 * that occurred). Samples are kept whole (8 bytes each): exact, and a month of SF trips is
 * 3 MB a sample.
 */

export interface Summary {
  readonly count: number
  readonly mean: number | null
  readonly p50: number | null
  readonly p90: number | null
  readonly p99: number | null
  readonly max: number | null
}

export class Sample {
  #values = new Float64Array(1_024)
  #count = 0
  #sum = 0

  add(value: number): void {
    if (this.#count === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2)
      grown.set(this.#values)
      this.#values = grown
    }
    this.#values[this.#count++] = value
    this.#sum += value
  }

  get count(): number {
    return this.#count
  }

  /** The values, ascending (a copy). */
  sorted(): Float64Array {
    return this.#values.slice(0, this.#count).sort()
  }

  /** `digits`: decimals kept in the figures. */
  summary(digits: number): Summary {
    const n = this.#count
    if (n === 0) return { count: 0, mean: null, p50: null, p90: null, p99: null, max: null }
    const sorted = this.sorted()
    const rank = (p: number) => round(sorted[Math.max(0, Math.ceil(p * n) - 1)]!, digits)
    return { count: n, mean: round(this.#sum / n, digits), p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: round(sorted[n - 1]!, digits) }
  }

  /** Counts per bin of `width` from 0; the last bin holds everything beyond. */
  histogram(width: number, bins: number): Array<number> {
    const counts = new Array<number>(bins).fill(0)
    for (let i = 0; i < this.#count; i++) counts[Math.min(bins - 1, Math.max(0, Math.floor(this.#values[i]! / width)))]!++
    return counts
  }
}

/** Rounded to `digits` decimals: KPI files hold figures, not float noise. */
export const round = (value: number, digits: number): number => {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

/** a / b, or null when b is 0. */
export const ratio = (a: number, b: number, digits: number): number | null => (b === 0 ? null : round(a / b, digits))
