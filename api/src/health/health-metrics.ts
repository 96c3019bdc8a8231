/**
 * The fleet-health trigger's metrics (conventions: the engine's metric-registry.ts), on the
 * gateway's registry. Registered whether or not the trigger is on, so that every gateway
 * exports the same names; the dashboards take them from `HEALTH_METRIC_NAMES`.
 */
import { Counter, Gauge, type Registry } from "prom-client"

export const HEALTH_METRIC_NAMES = {
  healthQueries: "dispatch_health_queries_total",
  healthFailStatic: "dispatch_health_fail_static",
  regionForcedOpen: "dispatch_region_forced_open"
} as const

export type HealthMetrics = ReturnType<typeof makeHealthMetrics>

export const makeHealthMetrics = (registry: Registry) => {
  const registers = [registry]
  const N = HEALTH_METRIC_NAMES
  return {
    healthQueries: new Counter({ name: N.healthQueries, help: "Fleet-health queries this gateway sent to Prometheus, by signal and outcome (ok, no_data, unreachable, timeout, error).", labelNames: ["signal", "outcome"], registers }),
    healthFailStatic: new Gauge({ name: N.healthFailStatic, help: "1 while the last fleet-health evaluation had a query Prometheus did not answer (down, slow or an error): those regions are judged by local breakers only. 0 otherwise, and when the trigger is off.", registers }),
    regionForcedOpen: new Gauge({ name: N.regionForcedOpen, help: "1 while the fleet-health signal holds a region's breaker open on this gateway, else 0 (no series when the trigger is off).", labelNames: ["region"], registers })
  }
}
