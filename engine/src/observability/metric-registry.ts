/**
 * What every Dispatch process shares about metrics: one registry per process with Node's
 * default metrics, and the names of those defaults that dashboards read. Each part defines its
 * own metrics beside its code (engine: ./metrics.ts, gateway: api/src/observability/metrics.ts,
 * simulator: simulator/src/observability/metrics.ts); the dashboards gather the names.
 *
 * Conventions (Prometheus): `dispatch_` prefix, counters end in `_total`, durations are
 * `_seconds` histograms, sizes in base units; labels are low-cardinality (market, region,
 * policy, reason, status, outcome, partition), never ids.
 */
import { collectDefaultMetrics, Registry } from "prom-client"

/** Node default metrics (prom-client's `collectDefaultMetrics`) that dashboards read. */
export const RUNTIME_METRIC_NAMES = {
  cpuSeconds: "process_cpu_seconds_total",
  residentMemory: "process_resident_memory_bytes",
  eventLoopLag: "nodejs_eventloop_lag_seconds",
  eventLoopLagP99: "nodejs_eventloop_lag_p99_seconds",
  heapUsed: "nodejs_heap_size_used_bytes",
  heapTotal: "nodejs_heap_size_total_bytes",
  gcDuration: "nodejs_gc_duration_seconds"
} as const

/** A registry with Node's default metrics (event loop lag, heap, GC, CPU): one per process. */
export const makeRegistry = (): Registry => {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return registry
}
