/**
 * The engine's metrics: names, help, labels and buckets. The dashboards and alert rules take
 * their metric names from `ENGINE_METRIC_NAMES`, so a renamed metric breaks the dashboards'
 * build, not a panel. Conventions: ./metric-registry.ts.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client"

export const ENGINE_METRIC_NAMES = {
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

/**
 * Bucket choices, from the latencies measured here (docs/performance.md): a greedy decision
 * takes well under a millisecond inside the engine and a few through JetStream; a batch
 * decision waits for its window (seconds).
 */
const BUCKETS = {
  decisionSeconds: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  /** Pickup ETAs: a city pickup is 1-15 minutes. */
  etaSeconds: [30, 60, 120, 180, 240, 300, 420, 600, 900, 1200, 1800],
  distanceMeters: [100, 250, 500, 1000, 1500, 2000, 3000, 5000, 7500, 10000],
  batchSize: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
  /** Assignment solve: n = 200 takes ~2 ms, n = 1000 ~70 ms here (limits.md §4). */
  solveSeconds: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]
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
    intakeRequests: new Counter({ name: N.intakeRequests, help: "Region intake requests answered (dispatch.rpc.<region>.*, or .lane.<lane>.* for a lane intake), by the lane this instance serves, operation and outcome (ok, invalid, error).", labelNames: ["region", "lane", "operation", "outcome"], registers })
  }
}
