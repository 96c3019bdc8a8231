/**
 * `dispatch engine` and `dispatch nats init`.
 */
import { Console, Effect, Option } from "effect"
import { Command } from "effect/cli"
import { defaultDispatchSettings } from "../pipeline/dispatcher.ts"
import { connectNats } from "../transport/nats/connection.ts"
import { ensureStreamsAndBuckets } from "../transport/nats/setup.ts"
import { runEngine } from "./engine.ts"
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
    clock: flags.clock
  }).pipe(Effect.scoped, Effect.provide(loggerLayer(flags.logFormat)))
).pipe(Command.withDescription("Run the dispatch engine: consume ORDERS, match, publish decisions to RESULTS (docs/engine.md)."))

const init = Command.make("init", natsFlags, (flags) =>
  Effect.gen(function*() {
    const client = yield* connectNats(natsSettings(flags, "dispatch-nats-init"))
    const report = yield* ensureStreamsAndBuckets(client)
    for (const s of report.streams) yield* Console.log(`stream ${s.name.padEnd(8)} ${s.outcome}`)
    for (const b of report.buckets) yield* Console.log(`kv     ${b.padEnd(16)} ready`)
  }).pipe(Effect.scoped)
).pipe(Command.withDescription("Create the streams and KV buckets Dispatch needs (idempotent; refuses incompatible existing streams)."))

export const natsCommand = Command.make("nats").pipe(
  Command.withDescription("Manage Dispatch's NATS resources."),
  Command.withSubcommands([init])
)
