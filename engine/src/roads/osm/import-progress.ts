/**
 * Progress of a long import on stderr: on a terminal one line redrawn in place (share of the
 * file read, nodes and ways so far, then each later phase); in a file or pipe a plain line per
 * phase and, while reading, at most one line every `LINE_PERIOD_MS`, so that CI logs are not
 * flooded. Imports shorter than `DELAY_MS` print nothing.
 *
 * (The simulator's runner has a similar bar; the engine cannot import the simulator, and the
 * two show different things, so each part keeps its own few lines.)
 */
import type { OsmElementCounts } from "./osm-xml-reader.ts"

/** Nothing is shown before this, ms. */
const DELAY_MS = 500
/** Redraw period on a terminal, ms. */
const TTY_PERIOD_MS = 200
/** Period of reading lines when not a terminal, ms. */
const LINE_PERIOD_MS = 10_000

export interface ProgressOutput {
  readonly isTTY?: boolean | undefined
  write(text: string): unknown
}

const count = (n: number) => n.toLocaleString("en-US")

export class ImportProgress {
  readonly #out: ProgressOutput | undefined
  readonly #label: string
  readonly #now: () => number
  readonly #started: number
  #lastDraw = Number.NEGATIVE_INFINITY
  #drawn = false

  /** `out` undefined: silent (library use). `now`: a clock in ms, for tests. */
  constructor(out: ProgressOutput | undefined, label: string, now: () => number = () => performance.now()) {
    this.#out = out
    this.#label = label
    this.#now = now
    this.#started = now()
  }

  /** While reading: `share` of the input read (0..1) when the input size is known. */
  reading(share: number | undefined, counts: OsmElementCounts): void {
    this.#draw(() => {
      const percent = share === undefined ? "" : ` ${Math.min(100, Math.floor(share * 100))}% ·`
      return `reading${percent} ${count(counts.nodes)} nodes · ${count(counts.ways)} ways`
    }, false)
  }

  /** A new phase: drawn at once (past the initial delay). */
  phase(text: string): void {
    this.#draw(() => text, true)
  }

  /** Ends the terminal line, if one was drawn. */
  done(): void {
    if (this.#drawn && this.#out?.isTTY === true) this.#out.write("\n")
  }

  /** `text` is only formatted when drawn: reading reports come once per chunk. */
  #draw(text: () => string, isPhase: boolean): void {
    const out = this.#out
    if (out === undefined) return
    const now = this.#now()
    if (now - this.#started < DELAY_MS) return
    const tty = out.isTTY === true
    if (!isPhase && now - this.#lastDraw < (tty ? TTY_PERIOD_MS : LINE_PERIOD_MS)) return
    this.#lastDraw = now
    this.#drawn = true
    const line = `${this.#label}: ${text()}`
    out.write(tty ? `\r${line}\x1b[K` : `${line}\n`)
  }
}
