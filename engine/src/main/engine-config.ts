/**
 * `dispatch engine` settings: each a flag with an environment variable behind it and a
 * documented default (docs/engine.md has the table). Flags win over the environment. The
 * NATS, market, region and log flags are the shared ones (cli/shared-flags.ts).
 */
import { Flag } from "effect/cli"
import { hostname } from "node:os"
import { between, choiceFlag, intFlag, listFlag, stringFlag } from "../cli/flags.ts"
import { laneFlag, logFormatFlag, marketFilesFlag, natsFlags, regionFlag } from "../cli/shared-flags.ts"
import { POLICIES, policyChoicesText } from "../matching/policies.ts"
import { DEFAULT_BATCH_MAX_ORDERS, DEFAULT_BATCH_WINDOW_MS } from "../pipeline/dispatcher.ts"
import { DEFAULT_QUEUE_CAPACITY } from "../pipeline/partition.ts"
import { DEFAULT_LEASE_TTL_MS } from "../transport/nats/lease.ts"
import { DEFAULT_ACK_WAIT_MS } from "../transport/nats/order-consumer.ts"

/** Default HTTP port for /healthz, /readyz and /metrics (the port OpenTelemetry's Prometheus exporter uses). */
/** The ranges of the dispatch settings a replay also takes (`dispatch simulate`), so both refuse the same values. */
export const DISPATCH_RANGES = {
  batchWindowMs: between(10, 60_000),
  batchMaxOrders: between(1, 5_000)
}

export const DEFAULT_HTTP_PORT = 9464
const OVERLOAD_POLICIES = ["backpressure", "shed"] as const
const CLOCKS = ["wall", "sim"] as const

export const engineFlags = {
  ...natsFlags,
  marketFiles: marketFilesFlag,
  partitions: listFlag("partitions", "DISPATCH_PARTITIONS").pipe(
    Flag.withDefault([]),
    Flag.withDescription("market ids this instance may own, comma-separated (env DISPATCH_PARTITIONS; default every market)")
  ),
  policy: choiceFlag("policy", POLICIES, "DISPATCH_POLICY").pipe(
    Flag.withDefault("greedy" as const),
    Flag.withDescription(`matching policy: ${policyChoicesText()} (env DISPATCH_POLICY; default greedy)`)
  ),
  batchWindowMs: intFlag("batch-window-ms", DISPATCH_RANGES.batchWindowMs, "DISPATCH_BATCH_WINDOW_MS").pipe(
    Flag.withDefault(DEFAULT_BATCH_WINDOW_MS),
    Flag.withDescription(`batch window, and greedy's re-offer interval, in ms (env DISPATCH_BATCH_WINDOW_MS; default ${DEFAULT_BATCH_WINDOW_MS})`)
  ),
  batchMaxOrders: intFlag("batch-max-orders", DISPATCH_RANGES.batchMaxOrders, "DISPATCH_BATCH_MAX_ORDERS").pipe(
    Flag.withDefault(DEFAULT_BATCH_MAX_ORDERS),
    Flag.withDescription(`a window closes early at this many orders (env DISPATCH_BATCH_MAX_ORDERS; default ${DEFAULT_BATCH_MAX_ORDERS})`)
  ),
  queueCapacity: intFlag("queue-capacity", between(1, 1_000_000), "DISPATCH_QUEUE_CAPACITY").pipe(
    Flag.withDefault(DEFAULT_QUEUE_CAPACITY),
    Flag.withDescription(`orders the intake queue holds per partition (env DISPATCH_QUEUE_CAPACITY; default ${DEFAULT_QUEUE_CAPACITY})`)
  ),
  overload: choiceFlag("overload", OVERLOAD_POLICIES, "DISPATCH_OVERLOAD").pipe(
    Flag.withDefault("backpressure" as const),
    Flag.withDescription("when the queue is full: stop pulling (backpressure) or answer unmatched/overloaded (shed) (env DISPATCH_OVERLOAD)")
  ),
  maxPickupRadiusMeters: intFlag("max-pickup-radius-m", undefined, "DISPATCH_MAX_PICKUP_RADIUS_M").pipe(
    Flag.optional,
    Flag.withDescription("override every market's max pickup radius, metres (env DISPATCH_MAX_PICKUP_RADIUS_M)")
  ),
  leaseTtlMs: intFlag("lease-ttl-ms", between(500, 300_000), "DISPATCH_LEASE_TTL_MS").pipe(
    Flag.withDefault(DEFAULT_LEASE_TTL_MS),
    Flag.withDescription(`partition lease TTL in ms (env DISPATCH_LEASE_TTL_MS; default ${DEFAULT_LEASE_TTL_MS})`)
  ),
  // How long a crashed owner's unacked orders wait in JetStream before a new owner gets them:
  // a SIGKILLed engine's in-flight orders were decided only after this (it was 30 s), not
  // after the lease TTL, in the fault tests (engine/test/e2e/faults.test.ts). Settable so that
  // operators (and those tests) can trade redelivery churn for recovery time.
  ackWaitMs: intFlag("ack-wait-ms", between(1_000, 600_000), "DISPATCH_ACK_WAIT_MS").pipe(
    Flag.withDefault(DEFAULT_ACK_WAIT_MS),
    Flag.withDescription(`JetStream ack wait of the order consumer in ms: how long a crashed owner's in-flight orders wait for redelivery (env DISPATCH_ACK_WAIT_MS; default ${DEFAULT_ACK_WAIT_MS})`)
  ),
  clock: choiceFlag("clock", CLOCKS, "DISPATCH_CLOCK").pipe(
    Flag.withDefault("wall" as const),
    Flag.withDescription("wall: real time; sim: follow a simulator's clock ticks on dispatch.<market>.clock (env DISPATCH_CLOCK; default wall)")
  ),
  httpHost: stringFlag("http-host", "DISPATCH_HTTP_HOST").pipe(
    Flag.withDefault("127.0.0.1"),
    Flag.withDescription("address of /healthz, /readyz, /metrics (env DISPATCH_HTTP_HOST; default 127.0.0.1; 0.0.0.0 for remote scrapes)")
  ),
  httpPort: intFlag("http-port", between(0, 65_535), "DISPATCH_HTTP_PORT").pipe(
    Flag.withDefault(DEFAULT_HTTP_PORT),
    Flag.withDescription(`port of /healthz, /readyz, /metrics (env DISPATCH_HTTP_PORT; default ${DEFAULT_HTTP_PORT}; 0 picks a free one)`)
  ),
  logFormat: logFormatFlag,
  region: regionFlag,
  lane: laneFlag,
  instanceId: stringFlag("instance-id", "DISPATCH_INSTANCE_ID").pipe(
    Flag.withDefault(`${hostname()}-${process.pid}`),
    Flag.withDescription("this instance's name in leases and logs (env DISPATCH_INSTANCE_ID; default host-pid)")
  )
}
