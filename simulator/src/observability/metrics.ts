/**
 * The simulator's KPI metrics (`dispatch simulate --metrics-port`): names, help, labels and
 * buckets (conventions: the engine's metric-registry.ts). The dashboards take their names from
 * `SIMULATOR_METRIC_NAMES`.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client"

export const SIMULATOR_METRIC_NAMES = {
  simTripsRequested: "dispatch_sim_trips_requested_total",
  simDecisions: "dispatch_sim_decisions_total",
  simDeclines: "dispatch_sim_declines_total",
  simForeignDriverMatches: "dispatch_sim_foreign_driver_matches_total",
  simPickups: "dispatch_sim_pickups_total",
  simRiderWait: "dispatch_sim_rider_wait_seconds",
  simFleetDrivers: "dispatch_sim_fleet_drivers",
  simClock: "dispatch_sim_clock_seconds",
  simProgress: "dispatch_sim_progress_ratio"
} as const

/** A simulated rider's wait from request to pickup: minutes. */
const RIDER_WAIT_SECONDS = [60, 120, 180, 300, 420, 600, 900, 1200, 1800, 3600]

export type SimulatorMetrics = ReturnType<typeof makeSimulatorMetrics>

/** Registers the simulator's KPI metrics on `registry` (`dispatch simulate --metrics-port`). */
export const makeSimulatorMetrics = (registry: Registry) => {
  const registers = [registry]
  const N = SIMULATOR_METRIC_NAMES
  return {
    simTripsRequested: new Counter({ name: N.simTripsRequested, help: "Trips requested by simulated riders.", labelNames: ["market", "policy"], registers }),
    simDecisions: new Counter({ name: N.simDecisions, help: "Decisions the simulation received, by outcome (matched or the unmatched reason).", labelNames: ["market", "policy", "outcome"], registers }),
    simDeclines: new Counter({ name: N.simDeclines, help: "Offers simulated drivers declined.", labelNames: ["market", "policy"], registers }),
    simForeignDriverMatches: new Counter({ name: N.simForeignDriverMatches, help: "Orders the engine matched to a driver the simulation does not own, declined back to matching.", labelNames: ["market", "policy"], registers }),
    simPickups: new Counter({ name: N.simPickups, help: "Riders picked up.", labelNames: ["market", "policy"], registers }),
    simRiderWait: new Histogram({ name: N.simRiderWait, help: "Simulated time from a trip's request to its pickup.", labelNames: ["market", "policy"], buckets: [...RIDER_WAIT_SECONDS], registers }),
    simFleetDrivers: new Gauge({ name: N.simFleetDrivers, help: "Simulated drivers by fleet state (offline, idle, repositioning, offered, to_pickup, on_trip).", labelNames: ["market", "policy", "state"], registers }),
    simClock: new Gauge({ name: N.simClock, help: "The simulation clock, epoch seconds.", labelNames: ["market", "policy"], registers }),
    simProgress: new Gauge({ name: N.simProgress, help: "Share of the replay window simulated so far (0-1).", labelNames: ["market", "policy"], registers })
  }
}
