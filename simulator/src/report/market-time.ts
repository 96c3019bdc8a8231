/**
 * Instants written in the market's own time, saying which zone: what the progress line, the
 * terminal summary, the KPI files and the report show, so that a replay of a San Francisco
 * evening reads `17:00 → 19:00 PDT`, not `00:00Z → 02:00Z` of the next day.
 *
 * The UTC offset comes from the engine's `LocalHour` (Intl, cached per quarter-hour); the
 * zone's short name (`PDT`, `PST`; `GMT+5:45` where the zone has none) from Intl as well.
 */
import { LocalHour } from "#engine"

const MINUTE_MS = 60_000

export class MarketTime {
  readonly timeZone: string
  readonly #hour: LocalHour
  readonly #zoneName: Intl.DateTimeFormat

  /** Throws a RangeError for an unknown zone (market files are validated before this). */
  constructor(timeZone: string) {
    this.timeZone = timeZone
    this.#hour = new LocalHour(timeZone)
    this.#zoneName = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "short" })
  }

  /** ISO-8601 with the local offset, `2008-05-31T17:00:01.000-07:00`: the instant, as the market's clock read it. */
  iso(t: number): string {
    const offset = this.#hour.offsetMsAt(t)
    const minutes = Math.abs(offset) / MINUTE_MS
    const sign = offset < 0 ? "-" : "+"
    return `${this.wallClock(t).slice(0, 23)}${sign}${two(Math.floor(minutes / 60))}:${two(minutes % 60)}`
  }

  /**
   * The local wall clock written as if it were UTC (`2008-05-31T17:00:01.000Z`; the `Z` is not
   * true): for a time axis that shows UTC, such as Plot's, to show local hours.
   */
  wallClock(t: number): string {
    return new Date(t + this.#hour.offsetMsAt(t)).toISOString()
  }

  /** `2008-05-31 17:46 PDT`, for people. */
  minute(t: number): string {
    return `${this.#dateMinute(t)} ${this.zoneName(t)}`
  }

  /**
   * A window for people: `2008-05-31 17:00 → 19:00 PDT (America/Los_Angeles)`; the second
   * date is written when it is another day, the first zone name when it differs (DST).
   */
  span(from: number, to: number): string {
    const a = this.#dateMinute(from), b = this.#dateMinute(to)
    const zoneFrom = this.zoneName(from), zoneTo = this.zoneName(to)
    const end = a.slice(0, 10) === b.slice(0, 10) ? b.slice(11) : b
    return `${a}${zoneFrom === zoneTo ? "" : ` ${zoneFrom}`} → ${end} ${zoneTo} (${this.timeZone})`
  }

  /** The zone's short name at the instant: `PDT` or `PST` in San Francisco. */
  zoneName(t: number): string {
    return this.#zoneName.formatToParts(t).find((p) => p.type === "timeZoneName")?.value ?? this.timeZone
  }

  /** `2008-05-31 17:46`, the local wall clock to the minute. */
  #dateMinute(t: number): string {
    return this.wallClock(t).slice(0, 16).replace("T", " ")
  }
}

const two = (n: number) => String(n).padStart(2, "0")
