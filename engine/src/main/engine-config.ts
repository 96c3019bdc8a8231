/**
 * `dispatch engine` settings: each a flag with an environment variable behind it and a
 * documented default (docs/engine.md has the table). Flags win over the environment.
 */
import { Config, Option, Schema } from "effect"
import { Flag } from "effect/cli"
import { hostname } from "node:os"
import { RegionId } from "../domain/ids.ts"
import { DEFAULT_BATCH_MAX_ORDERS, DEFAULT_BATCH_WINDOW_MS } from "../pipeline/dispatcher.ts"
import { DEFAULT_QUEUE_CAPACITY } from "../pipeline/partition.ts"
import { DEFAULT_NATS_URL, type NatsSettings } from "../transport/nats/connection.ts"
import { DEFAULT_LEASE_TTL_MS } from "../transport/nats/lease.ts"
import { DEFAULT_ACK_WAIT_MS } from "../transport/nats/order-consumer.ts"

/** Default HTTP port for /healthz, /readyz and /metrics (the port OpenTelemetry's Prometheus exporter uses). */
export const DEFAULT_HTTP_PORT = 9464
/** The region an engine serves intake for when none is configured (docs/api.md). */
export const DEFAULT_REGION = "us-west"

const env = <A>(flag: Flag.Flag<A>, config: Config.Config<A>) => flag.pipe(Flag.withFallbackConfig(config))
/** A comma-separated setting as a list, blanks dropped. */
export const splitList = (s: string) => s.split(",").map((x) => x.trim()).filter((x) => x.length > 0)

/** Settings `dispatch api` shares with the engine (same flags, same variables). */
export const marketFilesFlag = env(Flag.String("market-file"), Config.String("DISPATCH_MARKETS")).pipe(
  Flag.optional,
  Flag.withDescription("market files, comma-separated (env DISPATCH_MARKETS; default the shipped engine/markets/sf.json)")
)
export const regionFlag = env(Flag.String("region"), Config.String("DISPATCH_REGION")).pipe(
  Flag.withDefault(DEFAULT_REGION),
  Flag.filter(Schema.is(RegionId), (r) => `--region must be 1-128 of [A-Za-z0-9_-] (it becomes a NATS subject token), got ${JSON.stringify(r)}`),
  Flag.withDescription(`this instance's region: an engine answers intake on dispatch.rpc.<region>.*; a gateway routes requests without x-region or market as from it (env DISPATCH_REGION; default ${DEFAULT_REGION})`)
)
export const logFormatFlag = env(Flag.Literals("log-format", ["auto", "json", "pretty"]), Config.Literals(["auto", "json", "pretty"], "DISPATCH_LOG_FORMAT")).pipe(
  Flag.withDefault("auto" as const),
  Flag.withDescription("log lines as JSON or pretty; auto = pretty on a terminal (env DISPATCH_LOG_FORMAT)")
)

export const engineFlags = {
  nats: env(Flag.String("nats"), Config.String("NATS_URL")).pipe(
    Flag.withDefault(DEFAULT_NATS_URL),
    Flag.withDescription(`NATS server URLs, comma-separated (env NATS_URL; default ${DEFAULT_NATS_URL}; tls:// for TLS)`)
  ),
  natsUser: env(Flag.String("nats-user"), Config.String("NATS_USER")).pipe(Flag.optional, Flag.withDescription("NATS user (env NATS_USER)")),
  natsPassword: env(Flag.String("nats-password"), Config.String("NATS_PASSWORD")).pipe(Flag.optional, Flag.withDescription("NATS password (env NATS_PASSWORD)")),
  natsToken: env(Flag.String("nats-token"), Config.String("NATS_TOKEN")).pipe(Flag.optional, Flag.withDescription("NATS token (env NATS_TOKEN)")),
  natsCreds: env(Flag.String("nats-creds"), Config.String("NATS_CREDS")).pipe(Flag.optional, Flag.withDescription("NATS credentials file (env NATS_CREDS)")),
  marketFiles: marketFilesFlag,
  partitions: env(Flag.String("partitions"), Config.String("DISPATCH_PARTITIONS")).pipe(
    Flag.optional,
    Flag.withDescription("market ids this instance may own, comma-separated (env DISPATCH_PARTITIONS; default every market)")
  ),
  policy: env(Flag.Literals("policy", ["greedy", "batch"]), Config.Literals(["greedy", "batch"], "DISPATCH_POLICY")).pipe(
    Flag.withDefault("greedy" as const),
    Flag.withDescription("matching policy (env DISPATCH_POLICY; default greedy)")
  ),
  batchWindowMs: env(Flag.Int("batch-window-ms"), Config.Int("DISPATCH_BATCH_WINDOW_MS")).pipe(
    Flag.withDefault(DEFAULT_BATCH_WINDOW_MS),
    Flag.filter((n) => n >= 10 && n <= 60_000, (n) => `--batch-window-ms must be 10..60000, got ${n}`),
    Flag.withDescription(`batch window in ms (env DISPATCH_BATCH_WINDOW_MS; default ${DEFAULT_BATCH_WINDOW_MS})`)
  ),
  batchMaxOrders: env(Flag.Int("batch-max-orders"), Config.Int("DISPATCH_BATCH_MAX_ORDERS")).pipe(
    Flag.withDefault(DEFAULT_BATCH_MAX_ORDERS),
    Flag.filter((n) => n >= 1 && n <= 5_000, (n) => `--batch-max-orders must be 1..5000, got ${n}`),
    Flag.withDescription(`a window closes early at this many orders (env DISPATCH_BATCH_MAX_ORDERS; default ${DEFAULT_BATCH_MAX_ORDERS})`)
  ),
  queueCapacity: env(Flag.Int("queue-capacity"), Config.Int("DISPATCH_QUEUE_CAPACITY")).pipe(
    Flag.withDefault(DEFAULT_QUEUE_CAPACITY),
    Flag.filter((n) => n >= 1 && n <= 1_000_000, (n) => `--queue-capacity must be 1..1000000, got ${n}`),
    Flag.withDescription(`orders the intake queue holds per partition (env DISPATCH_QUEUE_CAPACITY; default ${DEFAULT_QUEUE_CAPACITY})`)
  ),
  overload: env(Flag.Literals("overload", ["backpressure", "shed"]), Config.Literals(["backpressure", "shed"], "DISPATCH_OVERLOAD")).pipe(
    Flag.withDefault("backpressure" as const),
    Flag.withDescription("when the queue is full: stop pulling (backpressure) or answer unmatched/overloaded (shed) (env DISPATCH_OVERLOAD)")
  ),
  maxPickupRadiusMeters: env(Flag.Int("max-pickup-radius-m"), Config.Int("DISPATCH_MAX_PICKUP_RADIUS_M")).pipe(
    Flag.optional,
    Flag.withDescription("override every market's max pickup radius, metres (env DISPATCH_MAX_PICKUP_RADIUS_M)")
  ),
  leaseTtlMs: env(Flag.Int("lease-ttl-ms"), Config.Int("DISPATCH_LEASE_TTL_MS")).pipe(
    Flag.withDefault(DEFAULT_LEASE_TTL_MS),
    Flag.filter((n) => n >= 500 && n <= 300_000, (n) => `--lease-ttl-ms must be 500..300000, got ${n}`),
    Flag.withDescription(`partition lease TTL in ms (env DISPATCH_LEASE_TTL_MS; default ${DEFAULT_LEASE_TTL_MS})`)
  ),
  // How long a crashed owner's unacked orders wait in JetStream before a new owner gets them:
  // a SIGKILLed engine's in-flight orders were decided only after this (it was 30 s), not
  // after the lease TTL, in the fault tests (engine/test/e2e/faults.test.ts). Settable so that
  // operators (and those tests) can trade redelivery churn for recovery time.
  ackWaitMs: env(Flag.Int("ack-wait-ms"), Config.Int("DISPATCH_ACK_WAIT_MS")).pipe(
    Flag.withDefault(DEFAULT_ACK_WAIT_MS),
    Flag.filter((n) => n >= 1_000 && n <= 600_000, (n) => `--ack-wait-ms must be 1000..600000, got ${n}`),
    Flag.withDescription(`JetStream ack wait of the order consumer in ms: how long a crashed owner's in-flight orders wait for redelivery (env DISPATCH_ACK_WAIT_MS; default ${DEFAULT_ACK_WAIT_MS})`)
  ),
  clock: env(Flag.Literals("clock", ["wall", "sim"]), Config.Literals(["wall", "sim"], "DISPATCH_CLOCK")).pipe(
    Flag.withDefault("wall" as const),
    Flag.withDescription("wall: real time; sim: follow a simulator's clock ticks on dispatch.<market>.clock (env DISPATCH_CLOCK; default wall)")
  ),
  httpHost: env(Flag.String("http-host"), Config.String("DISPATCH_HTTP_HOST")).pipe(
    Flag.withDefault("127.0.0.1"),
    Flag.withDescription("address of /healthz, /readyz, /metrics (env DISPATCH_HTTP_HOST; default 127.0.0.1; 0.0.0.0 for remote scrapes)")
  ),
  httpPort: env(Flag.Int("http-port"), Config.Int("DISPATCH_HTTP_PORT")).pipe(
    Flag.withDefault(DEFAULT_HTTP_PORT),
    Flag.filter((n) => n >= 0 && n <= 65_535, (n) => `--http-port must be 0..65535, got ${n}`),
    Flag.withDescription(`port of /healthz, /readyz, /metrics (env DISPATCH_HTTP_PORT; default ${DEFAULT_HTTP_PORT}; 0 picks a free one)`)
  ),
  logFormat: logFormatFlag,
  region: regionFlag,
  instanceId: env(Flag.String("instance-id"), Config.String("DISPATCH_INSTANCE_ID")).pipe(
    Flag.withDefault(`${hostname()}-${process.pid}`),
    Flag.withDescription("this instance's name in leases and logs (env DISPATCH_INSTANCE_ID; default host-pid)")
  )
}

/** The NATS connection flags alone: every command that talks to NATS takes these (`dispatch api` too). */
export const natsFlags = {
  nats: engineFlags.nats,
  natsUser: engineFlags.natsUser,
  natsPassword: engineFlags.natsPassword,
  natsToken: engineFlags.natsToken,
  natsCreds: engineFlags.natsCreds
}

/** The connection settings those flags describe; `name` is what the server's monitoring shows. */
export const natsSettings = (flags: {
  readonly nats: string
  readonly natsUser: Option.Option<string>
  readonly natsPassword: Option.Option<string>
  readonly natsToken: Option.Option<string>
  readonly natsCreds: Option.Option<string>
}, name: string): NatsSettings => ({
  servers: splitList(flags.nats),
  name,
  user: Option.getOrUndefined(flags.natsUser),
  password: Option.getOrUndefined(flags.natsPassword),
  token: Option.getOrUndefined(flags.natsToken),
  credsFile: Option.getOrUndefined(flags.natsCreds)
})
