/**
 * Progress of a long run on stderr: a bar redrawn in place on a terminal, periodic plain lines
 * when the output is a file or a pipe (CI logs, `| tee`). Shows the simulation time reached (in
 * the market's time zone), the trips replayed per wall second and the time left, estimated from
 * the share of the simulated window done so far. Short runs stay silent: nothing is drawn
 * before `DELAY_MS`. A run that drew anything ends with a final line at 100% and its wall time,
 * in both modes, so that the last line of a finished run never reads as an unfinished one.
 *
 * Hand-written (~90 lines) rather than a package: the project allows one extra install, spent
 * on the plotting library.
 */
import type { MarketTime } from "../report/market-time.ts"

/** Nothing is shown for runs shorter than this, ms. */
const DELAY_MS = 500
/** Redraw period on a terminal, ms. */
const TTY_PERIOD_MS = 200
/** Line period when not a terminal, ms. */
const LINE_PERIOD_MS = 10_000
const BAR_WIDTH = 24

export interface ProgressOutput {
  readonly isTTY?: boolean | undefined
  write(text: string): unknown
}

export interface ProgressWindow {
  /** `[greedy]`: what the line is about. */
  readonly label: string
  /** The simulated window, epoch ms. */
  readonly start: number
  readonly end: number
  readonly time: MarketTime
}

export class Progress {
  readonly #out: ProgressOutput
  readonly #window: ProgressWindow
  readonly #wallClock: () => number
  readonly #wallStart: number
  readonly #period: number
  #lastDraw = Number.NEGATIVE_INFINITY
  #drawn = false

  /** `wallClock`: wall time in ms (a test's own clock; `performance.now` by default). */
  constructor(out: ProgressOutput, window: ProgressWindow, wallClock: () => number = () => performance.now()) {
    this.#out = out
    this.#window = window
    this.#wallClock = wallClock
    this.#wallStart = wallClock()
    this.#period = out.isTTY === true ? TTY_PERIOD_MS : LINE_PERIOD_MS
  }

  update(simNow: number, trips: number): void {
    const wall = this.#wallClock() - this.#wallStart
    if (wall < DELAY_MS || wall - this.#lastDraw < this.#period) return
    this.#lastDraw = wall
    this.#drawn = true
    const share = this.#shareAt(simNow)
    const left = share > 0 ? (wall / share) * (1 - share) : Number.NaN
    this.#write(this.#line(share, simNow, trips, wall, `ETA ${formatDuration(left)}`), false)
  }

  /** The final line, once the run (drain included) is over: 100%, the window's end, the wall time taken. */
  done(trips: number): void {
    if (!this.#drawn) return
    const wall = this.#wallClock() - this.#wallStart
    this.#write(this.#line(1, this.#window.end, trips, wall, `done in ${formatDuration(wall)}`), true)
  }

  #shareAt(simNow: number): number {
    const span = this.#window.end - this.#window.start
    return span > 0 ? Math.min(1, Math.max(0, (simNow - this.#window.start) / span)) : 1
  }

  #write(line: string, last: boolean): void {
    if (this.#out.isTTY !== true) this.#out.write(`${line}\n`)
    else this.#out.write(`\r${line}\x1b[K${last ? "\n" : ""}`)
  }

  #line(share: number, simNow: number, trips: number, wallMs: number, tail: string): string {
    const filled = Math.round(share * BAR_WIDTH)
    const rate = trips / (wallMs / 1000)
    return `${this.#window.label} [${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ` +
      `sim ${this.#window.time.minute(simNow)} · ${Math.round(rate).toLocaleString("en-US")} trips/s · ${tail}`
  }
}

const formatDuration = (ms: number): string => {
  if (!Number.isFinite(ms)) return "--:--"
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`
}
