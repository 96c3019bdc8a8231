/**
 * Local hour of day in a market's time zone, for hour-of-day speed profiles.
 *
 * `Intl.DateTimeFormat` costs microseconds per call, far too much per ETA. Every time zone in use
 * changes its UTC offset only at instants that are whole quarter-hours of UTC (offsets are
 * multiples of 15 minutes and transitions happen at local whole hours or half hours), so the
 * offset is constant inside each UTC quarter-hour: it is asked of Intl once per quarter-hour
 * bucket and cached. Simulations walk time forward, so the last bucket answers almost always.
 */

const QUARTER_HOUR_MS = 15 * 60_000
const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS
/** Buckets kept before the cache is cleared: 4,096 quarter-hours is about six weeks of time. */
const MAX_CACHED_BUCKETS = 4_096

export class LocalHour {
  readonly timeZone: string
  readonly #format: Intl.DateTimeFormat
  readonly #offsets = new Map<number, number>()
  #lastBucket = Number.NaN
  #lastOffsetMs = 0

  /** Throws a RangeError for an unknown time zone (market files are validated before this). */
  constructor(timeZone: string) {
    this.timeZone = timeZone
    this.#format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric"
    })
  }

  /** Local hour 0..23 at the instant. */
  hourOf(epochMs: number): number {
    const bucket = Math.floor(epochMs / QUARTER_HOUR_MS)
    if (bucket !== this.#lastBucket) {
      this.#lastOffsetMs = this.#offsetOf(bucket)
      this.#lastBucket = bucket
    }
    const local = (epochMs + this.#lastOffsetMs) % DAY_MS
    return Math.floor((local < 0 ? local + DAY_MS : local) / HOUR_MS)
  }

  /** UTC offset (ms, local minus UTC) at the instant. */
  offsetMsAt(epochMs: number): number {
    return this.#offsetOf(Math.floor(epochMs / QUARTER_HOUR_MS))
  }

  #offsetOf(bucket: number): number {
    const cached = this.#offsets.get(bucket)
    if (cached !== undefined) return cached
    const at = bucket * QUARTER_HOUR_MS
    const part: Record<string, number> = {}
    for (const p of this.#format.formatToParts(at)) if (p.type !== "literal") part[p.type] = Number(p.value)
    const localAsUtc = Date.UTC(part["year"]!, part["month"]! - 1, part["day"]!, part["hour"]!, part["minute"]!, part["second"]!)
    const offset = localAsUtc - at
    if (this.#offsets.size >= MAX_CACHED_BUCKETS) this.#offsets.clear()
    this.#offsets.set(bucket, offset)
    return offset
  }
}
