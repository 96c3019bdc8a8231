/**
 * Where the fleet's time goes: hours in each fleet state over the measured window (the run's
 * request window; the drain after the last request is not counted), in total and per hour.
 *
 * Utilisation = (to_pickup + on_trip) ÷ on-duty time, on duty meaning any state but offline;
 * the occupied share counts on_trip alone; idle time is idle + repositioning. Every driver is
 * in exactly one state at every instant, so the states' hours add up to drivers × window.
 */
import { FLEET_STATES, type FleetState } from "../fleet/driver.ts"
import type { SimEvent } from "../events/sim-events.ts"
import { HOUR_MS, type HourBuckets } from "./hour-buckets.ts"
import type { KpiFold } from "./kpi-fold.ts"
import { ratio, round } from "./summary-stats.ts"

export interface FleetKpis {
  readonly drivers: number
  readonly windowHours: number
  readonly hoursByState: Readonly<Record<FleetState, number>>
  readonly onDutyHours: number
  readonly meanDriversOnDuty: number
  readonly utilisation: number | null
  readonly occupiedShare: number | null
  readonly idleShare: number | null
  /** Idle hours (incl. repositioning) of the mean on-duty driver over the window: idle hours ÷ mean drivers on duty. */
  readonly idleHoursPerDriver: number | null
}

const STATE_INDEX = new Map(FLEET_STATES.map((s, i) => [s, i]))
const S = FLEET_STATES.length
const at = (state: FleetState) => STATE_INDEX.get(state)!

export class FleetTime implements KpiFold {
  /** ms per bucket and state: [bucket × S + state]. */
  readonly msByHourState: Float64Array
  readonly #hours: HourBuckets
  readonly #drivers: number
  readonly #current = new Map<string, { state: FleetState; since: number }>()

  constructor(hours: HourBuckets, drivers: number) {
    this.#hours = hours
    this.#drivers = drivers
    this.msByHourState = new Float64Array(hours.count * S)
  }

  on(event: SimEvent): void {
    if (event.type !== "driver") return
    const current = this.#current.get(event.driverId)
    this.#add(event.from, current?.since ?? this.#hours.start, event.at)
    if (current === undefined) this.#current.set(event.driverId, { state: event.to, since: event.at })
    else {
      current.state = event.to
      current.since = event.at
    }
  }

  /** Driver-ms in a state during bucket k. */
  msIn(k: number, state: FleetState): number {
    return this.msByHourState[k * S + at(state)]!
  }

  /** Closes every driver's current state at the window's end. Call once, after the run. */
  close(): void {
    for (const { state, since } of this.#current.values()) this.#add(state, since, this.#hours.end)
    // Drivers that never changed state were offline the whole window.
    const silent = this.#drivers - this.#current.size
    if (silent > 0) this.#hours.split(this.#hours.start, this.#hours.end, (k, ms) => (this.msByHourState[k * S + at("offline")]! += silent * ms))
    this.#current.clear()
  }

  result(): FleetKpis {
    const totals = Object.fromEntries(FLEET_STATES.map((s) => [s, 0])) as Record<FleetState, number>
    for (let k = 0; k < this.#hours.count; k++) for (const s of FLEET_STATES) totals[s] += this.msIn(k, s)
    const onDuty = FLEET_STATES.reduce((sum, s) => (s === "offline" ? sum : sum + totals[s]), 0)
    const windowMs = this.#hours.end - this.#hours.start
    const idle = totals.idle + totals.repositioning
    return {
      drivers: this.#drivers,
      windowHours: round(windowMs / HOUR_MS, 3),
      hoursByState: Object.fromEntries(FLEET_STATES.map((s) => [s, round(totals[s] / HOUR_MS, 2)])) as Record<FleetState, number>,
      onDutyHours: round(onDuty / HOUR_MS, 2),
      meanDriversOnDuty: windowMs > 0 ? round(onDuty / windowMs, 1) : 0,
      utilisation: ratio(totals.to_pickup + totals.on_trip, onDuty, 4),
      occupiedShare: ratio(totals.on_trip, onDuty, 4),
      idleShare: ratio(idle, onDuty, 4),
      idleHoursPerDriver: windowMs > 0 && onDuty > 0 ? round(idle / HOUR_MS / (onDuty / windowMs), 2) : null
    }
  }

  #add(state: FleetState, from: number, to: number): void {
    const i = at(state)
    this.#hours.split(from, to, (k, ms) => (this.msByHourState[k * S + i]! += ms))
  }
}
