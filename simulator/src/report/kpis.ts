/**
 * The KPI file of one run (`kpis.<policy>.json`): its schema as types, and the collector that
 * folds a run's events into it. docs/simulator.md documents every field.
 *
 * Deterministic by construction: only simulation events go in, figures are rounded, keys come
 * in a fixed order, so the same inputs and seed give the same bytes. Wall-clock figures
 * (decisions per second...) are not here but in `run.json` (report/run-timing.ts).
 */
import { FLEET_STATES } from "../fleet/driver.ts"
import type { SimEvent } from "../events/sim-events.ts"
import { CellWaits, type CellKpis } from "./cell-waits.ts"
import { Distances, type DistanceKpis } from "./distances.ts"
import { FleetTime, type FleetKpis } from "./fleet-time.ts"
import { HOUR_MS, HourBuckets } from "./hour-buckets.ts"
import type { MarketTime } from "./market-time.ts"
import { OrderOutcomes, type OrderKpis } from "./order-outcomes.ts"
import { RideWaits, type WaitKpis } from "./ride-waits.ts"
import { ratio, round } from "./summary-stats.ts"

export const KPI_SCHEMA = "dispatch-simulator-kpis/1"

/**
 * An hour with fewer measured minutes gets no per-hour rate: scaled up, the few trips of a
 * window's last seconds (the window ends 1 ms after its last request) would read as a rush.
 */
const MIN_RATE_MS = 10 * 60_000

/** What was run: enough to run it again. */
export interface ScenarioInfo {
  readonly market: string
  /** The trips file, or `synthetic:<trips per day>`. */
  readonly trips: string
  readonly policy: string
  readonly drivers: number
  readonly seed: number
  /** The measured window, ISO-8601 UTC. */
  readonly from: string
  readonly to: string
  /** The market's IANA time zone, and the window in it (ISO-8601 with the local offset). */
  readonly timeZone: string
  readonly fromLocal: string
  readonly toLocal: string
  /** Every model setting, by flag name. */
  readonly settings: Readonly<Record<string, string | number | boolean>>
}

export interface HourKpis {
  /** Start of the hour, ISO-8601 UTC; `startLocal`: the same instant with the market's offset. */
  readonly start: string
  readonly startLocal: string
  /** Minutes of the hour inside the measured window; `partial` when under 60 (the window's first or last hour). */
  readonly minutes: number
  readonly partial: boolean
  /** Counts in the hour's measured minutes. */
  readonly requests: number
  readonly matched: number
  readonly unmatched: number
  /** The counts as rates (÷ the hours measured), so a partial hour compares with whole ones; null under 10 minutes measured. */
  readonly requestsPerHour: number | null
  readonly matchedPerHour: number | null
  readonly matchRate: number | null
  readonly matchWaitMeanSeconds: number | null
  readonly pickupWaitMeanSeconds: number | null
  /** Time-averaged drivers in the hour. */
  readonly driversOnDuty: number
  readonly driversBusy: number
  readonly driversIdle: number
  readonly utilisation: number | null
}

export interface Kpis extends WaitKpis {
  readonly schema: typeof KPI_SCHEMA
  readonly scenario: ScenarioInfo
  readonly orders: OrderKpis
  readonly distanceKm: DistanceKpis
  readonly fleet: FleetKpis
  readonly hourly: ReadonlyArray<HourKpis>
  readonly cells: CellKpis
}

export class KpiCollector {
  readonly #hours: HourBuckets
  readonly #orders: OrderOutcomes
  readonly #waits: RideWaits
  readonly #distances = new Distances()
  readonly #fleet: FleetTime
  readonly #cells: CellWaits
  readonly #time: MarketTime

  /** `start`, `end`: the measured window (epoch ms); `mapResolution`: H3 resolution of the cell map; `time`: the market's zone. */
  constructor(start: number, end: number, drivers: number, mapResolution: number, time: MarketTime) {
    this.#time = time
    this.#hours = new HourBuckets(start, end)
    this.#orders = new OrderOutcomes(this.#hours)
    this.#waits = new RideWaits(this.#hours)
    this.#fleet = new FleetTime(this.#hours, drivers)
    this.#cells = new CellWaits(mapResolution)
  }

  readonly on = (event: SimEvent): void => {
    this.#orders.on(event)
    this.#waits.on(event)
    this.#distances.on(event)
    this.#fleet.on(event)
    this.#cells.on(event)
  }

  /** The KPIs; call once, after the run has drained. */
  result(scenario: ScenarioInfo): Kpis {
    this.#fleet.close()
    const waits = this.#waits.result()
    return {
      schema: KPI_SCHEMA,
      scenario,
      orders: this.#orders.result(),
      matchWaitSeconds: waits.matchWaitSeconds,
      pickupWaitSeconds: waits.pickupWaitSeconds,
      pickupEtaSeconds: waits.pickupEtaSeconds,
      pickupDistanceMeters: waits.pickupDistanceMeters,
      distanceKm: this.#distances.result(),
      fleet: this.#fleet.result(),
      hourly: this.#hourly(),
      waitHistogram: waits.waitHistogram,
      cells: this.#cells.result()
    }
  }

  #hourly(): Array<HourKpis> {
    const h = this.#hours, o = this.#orders, w = this.#waits, f = this.#fleet
    return Array.from({ length: h.count }, (_, k) => {
      const length = h.lengthOf(k)
      const ms = (s: (typeof FLEET_STATES)[number]) => f.msIn(k, s)
      const busy = ms("to_pickup") + ms("on_trip") + ms("offered")
      const idle = ms("idle") + ms("repositioning")
      const onDuty = busy + idle
      const served = w.servedByHour[k]!
      const start = h.first + k * HOUR_MS
      const minutes = round(length / 60_000, 1)
      const perHour = (count: number) => (length < MIN_RATE_MS ? null : round((count * HOUR_MS) / length, 1))
      return {
        start: new Date(start).toISOString(),
        startLocal: this.#time.iso(start),
        minutes,
        partial: minutes < 60,
        requests: o.requestedByHour[k]!,
        matched: o.matchedByHour[k]!,
        unmatched: o.unmatchedByHour[k]!,
        requestsPerHour: perHour(o.requestedByHour[k]!),
        matchedPerHour: perHour(o.matchedByHour[k]!),
        matchRate: ratio(o.matchedByHour[k]!, o.requestedByHour[k]!, 4),
        matchWaitMeanSeconds: ratio(w.matchWaitSumByHour[k]!, served, 1),
        pickupWaitMeanSeconds: ratio(w.pickupWaitSumByHour[k]!, served, 1),
        driversOnDuty: length > 0 ? round(onDuty / length, 1) : 0,
        driversBusy: length > 0 ? round(busy / length, 1) : 0,
        driversIdle: length > 0 ? round(idle / length, 1) : 0,
        utilisation: ratio(ms("to_pickup") + ms("on_trip"), onDuty, 4)
      }
    })
  }
}
