/**
 * Orders and their outcomes: how many trips were requested, how each ended (matched, or
 * unmatched by reason), the decisions and declines behind them, per run and per hour of
 * request time.
 *
 * A trip's outcome is its last decision: an `unmatched` decision is always final, a `matched`
 * one unless a decline or a foreign-driver match follows (sim-events.ts). So matched trips =
 * matched decisions − declines − foreign-driver matches, and requested = matched + unmatched
 * once the run has drained.
 */
import { UNMATCHED_REASONS, type UnmatchedReason } from "#engine"
import type { SimEvent } from "../events/sim-events.ts"
import type { HourBuckets } from "./hour-buckets.ts"
import type { KpiFold } from "./kpi-fold.ts"
import { ratio } from "./summary-stats.ts"

export interface OrderKpis {
  readonly requested: number
  readonly matched: number
  readonly unmatched: number
  /** matched ÷ requested. */
  readonly matchRate: number | null
  readonly unmatchedByReason: Readonly<Record<UnmatchedReason, number>>
  /** Every decision the dispatcher took, first orders and retries after a decline. */
  readonly decisions: number
  readonly declines: number
  /** Matches to drivers the run does not own, declined back to the engine (simulation.ts). */
  readonly foreignDriverMatches: number
  /** Rides that reached the dropoff. */
  readonly completed: number
}

export class OrderOutcomes implements KpiFold {
  readonly requestedByHour: Float64Array
  readonly matchedByHour: Float64Array
  readonly unmatchedByHour: Float64Array
  readonly #hours: HourBuckets
  readonly #byReason = Object.fromEntries(UNMATCHED_REASONS.map((r) => [r, 0])) as Record<UnmatchedReason, number>
  /** Open matches: order id -> request time, until declined (or found foreign). */
  readonly #requestTimeOf = new Map<string, number>()
  #requested = 0
  #matchedDecisions = 0
  #unmatched = 0
  #decisions = 0
  #declines = 0
  #foreignDriverMatches = 0
  #completed = 0

  constructor(hours: HourBuckets) {
    this.#hours = hours
    this.requestedByHour = new Float64Array(hours.count)
    this.matchedByHour = new Float64Array(hours.count)
    this.unmatchedByHour = new Float64Array(hours.count)
  }

  on(event: SimEvent): void {
    switch (event.type) {
      case "requested":
        this.#requested++
        this.requestedByHour[this.#hours.of(event.at)]!++
        return
      case "decision": {
        this.#decisions++
        const d = event.decision
        const hour = this.#hours.of(event.requestedAt)
        if (d.type === "order.matched") {
          this.#matchedDecisions++
          this.matchedByHour[hour]!++
          this.#requestTimeOf.set(d.orderId, event.requestedAt)
        } else {
          this.#unmatched++
          this.#byReason[d.reason]++
          this.unmatchedByHour[hour]!++
        }
        return
      }
      case "declined":
      case "foreignMatch": {
        if (event.type === "declined") this.#declines++
        else this.#foreignDriverMatches++
        const requestedAt = this.#requestTimeOf.get(event.orderId)
        if (requestedAt !== undefined) this.matchedByHour[this.#hours.of(requestedAt)]!--
        this.#requestTimeOf.delete(event.orderId)
        return
      }
      case "droppedOff":
        this.#completed++
        this.#requestTimeOf.delete(event.orderId)
        return
    }
  }

  result(): OrderKpis {
    const matched = this.#matchedDecisions - this.#declines - this.#foreignDriverMatches
    return {
      requested: this.#requested,
      matched,
      unmatched: this.#unmatched,
      matchRate: ratio(matched, this.#requested, 4),
      unmatchedByReason: { ...this.#byReason },
      decisions: this.#decisions,
      declines: this.#declines,
      foreignDriverMatches: this.#foreignDriverMatches,
      completed: this.#completed
    }
  }
}
