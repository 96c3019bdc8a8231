/**
 * The hours of a run, for per-hour series: bucket k covers [first + k h, first + (k+1) h),
 * where `first` is the start of the UTC hour holding the run's start. In markets whose UTC
 * offset is whole hours (nearly all) these are also local clock hours.
 */
export const HOUR_MS = 3_600_000

export class HourBuckets {
  readonly first: number
  readonly count: number
  /** The measured window [start, end): fleet time outside it is not counted. */
  readonly start: number
  readonly end: number

  constructor(start: number, end: number) {
    this.start = start
    this.end = end
    this.first = Math.floor(start / HOUR_MS) * HOUR_MS
    this.count = Math.max(1, Math.ceil((end - this.first) / HOUR_MS))
  }

  /** The bucket of time t, clamped into the run's buckets. */
  of(t: number): number {
    return Math.min(this.count - 1, Math.max(0, Math.floor((t - this.first) / HOUR_MS)))
  }

  /** Length (ms) of bucket k inside the measured window. */
  lengthOf(k: number): number {
    const a = Math.max(this.start, this.first + k * HOUR_MS), b = Math.min(this.end, this.first + (k + 1) * HOUR_MS)
    return Math.max(0, b - a)
  }

  /** Calls `add(bucket, ms)` for each piece of [a, b) inside the window, split at hour boundaries. */
  split(a: number, b: number, add: (bucket: number, ms: number) => void): void {
    let from = Math.max(a, this.start)
    const to = Math.min(b, this.end)
    while (from < to) {
      const k = Math.floor((from - this.first) / HOUR_MS)
      const edge = Math.min(to, this.first + (k + 1) * HOUR_MS)
      add(k, edge - from)
      from = edge
    }
  }
}
