/**
 * Every Dispatch metric, defined once for all parts (engine, API gateway, simulator): names,
 * help, labels and buckets. Dashboards and alert rules take their metric names from
 * `METRIC_NAMES`, so a renamed metric breaks the dashboards' build, not a panel.
 *
 * Conventions (Prometheus): `dispatch_` prefix, counters end in `_total`, durations are
 * `_seconds` histograms, sizes in base units; labels are low-cardinality (market, region,
 * policy, reason, status, outcome, partition), never ids.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client"

const ENGINE_METRIC_NAMES = {
  ordersReceived: "dispatch_orders_received_total",
  ordersMatched: "dispatch_orders_matched_total",
  ordersUnmatched: "dispatch_orders_unmatched_total",
  deadLetters: "dispatch_dead_letters_total",
  redeliveries: "dispatch_redeliveries_total",
  duplicateDecisions: "dispatch_duplicate_decisions_total",
  decisionLatency: "dispatch_decision_latency_seconds",
  orderWait: "dispatch_order_wait_seconds",
  pickupEta: "dispatch_pickup_eta_seconds",
  pickupDistance: "dispatch_pickup_distance_meters",
  queueDepth: "dispatch_queue_depth",
  queueCapacity: "dispatch_queue_capacity",
  consumerPending: "dispatch_consumer_pending",
  driverFeedLag: "dispatch_driver_feed_lag_seconds",
  driverFeedStale: "dispatch_driver_feed_stale",
  driverFeedResyncs: "dispatch_driver_feed_resyncs_total",
  drivers: "dispatch_drivers",
  batchSize: "dispatch_batch_size",
  batchSolve: "dispatch_batch_solve_seconds",
  partitionOwner: "dispatch_partition_owner",
  leaseTransitions: "dispatch_lease_transitions_total",
  intakeRequests: "dispatch_intake_requests_total"
} as const

const BALANCER_METRIC_NAMES = {
  httpRequests: "dispatch_http_requests_total",
  httpRequestDuration: "dispatch_http_request_duration_seconds",
  ordersRejected: "dispatch_orders_rejected_total",
  balancerRequests: "dispatch_balancer_requests_total",
  balancerLatency: "dispatch_balancer_request_duration_seconds",
  balancerFailovers: "dispatch_balancer_failovers_total",
  balancerFallbacks: "dispatch_balancer_fallbacks_total",
  breakerState: "dispatch_breaker_state",
  breakerTransitions: "dispatch_breaker_transitions_total",
  outlierEjections: "dispatch_outlier_ejections_total",
  regionWeight: "dispatch_region_weight",
  regionDrained: "dispatch_region_drained",
  configChanges: "dispatch_config_changes_total"
} as const

const SIMULATOR_METRIC_NAMES = {
  simTripsRequested: "dispatch_sim_trips_requested_total",
  simDecisions: "dispatch_sim_decisions_total",
  simDeclines: "dispatch_sim_declines_total",
  simPickups: "dispatch_sim_pickups_total",
  simRiderWait: "dispatch_sim_rider_wait_seconds",
  simFleetDrivers: "dispatch_sim_fleet_drivers",
  simClock: "dispatch_sim_clock_seconds",
  simProgress: "dispatch_sim_progress_ratio"
} as const

/** Node default metrics (prom-client's `collectDefaultMetrics`) that dashboards read. */
const RUNTIME_METRIC_NAMES = {
  cpuSeconds: "process_cpu_seconds_total",
  residentMemory: "process_resident_memory_bytes",
  eventLoopLag: "nodejs_eventloop_lag_seconds",
  eventLoopLagP99: "nodejs_eventloop_lag_p99_seconds",
  heapUsed: "nodejs_heap_size_used_bytes",
  heapTotal: "nodejs_heap_size_total_bytes",
  gcDuration: "nodejs_gc_duration_seconds"
} as const

/** Every metric name any part exports, by key. */
export const METRIC_NAMES = {
  ...ENGINE_METRIC_NAMES,
  ...BALANCER_METRIC_NAMES,
  ...SIMULATOR_METRIC_NAMES,
  ...RUNTIME_METRIC_NAMES
} as const

/** Which process exports which names (a dashboard test scrapes each part and checks them). */
export const METRIC_NAMES_BY_PART = {
  engine: ENGINE_METRIC_NAMES,
  api: BALANCER_METRIC_NAMES,
  simulator: SIMULATOR_METRIC_NAMES,
  runtime: RUNTIME_METRIC_NAMES
} as const

/** `dispatch_breaker_state` values (a state-timeline panel maps them back to words). */
export const BREAKER_STATE_VALUES = { closed: 0, half_open: 1, open: 2 } as const

/** A registry with Node's default metrics (event loop lag, heap, GC, CPU): one per process. */
export const makeRegistry = (): Registry => {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return registry
}

/**
 * Bucket choices, from the latencies measured here (docs/performance.md): a greedy decision
 * takes well under a millisecond inside the engine and a few through JetStream; a batch
 * decision waits for its window (seconds).
 */
export const BUCKETS = {
  decisionSeconds: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  /** Pickup ETAs: a city pickup is 1-15 minutes. */
  etaSeconds: [30, 60, 120, 180, 240, 300, 420, 600, 900, 1200, 1800],
  distanceMeters: [100, 250, 500, 1000, 1500, 2000, 3000, 5000, 7500, 10000],
  batchSize: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
  /** Assignment solve: n = 200 takes ~2 ms, n = 1000 ~70 ms here (limits.md §4). */
  solveSeconds: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  /** HTTP and balancer calls: a NATS request/reply on loopback is ~0.1-1 ms; timeouts are seconds. */
  requestSeconds: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  /** A simulated rider's wait from request to pickup: minutes. */
  riderWaitSeconds: [60, 120, 180, 300, 420, 600, 900, 1200, 1800, 3600]
} as const

export type EngineMetrics = ReturnType<typeof makeEngineMetrics>

/** Registers the engine's metrics on `registry` (one registry per process, or per test). */
export const makeEngineMetrics = (registry: Registry) => {
  const registers = [registry]
  const N = ENGINE_METRIC_NAMES
  return {
    ordersReceived: new Counter({ name: N.ordersReceived, help: "Order events taken from the ORDERS stream (after decoding), by type.", labelNames: ["market", "type"], registers }),
    ordersMatched: new Counter({ name: N.ordersMatched, help: "Orders matched to a driver.", labelNames: ["market", "policy"], registers }),
    ordersUnmatched: new Counter({ name: N.ordersUnmatched, help: "Orders that ended without a driver, by reason (expired, no_supply, cancelled, overloaded = shed).", labelNames: ["market", "policy", "reason"], registers }),
    deadLetters: new Counter({ name: N.deadLetters, help: "Messages refused at intake and written to the DLQ, by reason.", labelNames: ["market", "reason"], registers }),
    redeliveries: new Counter({ name: N.redeliveries, help: "Order events JetStream delivered more than once (after a crash, a nak or an ack timeout).", labelNames: ["market"], registers }),
    duplicateDecisions: new Counter({ name: N.duplicateDecisions, help: "Decisions RESULTS already held (same orderId): the stored one stands.", labelNames: ["market"], registers }),
    decisionLatency: new Histogram({ name: N.decisionLatency, help: "Time from an order's arrival at the engine to its decision being stored.", labelNames: ["market", "policy"], buckets: [...BUCKETS.decisionSeconds], registers }),
    orderWait: new Histogram({ name: N.orderWait, help: "Time from an order's requestedAt to its decision (includes queueing and batch windows).", labelNames: ["market", "policy"], buckets: [...BUCKETS.decisionSeconds], registers }),
    pickupEta: new Histogram({ name: N.pickupEta, help: "Estimated driver-to-pickup time of matched orders.", labelNames: ["market", "policy"], buckets: [...BUCKETS.etaSeconds], registers }),
    pickupDistance: new Histogram({ name: N.pickupDistance, help: "Great-circle driver-to-pickup distance of matched orders.", labelNames: ["market", "policy"], buckets: [...BUCKETS.distanceMeters], registers }),
    queueDepth: new Gauge({ name: N.queueDepth, help: "Orders waiting in the partition's intake queue.", labelNames: ["market"], registers }),
    queueCapacity: new Gauge({ name: N.queueCapacity, help: "Capacity of the partition's intake queue.", labelNames: ["market"], registers }),
    consumerPending: new Gauge({ name: N.consumerPending, help: "Order events stored in ORDERS not yet acknowledged by this partition's consumer (lag).", labelNames: ["market"], registers }),
    driverFeedLag: new Gauge({ name: N.driverFeedLag, help: "Seconds since the partition's driver index was last known to hold every KV driver update (up to the 1 s heartbeat while healthy).", labelNames: ["market"], registers }),
    driverFeedStale: new Gauge({ name: N.driverFeedStale, help: "1 while the partition's driver feed is stale (disconnected, resyncing or silent) and orders are held, else 0.", labelNames: ["market"], registers }),
    driverFeedResyncs: new Counter({ name: N.driverFeedResyncs, help: "Driver feed consumers replaced, by cause (reconnect, gap, silent, error, or a consumer notification).", labelNames: ["market", "cause"], registers }),
    drivers: new Gauge({ name: N.drivers, help: "Drivers known to the engine's index, by status (reserved = matched, awaiting their own update).", labelNames: ["market", "status"], registers }),
    batchSize: new Histogram({ name: N.batchSize, help: "Orders in a batch window when it closes.", labelNames: ["market"], buckets: [...BUCKETS.batchSize], registers }),
    batchSolve: new Histogram({ name: N.batchSolve, help: "Time to build and solve one batch window's assignment.", labelNames: ["market"], buckets: [...BUCKETS.solveSeconds], registers }),
    partitionOwner: new Gauge({ name: N.partitionOwner, help: "1 while this instance holds the partition's lease, else 0.", labelNames: ["partition"], registers }),
    leaseTransitions: new Counter({ name: N.leaseTransitions, help: "Lease changes of this instance, by the state entered (owner, standby).", labelNames: ["partition", "to"], registers }),
    intakeRequests: new Counter({ name: N.intakeRequests, help: "Region intake requests answered (dispatch.rpc.<region>.*), by operation and outcome (ok, invalid, error).", labelNames: ["region", "operation", "outcome"], registers })
  }
}

export type BalancerMetrics = ReturnType<typeof makeBalancerMetrics>

/** Registers the API gateway's metrics on `registry`. */
export const makeBalancerMetrics = (registry: Registry) => {
  const registers = [registry]
  const N = BALANCER_METRIC_NAMES
  return {
    httpRequests: new Counter({ name: N.httpRequests, help: "HTTP requests answered by the gateway, by route template, method and status code.", labelNames: ["route", "method", "status"], registers }),
    httpRequestDuration: new Histogram({ name: N.httpRequestDuration, help: "Time to answer an HTTP request, by route template and method.", labelNames: ["route", "method"], buckets: [...BUCKETS.requestSeconds], registers }),
    ordersRejected: new Counter({ name: N.ordersRejected, help: "Requests refused with a 4xx before reaching a region (bad JSON, schema, size, unknown region), by reason.", labelNames: ["reason"], registers }),
    balancerRequests: new Counter({ name: N.balancerRequests, help: "Calls from a caller region to a target region's intake, by outcome (ok, error, timeout, rejected = breaker refused).", labelNames: ["caller", "target", "outcome"], registers }),
    balancerLatency: new Histogram({ name: N.balancerLatency, help: "Duration of a call to a target region's intake.", labelNames: ["caller", "target"], buckets: [...BUCKETS.requestSeconds], registers }),
    balancerFailovers: new Counter({ name: N.balancerFailovers, help: "Calls retried on another target after a target failed.", labelNames: ["caller", "target"], registers }),
    balancerFallbacks: new Counter({ name: N.balancerFallbacks, help: "Requests no target admitted, by fallback outcome (queued = published to ORDERS, failed = 503).", labelNames: ["caller", "outcome"], registers }),
    breakerState: new Gauge({ name: N.breakerState, help: "Circuit breaker state per target: 0 closed, 1 half-open, 2 open.", labelNames: ["target"], registers }),
    breakerTransitions: new Counter({ name: N.breakerTransitions, help: "Circuit breaker transitions per target.", labelNames: ["target", "from", "to"], registers }),
    outlierEjections: new Counter({ name: N.outlierEjections, help: "Targets ejected by outlier detection (consecutive failures).", labelNames: ["target"], registers }),
    regionWeight: new Gauge({ name: N.regionWeight, help: "Current weight of a target region for a caller region (from KV dispatch_config).", labelNames: ["caller", "target"], registers }),
    regionDrained: new Gauge({ name: N.regionDrained, help: "1 while a region is drained (receives no new traffic), else 0.", labelNames: ["region"], registers }),
    configChanges: new Counter({ name: N.configChanges, help: "Region configuration changes this gateway applied from KV, by kind (weights, drain).", labelNames: ["kind"], registers })
  }
}

export type SimulatorMetrics = ReturnType<typeof makeSimulatorMetrics>

/** Registers the simulator's KPI metrics on `registry` (`dispatch simulate --metrics-port`). */
export const makeSimulatorMetrics = (registry: Registry) => {
  const registers = [registry]
  const N = SIMULATOR_METRIC_NAMES
  return {
    simTripsRequested: new Counter({ name: N.simTripsRequested, help: "Trips requested by simulated riders.", labelNames: ["market", "policy"], registers }),
    simDecisions: new Counter({ name: N.simDecisions, help: "Decisions the simulation received, by outcome (matched or the unmatched reason).", labelNames: ["market", "policy", "outcome"], registers }),
    simDeclines: new Counter({ name: N.simDeclines, help: "Offers simulated drivers declined.", labelNames: ["market", "policy"], registers }),
    simPickups: new Counter({ name: N.simPickups, help: "Riders picked up.", labelNames: ["market", "policy"], registers }),
    simRiderWait: new Histogram({ name: N.simRiderWait, help: "Simulated time from a trip's request to its pickup.", labelNames: ["market", "policy"], buckets: [...BUCKETS.riderWaitSeconds], registers }),
    simFleetDrivers: new Gauge({ name: N.simFleetDrivers, help: "Simulated drivers by fleet state (offline, idle, repositioning, offered, to_pickup, on_trip).", labelNames: ["market", "policy", "state"], registers }),
    simClock: new Gauge({ name: N.simClock, help: "The simulation clock, epoch seconds.", labelNames: ["market", "policy"], registers }),
    simProgress: new Gauge({ name: N.simProgress, help: "Share of the replay window simulated so far (0-1).", labelNames: ["market", "policy"], registers })
  }
}
