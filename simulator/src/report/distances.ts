/**
 * Kilometres driven, from the legs drivers report: with a rider (`trip`, the record's own
 * length where it has one) and without (`pickup` and `reposition`: deadhead), the road
 * distance being the great circle × the road factor.
 */
import type { SimEvent } from "../events/sim-events.ts"
import type { KpiFold } from "./kpi-fold.ts"
import { ratio, round } from "./summary-stats.ts"

export interface DistanceKpis {
  readonly trip: number
  readonly pickup: number
  readonly reposition: number
  /** pickup + reposition. */
  readonly deadhead: number
  /** deadhead ÷ (trip + deadhead). */
  readonly deadheadShare: number | null
}

export class Distances implements KpiFold {
  #trip = 0
  #pickup = 0
  #reposition = 0

  on(event: SimEvent): void {
    if (event.type !== "leg") return
    if (event.kind === "trip") this.#trip += event.roadMeters
    else if (event.kind === "pickup") this.#pickup += event.roadMeters
    else this.#reposition += event.roadMeters
  }

  result(): DistanceKpis {
    const deadhead = this.#pickup + this.#reposition
    return {
      trip: round(this.#trip / 1000, 1),
      pickup: round(this.#pickup / 1000, 1),
      reposition: round(this.#reposition / 1000, 1),
      deadhead: round(deadhead / 1000, 1),
      deadheadShare: ratio(deadhead, deadhead + this.#trip, 4)
    }
  }
}
