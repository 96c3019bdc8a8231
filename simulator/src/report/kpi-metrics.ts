/**
 * The run's KPIs as Prometheus metrics while it runs (`dispatch simulate --metrics-port`): the
 * same events the KPI file is folded from, counted live, so a Grafana panel shows a replay as
 * it happens. Labels are the run's market and policy only.
 */
import type { SimulatorMetrics } from "../observability/metrics.ts"
import { FLEET_STATES, type FleetState } from "../fleet/driver.ts"
import type { SimEvent } from "../events/sim-events.ts"

export class KpiMetrics {
  readonly #metrics: SimulatorMetrics
  readonly #labels: { readonly market: string; readonly policy: string }
  readonly #start: number
  readonly #span: number
  readonly #fleet = new Map<FleetState, number>(FLEET_STATES.map((s) => [s, 0]))

  /** `start`, `end`: the replay window (epoch ms); the whole fleet starts offline. */
  constructor(metrics: SimulatorMetrics, run: { readonly market: string; readonly policy: string; readonly start: number; readonly end: number; readonly drivers: number }) {
    this.#metrics = metrics
    this.#labels = { market: run.market, policy: run.policy }
    this.#start = run.start
    this.#span = Math.max(1, run.end - run.start)
    this.#fleet.set("offline", run.drivers)
    for (const state of FLEET_STATES) this.#setFleet(state)
    metrics.simProgress.set(this.#labels, 0)
  }

  readonly on = (event: SimEvent): void => {
    const m = this.#metrics, labels = this.#labels
    switch (event.type) {
      case "requested":
        m.simTripsRequested.inc(labels)
        this.#clock(event.at)
        return
      case "decision": {
        const d = event.decision
        m.simDecisions.inc({ ...labels, outcome: d.type === "order.matched" ? "matched" : d.reason })
        return
      }
      case "declined":
        m.simDeclines.inc(labels)
        return
      case "foreignMatch":
        m.simForeignDriverMatches.inc(labels)
        return
      case "pickedUp":
        m.simPickups.inc(labels)
        m.simRiderWait.observe(labels, (event.at - event.requestedAt) / 1000)
        return
      case "driver":
        this.#fleet.set(event.from, this.#fleet.get(event.from)! - 1)
        this.#fleet.set(event.to, this.#fleet.get(event.to)! + 1)
        this.#setFleet(event.from)
        this.#setFleet(event.to)
        this.#clock(event.at)
        return
      default:
        return
    }
  }

  #setFleet(state: FleetState): void {
    this.#metrics.simFleetDrivers.set({ ...this.#labels, state }, this.#fleet.get(state)!)
  }

  #clock(at: number): void {
    this.#metrics.simClock.set(this.#labels, at / 1000)
    this.#metrics.simProgress.set(this.#labels, Math.min(1, Math.max(0, (at - this.#start) / this.#span)))
  }
}
