/**
 * Driver shifts: optional, `--shift-hours H`. Each driver works one shift of H hours a day,
 * every day of the run, at a time of day drawn from the run's own demand: the shift's middle is
 * a random request's local time of day (by the request count of each local hour, minutes
 * uniform), so more drivers are on duty when more riders ask. Fleet on duty ≈ N × H / 24.
 *
 * A shift is fixed in UTC from the run's start: a daylight-saving change during the run shifts
 * it by an hour in local time (documented, harmless for a simulation). A driver whose shift
 * ends during a ride logs off when the ride ends.
 */
import type { SeededRandom } from "../trips/random.ts"

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS

export class Shift {
  /** UTC time of day (ms, 0..DAY) at which shifts begin. */
  readonly startOfDayMs: number
  readonly lengthMs: number

  constructor(startOfDayMs: number, lengthMs: number) {
    this.startOfDayMs = ((startOfDayMs % DAY_MS) + DAY_MS) % DAY_MS
    this.lengthMs = lengthMs
  }

  onDuty(at: number): boolean {
    return this.#intoShift(at) < this.lengthMs
  }

  /** The next instant after `at` at which the driver logs on or off. */
  nextChange(at: number): number {
    const into = this.#intoShift(at)
    return into < this.lengthMs ? at + (this.lengthMs - into) : at + (DAY_MS - into)
  }

  #intoShift(at: number): number {
    return (((at - this.startOfDayMs) % DAY_MS) + DAY_MS) % DAY_MS
  }
}

/**
 * A shift of `hours` centred on a local time of day drawn by `requestsByLocalHour`.
 * `utcOffsetMs`: the market's UTC offset at the run's start (local minus UTC).
 */
export const drawShift = (hours: number, requestsByLocalHour: ArrayLike<number>, utcOffsetMs: number, random: SeededRandom): Shift => {
  let total = 0
  for (let h = 0; h < 24; h++) total += requestsByLocalHour[h]!
  let r = random.next() * total
  let hour = 23
  for (let h = 0; h < 24; h++) {
    r -= requestsByLocalHour[h]!
    if (r < 0) {
      hour = h
      break
    }
  }
  const middleLocal = (hour + random.next()) * HOUR_MS
  const lengthMs = Math.round(hours * HOUR_MS)
  return new Shift(middleLocal - lengthMs / 2 - utcOffsetMs, lengthMs)
}
