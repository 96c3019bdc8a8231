/**
 * `dispatch engine`, `dispatch nats init` and `dispatch nats config`.
 */
import { Console, Effect, Option, Schedule } from "effect"
import { Command, Flag } from "effect/cli"
import { writeFileSync } from "node:fs"
import { defaultDispatchSettings } from "../pipeline/dispatcher.ts"
import { connectNats } from "../transport/nats/connection.ts"
import { NatsAuthFileError, prepareNatsAuth } from "../transport/nats/server-auth.ts"
import { ensureStreamsAndBuckets } from "../transport/nats/setup.ts"
import { runEngine } from "./engine.ts"
import { between, intFlag, stringFlag } from "../cli/flags.ts"
import { natsFlags, natsSettings } from "../cli/shared-flags.ts"
import { engineFlags } from "./engine-config.ts"
import { loggerLayer } from "./logging.ts"

export const engineCommand = Command.make("engine", engineFlags, (flags) =>
  runEngine({
    nats: natsSettings(flags, `dispatch-engine@${flags.instanceId}`),
    marketFiles: flags.marketFiles,
    partitions: flags.partitions,
    dispatch: {
      ...defaultDispatchSettings(flags.policy),
      batchWindowMs: flags.batchWindowMs,
      batchMaxOrders: flags.batchMaxOrders,
      maxPickupRadiusMeters: Option.getOrUndefined(flags.maxPickupRadiusMeters)
    },
    queueCapacity: flags.queueCapacity,
    overload: flags.overload,
    leaseTtlMs: flags.leaseTtlMs,
    ackWaitMs: flags.ackWaitMs,
    httpHost: flags.httpHost,
    httpPort: flags.httpPort,
    instanceId: flags.instanceId,
    region: flags.region,
    lane: flags.lane,
    clock: flags.clock
  }).pipe(Effect.scoped, Effect.provide(loggerLayer(flags.logFormat)))
).pipe(Command.withDescription("Run the dispatch engine: consume ORDERS, match, publish decisions to RESULTS (docs/engine.md)."))

/**
 * How long `nats init` keeps trying while JetStream is not ready: a cluster that has just
 * started answers "temporarily unavailable" until its nodes have elected a meta leader.
 */
const INIT_RETRY = Schedule.spaced("500 millis").pipe(Schedule.upTo({ duration: "30 seconds" }))

const initFlags = {
  ...natsFlags,
  replicas: intFlag("replicas", between(1, 5), "DISPATCH_NATS_REPLICAS").pipe(
    Flag.optional,
    Flag.withDescription("copies of every stream and bucket, 1-5: 3 on a three-node cluster; an existing one with fewer is refused (env DISPATCH_NATS_REPLICAS; default 1, existing ones unchecked)")
  )
}

const init = Command.make("init", initFlags, (flags) =>
  Effect.gen(function*() {
    const client = yield* connectNats(natsSettings(flags, "dispatch-nats-init"))
    const report = yield* ensureStreamsAndBuckets(client, { replicas: Option.getOrUndefined(flags.replicas) }).pipe(
      Effect.retry({ schedule: INIT_RETRY, while: (e) => e._tag === "JetStreamError" })
    )
    const copies = Option.match(flags.replicas, { onNone: () => "", onSome: (n) => ` (${n} replicas)` })
    for (const s of report.streams) yield* Console.log(`stream ${s.name.padEnd(8)} ${s.outcome}${copies}`)
    for (const b of report.buckets) yield* Console.log(`kv     ${b.padEnd(16)} ready${copies}`)
  }).pipe(Effect.scoped)
).pipe(Command.withDescription("Create the streams and KV buckets Dispatch needs (idempotent; refuses incompatible existing streams; --replicas 3 on a cluster)."))

const DEFAULT_SEEDS_DIR = "nats-seeds"

const configFlags = {
  out: stringFlag("out").pipe(Flag.optional, Flag.withDescription("write the server config here (default: standard output)")),
  seeds: stringFlag("seeds", "DISPATCH_NATS_SEEDS").pipe(
    Flag.withDefault(DEFAULT_SEEDS_DIR),
    Flag.withDescription(`directory of the roles' seeds, <role>.nk (0600); existing seeds are kept (env DISPATCH_NATS_SEEDS; default ./${DEFAULT_SEEDS_DIR})`)
  )
}

const config = Command.make("config", configFlags, (flags) =>
  Effect.gen(function*() {
    const auth = yield* prepareNatsAuth(flags.seeds)
    if (Option.isNone(flags.out)) return yield* Console.log(auth.config)
    const out = flags.out.value
    yield* Effect.try({ try: () => writeFileSync(out, auth.config), catch: (e) => new NatsAuthFileError({ path: out, detail: e instanceof Error ? e.message : String(e) }) })
    yield* Console.error(`wrote ${out} (include it in nats-server's config, or run nats-server -c ${out}); seeds in ${auth.seedsDir}`)
  })
).pipe(Command.withDescription("Write nats-server's users and permissions, one nkey per role (engine, gateway, simulator, ops, observer), and the roles' seeds (docs/security.md)."))

export const natsCommand = Command.make("nats").pipe(
  Command.withDescription("Manage Dispatch's NATS resources."),
  Command.withSubcommands([init, config])
)
