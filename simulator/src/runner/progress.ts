/**
 * Progress of a long run on stderr: a bar redrawn in place on a terminal, periodic plain lines
 * when the output is a file or a pipe (CI logs, `| tee`). Shows the simulation time reached, the
 * trips replayed per wall second and the time left, estimated from the share of the simulated
 * window done so far. Short runs stay silent: nothing is drawn before `DELAY_MS`.
 *
 * Hand-written (~70 lines) rather than a package: the project allows one extra install, spent
 * on the plotting library.
 */

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

export class Progress {
  readonly #out: ProgressOutput
  readonly #label: string
  readonly #start: number
  readonly #end: number
  readonly #wallStart = performance.now()
  readonly #period: number
  #lastDraw = Number.NEGATIVE_INFINITY
  #drawn = false

  /** `start`, `end`: the simulated window (epoch ms). */
  constructor(out: ProgressOutput, label: string, start: number, end: number, periodMs?: number) {
    this.#out = out
    this.#label = label
    this.#start = start
    this.#end = end
    this.#period = periodMs ?? (out.isTTY === true ? TTY_PERIOD_MS : LINE_PERIOD_MS)
  }

  update(simNow: number, trips: number): void {
    const wall = performance.now() - this.#wallStart
    if (wall < DELAY_MS || wall - this.#lastDraw < this.#period) return
    this.#lastDraw = wall
    this.#drawn = true
    const line = this.#line(simNow, trips, wall)
    this.#out.write(this.#out.isTTY === true ? `\r${line}\x1b[K` : `${line}\n`)
  }

  /** Ends the bar's line (on a terminal) once the run is over. */
  done(): void {
    if (this.#drawn && this.#out.isTTY === true) this.#out.write("\n")
  }

  #line(simNow: number, trips: number, wallMs: number): string {
    const span = this.#end - this.#start
    const share = span > 0 ? Math.min(1, Math.max(0, (simNow - this.#start) / span)) : 1
    const filled = Math.round(share * BAR_WIDTH)
    const rate = trips / (wallMs / 1000)
    const left = share > 0 ? (wallMs / share) * (1 - share) : Number.NaN
    return `${this.#label} [${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ` +
      `sim ${new Date(simNow).toISOString().slice(0, 16).replace("T", " ")}Z · ${Math.round(rate).toLocaleString("en-US")} trips/s · ETA ${formatDuration(left)}`
  }
}

export const formatDuration = (ms: number): string => {
  if (!Number.isFinite(ms)) return "--:--"
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`
}
