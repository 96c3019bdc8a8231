/**
 * Reading the time columns of a trips file (`request_time`, `dropoff_time`) into epoch ms.
 *
 * Two forms are accepted, told apart by shape:
 * - ISO-8601 / RFC 3339 date-time WITH a zone: `2008-05-17T10:00:53Z`, `...T03:00:53-07:00`,
 *   `-0700`, `-07`; `T`, `t` or a space between date and time; seconds and a fraction
 *   optional. Digits beyond milliseconds are truncated. A time without a zone is rejected:
 *   whose local time it would be is a guess, and a wrong guess shifts a whole replay by hours.
 * - A plain unsigned decimal number: epoch time. Below 1e11 it is SECONDS (1e11 s is the year
 *   5138), otherwise MILLISECONDS (1e11 ms is 1973-03-03). So epoch milliseconds before March
 *   1973 read as seconds; no trips data of that age is expected.
 *
 * `Date.parse` is not used: it accepts many non-ISO forms and reads zone-less times as local.
 */

/** Epoch values below this are seconds, at or above it milliseconds. */
export const EPOCH_SECONDS_BELOW = 1e11
/** The JavaScript Date range, ±100,000,000 days around 1970 (ECMA-262 §21.4.1.22), in ms. */
const MAX_TIME_MS = 8.64e15

const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/
const EPOCH = /^\d+(?:\.\d+)?$/

/** Epoch milliseconds, or undefined when `text` is neither accepted form or out of range. */
export const parseTripTime = (text: string): number | undefined => {
  const s = text.trim()
  if (EPOCH.test(s)) {
    const value = Number(s)
    const ms = Math.round(value < EPOCH_SECONDS_BELOW ? value * 1000 : value)
    return ms <= MAX_TIME_MS ? ms : undefined
  }
  const m = ISO.exec(s)
  if (m === null) return undefined
  const year = +m[1]!, month = +m[2]!, day = +m[3]!
  const hour = +m[4]!, minute = +m[5]!, second = m[6] === undefined ? 0 : +m[6]
  const ms = m[7] === undefined ? 0 : +(m[7] + "00").slice(0, 3)
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  if (hour > 23 || minute > 59 || second > 59) return undefined
  let offsetMinutes = 0
  if (m[8] === undefined) {
    const offsetHours = +m[10]!, offsetMins = m[11] === undefined ? 0 : +m[11]
    if (offsetHours > 23 || offsetMins > 59) return undefined
    offsetMinutes = (m[9] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMins)
  }
  const minutes = daysFromCivil(year, month, day) * 1440 + hour * 60 + minute - offsetMinutes
  return minutes * 60_000 + second * 1000 + ms
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-Compatible
 * Low-Level Date Algorithms", days_from_civil). Plain arithmetic: no Date allocated per row,
 * and no `Date.UTC` quirk of reading years 0..99 as 1900..1999.
 */
const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

const daysInMonth = (year: number, month: number): number => {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}
