/**
 * The requests of the last `horizonMs`, per H3 zone, as the run has seen them arrive: what the
 * rebalancing step (rebalancing.ts) reads as recent demand. Only the past: unlike the demand
 * sample of the whole file (demand-sample.ts), nothing here knows a request before it is made.
 * A sliding window in arrival order (times never go back), so each request is counted in and
 * out once.
 */
import type { LatLng } from "#engine"
import { cellToLatLng, latLngToCell } from "h3-js"

export class RecentDemand {
  readonly #horizonMs: number
  readonly #resolution: number
  readonly #times: Array<number> = []
  readonly #cells: Array<string> = []
  /** Index of the oldest request still in the window. */
  #head = 0
  readonly #counts = new Map<string, number>()
  /** The latest pickup seen in each zone. */
  readonly #lastPickup = new Map<string, LatLng>()

  constructor(horizonMs: number, resolution: number) {
    this.#horizonMs = horizonMs
    this.#resolution = resolution
  }

  cellOf(point: LatLng): string {
    return latLngToCell(point.lat, point.lng, this.#resolution)
  }

  centreOf(cell: string): LatLng {
    const [lat, lng] = cellToLatLng(cell)
    return { lat, lng }
  }

  record(at: number, pickup: LatLng): void {
    const cell = this.cellOf(pickup)
    this.#times.push(at)
    this.#cells.push(cell)
    this.#counts.set(cell, (this.#counts.get(cell) ?? 0) + 1)
    this.#lastPickup.set(cell, pickup)
  }

  /** Requests per zone in (now − horizon, now]; forgets older ones. */
  countsAt(now: number): ReadonlyMap<string, number> {
    const since = now - this.#horizonMs
    while (this.#head < this.#times.length && this.#times[this.#head]! <= since) {
      const cell = this.#cells[this.#head]!
      const n = this.#counts.get(cell)! - 1
      if (n === 0) this.#counts.delete(cell)
      else this.#counts.set(cell, n)
      this.#head++
    }
    // Drop the consumed prefix now and then, so a month's replay keeps a window's worth.
    if (this.#head > 4096 && this.#head * 2 > this.#times.length) {
      this.#times.splice(0, this.#head)
      this.#cells.splice(0, this.#head)
      this.#head = 0
    }
    return this.#counts
  }

  /** The latest pickup in the zone (of those ever seen). */
  pointIn(cell: string): LatLng | undefined {
    return this.#lastPickup.get(cell)
  }
}
