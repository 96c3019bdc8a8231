/**
 * Pickup waits by H3 cell, for the report's map: per cell of the pickup point, the trips
 * requested, served and their mean pickup wait. The resolution is the market's by default (the
 * driver index's cells), so the map shows what the index sees.
 */
import { latLngToCell } from "h3-js"
import type { SimEvent } from "../events/sim-events.ts"
import type { KpiFold } from "./kpi-fold.ts"
import { round } from "./summary-stats.ts"

export interface CellWait {
  readonly cell: string
  readonly requests: number
  readonly served: number
  readonly pickupWaitMeanSeconds: number | null
}

export interface CellKpis {
  readonly resolution: number
  /** Cells with at least one request, by cell id. */
  readonly cells: ReadonlyArray<CellWait>
}

/** A retried order's id is the trip's first order id plus `.<attempt>` (runner/simulation.ts). */
const RETRY_SUFFIX = /\.\d+$/

export class CellWaits implements KpiFold {
  readonly #resolution: number
  readonly #cells = new Map<string, { requests: number; served: number; waitSum: number }>()
  /** Cell of each trip not yet picked up (or ended), by order id: one H3 lookup per trip. */
  readonly #cellOf = new Map<string, { requests: number; served: number; waitSum: number }>()

  constructor(resolution: number) {
    this.#resolution = resolution
  }

  on(event: SimEvent): void {
    if (event.type === "requested") {
      const cell = latLngToCell(event.pickup.lat, event.pickup.lng, this.#resolution)
      let c = this.#cells.get(cell)
      if (c === undefined) this.#cells.set(cell, (c = { requests: 0, served: 0, waitSum: 0 }))
      c.requests++
      this.#cellOf.set(event.orderId, c)
    } else if (event.type === "decision" && event.decision.type === "order.unmatched") {
      this.#cellOf.delete(event.decision.orderId.replace(RETRY_SUFFIX, ""))
    } else if (event.type === "pickedUp") {
      const id = event.orderId.replace(RETRY_SUFFIX, "")
      const c = this.#cellOf.get(id)
      if (c === undefined) return
      this.#cellOf.delete(id)
      c.served++
      c.waitSum += (event.at - event.requestedAt) / 1000
    }
  }

  result(): CellKpis {
    const cells = [...this.#cells.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([cell, c]) => ({ cell, requests: c.requests, served: c.served, pickupWaitMeanSeconds: c.served === 0 ? null : round(c.waitSum / c.served, 1) }))
    return { resolution: this.#resolution, cells }
  }
}

