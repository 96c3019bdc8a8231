/**
 * Local clock time in a market's IANA time zone, for the parts of the synthetic city that
 * follow the local day (the demand curve, speeds by hour). Uses `Intl`, so daylight saving
 * follows the time zone database of the running Node.
 */

const hourFormats = new Map<string, Intl.DateTimeFormat>()
const partsFormats = new Map<string, Intl.DateTimeFormat>()

const cached = (cache: Map<string, Intl.DateTimeFormat>, timeZone: string, options: Intl.DateTimeFormatOptions) => {
  let format = cache.get(timeZone)
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-US", { timeZone, ...options })
    cache.set(timeZone, format)
  }
  return format
}

/** Hour of the day, 0..23, at `time` (epoch ms) in `timeZone`. */
export const localHour = (time: number, timeZone: string): number =>
  Number(cached(hourFormats, timeZone, { hour: "numeric", hourCycle: "h23" }).format(time))

/** How far `timeZone`'s clock is ahead of UTC at `time`, in ms (negative west of Greenwich). */
const offsetMs = (time: number, timeZone: string): number => {
  const parts = cached(partsFormats, timeZone, {
    year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric", hourCycle: "h23"
  }).formatToParts(time)
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)!.value)
  const asUtc = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"))
  return asUtc - (time - (((time % 1000) + 1000) % 1000))
}

/**
 * The instant (epoch ms) at which the local day `date` (`YYYY-MM-DD`) begins in `timeZone`, or
 * undefined when `date` is not a calendar date. The offset is looked up twice because it may
 * differ between UTC midnight and local midnight (a daylight-saving change in between).
 */
export const startOfLocalDay = (date: string, timeZone: string): number | undefined => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (m === null) return undefined
  const utcMidnight = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)
  if (new Date(utcMidnight).toISOString().slice(0, 10) !== date) return undefined
  const guess = utcMidnight - offsetMs(utcMidnight, timeZone)
  return utcMidnight - offsetMs(guess, timeZone)
}
