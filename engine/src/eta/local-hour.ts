/**
 * Local hour of day in a market's time zone, for hour-of-day speed profiles.
 *
 * `Intl.DateTimeFormat` costs microseconds per call, far too much per ETA. Time zones change
 * their UTC offset almost always at whole quarter-hours of UTC (offsets are multiples of 15
 * minutes, transitions at local whole or half hours), so the offset is asked of Intl once per
 * UTC quarter-hour bucket and cached. Not always: St John's switched at 00:01 local until 2011,
 * mid-bucket, so a bucket whose two ends disagree is marked and answered exactly per call.
 * Simulations walk time forward, so the last bucket answers almost always. */

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
      this.#lastOffsetMs = this.#bucketOffset(bucket)
      this.#lastBucket = bucket
    }
    const offset = Number.isNaN(this.#lastOffsetMs) ? this.#offsetAt(epochMs) : this.#lastOffsetMs
    const local = (epochMs + offset) % DAY_MS
    return Math.floor((local < 0 ? local + DAY_MS : local) / HOUR_MS)
  }

  /** UTC offset (ms, local minus UTC) at the instant. */
  offsetMsAt(epochMs: number): number {
    const offset = this.#bucketOffset(Math.floor(epochMs / QUARTER_HOUR_MS))
    return Number.isNaN(offset) ? this.#offsetAt(epochMs) : offset
  }

  /** The bucket's offset, or NaN when it changes inside the bucket. */
  #bucketOffset(bucket: number): number {
    const cached = this.#offsets.get(bucket)
    if (cached !== undefined) return cached
    const start = bucket * QUARTER_HOUR_MS
    const first = this.#offsetAt(start)
    const offset = first === this.#offsetAt(start + QUARTER_HOUR_MS - 1_000) ? first : Number.NaN
    if (this.#offsets.size >= MAX_CACHED_BUCKETS) this.#offsets.clear()
    this.#offsets.set(bucket, offset)
    return offset
  }

  /** Asks Intl (to the second, as it formats). */
  #offsetAt(epochMs: number): number {
    const at = Math.floor(epochMs / 1_000) * 1_000
    const part: Record<string, number> = {}
    for (const p of this.#format.formatToParts(at)) if (p.type !== "literal") part[p.type] = Number(p.value)
    return Date.UTC(part["year"]!, part["month"]! - 1, part["day"]!, part["hour"]!, part["minute"]!, part["second"]!) - at
  }
}
