/**
 * The engine process: markets, NATS, streams, metrics and the status port, then one
 * partition loop per market it may own. Each loop waits for the partition's lease, owns the
 * partition while the lease holds (nats-partition.ts) and goes back to standby when it is lost.
 */
import { Context, Effect, Exit, Layer, Schedule, Scope } from "effect"
import type { MarketCatalog } from "../domain/market-catalog.ts"
import { loadMarketCatalog } from "../domain/market-files.ts"
import type { Market } from "../domain/market.ts"
import type { Eta } from "../eta/eta.ts"
import { EtaModel } from "../eta/eta-model.ts"
import { makeRegistry } from "../observability/metric-registry.ts"
import { makeEngineMetrics, type EngineMetrics } from "../observability/metrics.ts"
import type { DispatchSettings } from "../pipeline/dispatcher.ts"
import type { OverloadPolicy, PartitionSettings } from "../pipeline/partition.ts"
import { connectNats, type NatsClient, type NatsSettings } from "../transport/nats/connection.ts"
import type { DriverFeed } from "../transport/nats/driver-feed.ts"
import { PartitionLease } from "../transport/nats/lease.ts"
import { ownPartition } from "../transport/nats/nats-partition.ts"
import { DEFAULT_ACK_WAIT_MS, type OrderConsumerSettings } from "../transport/nats/order-consumer.ts"
import { RESULTS_DUPLICATE_WINDOW_MS, ensureStreamsAndBuckets } from "../transport/nats/setup.ts"
import { runRegionIntake } from "../transport/nats/region-intake.ts"
import { runStraySweeper } from "../transport/nats/stray-sweeper.ts"
import { statusServer } from "../observability/status-server.ts"
import { layerTracing } from "../observability/trace-sdk.ts"
import { UnknownPartition } from "./errors.ts"
import { DEFAULT_REGION } from "../cli/shared-flags.ts"

export interface EngineConfig {
  readonly nats: NatsSettings
  readonly marketFiles: ReadonlyArray<string>
  /** Market ids to own; empty means every market. */
  readonly partitions: ReadonlyArray<string>
  readonly dispatch: DispatchSettings
  readonly queueCapacity: number
  readonly overload: OverloadPolicy
  readonly leaseTtlMs: number
  /** JetStream ack wait of the order consumer (ms); `DEFAULT_ACK_WAIT_MS` unless set. */
  readonly ackWaitMs?: number | undefined
  readonly httpHost: string
  readonly httpPort: number
  readonly instanceId: string
  /** Region whose intake this instance answers (queue group `intake-<region>`); default `us-west`. */
  readonly region?: string | undefined
  /** Lane whose intake requests this instance answers (`--lane`); default main. */
  readonly lane?: string | undefined
  /** `sim`: partitions follow a simulator's clock ticks (docs/simulator.md, "NATS mode"); default `wall`. */
  readonly clock?: "wall" | "sim" | undefined
}

/** Shed needs JetStream to deliver more than the queue holds, or there is nothing to shed. */
const SHED_DELIVERY_FACTOR = 4
/** Wait before an owner that failed (NATS trouble) tries the partition again. */
const PARTITION_RETRY = Schedule.min([Schedule.exponential("500 millis"), Schedule.spaced("10 seconds")])

type PartitionView = "standby" | "rebuilding" | "owner"

export const runEngine = (config: EngineConfig) =>
  Effect.gen(function*() {
    yield* Layer.build(layerTracing("dispatch-engine"))
    const catalog = yield* loadMarketCatalog(config.marketFiles)
    const markets = yield* selectPartitions(catalog, config.partitions)
    // Each market's ETA model as its file says (roads or great circle); the graphs of the
    // markets this instance may own are loaded here, before anything connects.
    const etaModel = Context.get(yield* Layer.build(EtaModel.layerFromMarkets(markets)), EtaModel)
    const registry = makeRegistry()
    const metrics = makeEngineMetrics(registry)
    const client = yield* connectNats(config.nats)
    const setup = yield* ensureStreamsAndBuckets(client)
    yield* Effect.logInfo("streams and buckets ready").pipe(Effect.annotateLogs({ streams: setup.streams.map((s) => `${s.name}:${s.outcome}`).join(" ") }))

    const views = new Map<string, PartitionView>(markets.map((m) => [m.id, "standby"]))
    const feeds = new Map<string, DriverFeed>()
    // `drivers`: `stale` while any owned partition's driver feed cannot vouch for its index
    // (it holds orders then: docs/engine.md, "Stale driver feed"), `none` when owning nothing.
    const driversView = () => feeds.size === 0 ? "none" : [...feeds.values()].every((f) => f.current()) ? "current" : "stale"
    const server = yield* Layer.build(statusServer({
      host: config.httpHost,
      port: config.httpPort,
      flag: "--http-port",
      registry,
      readiness: () => {
        const drivers = driversView()
        return {
          ready: !client.nc.isClosed() && client.nc.info !== undefined && drivers !== "stale",
          nats: client.nc.isClosed() ? "closed" : "connected",
          drivers,
          instance: config.instanceId,
          partitions: Object.fromEntries(views)
        }
      }
    }))
    void server

    // Every instance answers its region's intake, owner or standby: intake only stores.
    yield* runRegionIntake({ client, catalog, region: config.region ?? DEFAULT_REGION, lane: config.lane, metrics })
    yield* runStraySweeper(client, catalog, metrics)
    for (const market of markets) {
      const reportFeed = (feed: DriverFeed | undefined) => feed === undefined ? feeds.delete(market.id) : feeds.set(market.id, feed)
      yield* Effect.forkScoped(partitionLoop(config, client, catalog, market, etaModel.forMarket(market), metrics, (view) => views.set(market.id, view), reportFeed))
    }
    return yield* Effect.never
  })

const selectPartitions = (catalog: MarketCatalog, wanted: ReadonlyArray<string>) => {
  if (wanted.length === 0) return Effect.succeed(catalog.markets)
  const unknown = wanted.filter((id) => catalog.get(id) === undefined)
  if (unknown.length > 0) return Effect.fail(new UnknownPartition({ unknown, known: catalog.markets.map((m) => m.id) }))
  return Effect.succeed(wanted.map((id) => catalog.get(id)!))
}

const partitionLoop = (
  config: EngineConfig,
  client: NatsClient,
  catalog: MarketCatalog,
  market: Market,
  eta: Eta,
  metrics: EngineMetrics,
  report: (view: PartitionView) => void,
  reportFeed: (feed: DriverFeed | undefined) => void
) => {
  const ackWaitMs = config.ackWaitMs ?? DEFAULT_ACK_WAIT_MS
  const partitionSettings: PartitionSettings = {
    capacity: config.queueCapacity,
    overload: config.overload,
    // Held orders are told working() well within the ack wait, whatever it is set to.
    keepAliveMs: ackWaitMs / 3,
    decisionMemoryMs: RESULTS_DUPLICATE_WINDOW_MS
  }
  const maxAckPending = config.overload === "shed" ? config.queueCapacity * SHED_DELIVERY_FACTOR : config.queueCapacity
  const consumer: OrderConsumerSettings = {
    maxAckPending,
    ackWaitMs,
    // Pull up to what JetStream may deliver, not up to the queue's capacity: with a pull batch
    // of `capacity`, no more than the queue holds was ever outstanding, so `shed` never shed
    // (engine/test/e2e/overload.test.ts: 0 of 900 orders overloaded with a queue of 50).
    pullBatch: Math.min(maxAckPending, 1_000)
  }
  const labels = { partition: market.id }
  const owned = Effect.gen(function*() {
    const lease = yield* PartitionLease.make({ client, partition: market.id, owner: config.instanceId, ttlMs: config.leaseTtlMs })
    while (true) {
      report("standby")
      metrics.partitionOwner.set(labels, 0)
      yield* lease.awaitOwnership
      metrics.leaseTransitions.inc({ ...labels, to: "owner" })
      metrics.partitionOwner.set(labels, 1)
      report("rebuilding")
      const scope = yield* Scope.make()
      const session = ownPartition({ client, catalog, market, eta, dispatch: config.dispatch, partition: partitionSettings, consumer, metrics, clock: config.clock, onDriverFeed: reportFeed })
      const exit = yield* Effect.raceFirst(
        Scope.provide(Effect.tap(Effect.sync(() => report("owner")), () => session), scope),
        lease.awaitLoss
      ).pipe(Effect.exit)
      yield* Scope.close(scope, Exit.void)
      metrics.leaseTransitions.inc({ ...labels, to: "standby" })
      if (Exit.isFailure(exit)) return yield* exit
      yield* Effect.logWarning("partition lease lost; standing by").pipe(Effect.annotateLogs(labels))
    }
  })
  return Effect.scoped(owned).pipe(
    Effect.tapError((e) => Effect.logError("partition failed; retrying").pipe(Effect.annotateLogs({ ...labels, error: String(e) }))),
    Effect.retry(PARTITION_RETRY)
  )
}
