/**
 * Owning a partition on NATS: what an instance does from the moment it holds the partition's
 * lease until it loses it or stops.
 *
 * 1. rebuild the driver index from KV `drivers` (snapshot, then live changes);
 * 2. replay the market's recent decisions from RESULTS: decided orders answer repeats with
 *    the same decision, matched drivers stay reserved (docs/engine.md, "Reservations");
 * 3. consume ORDERS through the partition pipeline until the scope closes, which stops the
 *    consumer first and then hands back every undecided order.
 */
import { Clock, Effect, Result, Schedule, type Scope } from "effect"
import { makeDecoder } from "../../domain/codec.ts"
import type { MarketCatalog } from "../../domain/market-catalog.ts"
import type { Market } from "../../domain/market.ts"
import { KV_BUCKETS } from "../../domain/subjects.ts"
import type { Eta } from "../../eta/eta.ts"
import type { EngineMetrics } from "../../observability/metrics.ts"
import { Dispatcher, type DispatchSettings } from "../../pipeline/dispatcher.ts"
import { deadLetter } from "../../pipeline/intake.ts"
import { makePartition, type PartitionSettings } from "../../pipeline/partition.ts"
import type { NatsClient } from "./connection.ts"
import { watchDrivers } from "./driver-feed.ts"
import type { JetStreamError } from "./errors.ts"
import { consumeOrders, consumerLag, ensureOrderConsumer, type OrderConsumerSettings } from "./order-consumer.ts"
import { publishDeadLetter, publishDecision } from "./publisher.ts"
import { replayDecisions } from "./results-replay.ts"
import { SimClock } from "../../pipeline/sim-clock.ts"
import { answerClockTicks } from "./clock-ticks.ts"

/** How often the consumer's lag is read (ms). */
const LAG_POLL_MS = 5_000

const decodeDriverState = makeDecoder(["driver.state"])

export interface NatsPartitionOptions {
  readonly client: NatsClient
  readonly catalog: MarketCatalog
  readonly market: Market
  readonly eta: Eta
  readonly dispatch: DispatchSettings
  readonly partition: PartitionSettings
  readonly consumer: OrderConsumerSettings
  readonly metrics: EngineMetrics
  /** `sim`: the matcher follows a simulator's ticks (clock-ticks.ts) instead of the wall clock. */
  readonly clock?: "wall" | "sim" | undefined
}

/** Runs the partition as its owner until interrupted. */
export const ownPartition = (options: NatsPartitionOptions): Effect.Effect<never, JetStreamError, Scope.Scope> =>
  Effect.gen(function*() {
    const { client, market, metrics } = options
    const dispatcher = new Dispatcher(market, options.eta, options.dispatch)
    const keyPrefix = `${market.id}.`
    let driversRevision = 0

    yield* watchDrivers(client, market.id, (entry) => {
      if (entry.revision > driversRevision) driversRevision = entry.revision
      const driverId = entry.key.slice(keyPrefix.length)
      if (entry._tag === "Delete") return dispatcher.driverRemoved(driverId)
      const decoded = decodeDriverState(entry.data)
      if (Result.isSuccess(decoded) && decoded.success.market === market.id && decoded.success.driverId === driverId) {
        return dispatcher.driverState(decoded.success)
      }
      const detail = Result.isFailure(decoded) ? decoded.failure.message : `key ${entry.key} holds the state of ${decoded.success.market}.${decoded.success.driverId}`
      const letter = deadLetter(entry.subject, Result.isFailure(decoded) ? decoded.failure.reason : "invalid", detail, entry.data, Date.now())
      metrics.deadLetters.inc({ market: market.id, reason: letter.reason })
      void publishDeadLetter(client, market.id, letter).catch(() => undefined)
    })

    const now = yield* Clock.currentTimeMillis
    const restored = yield* replayDecisions(client, market.id, now - options.partition.decisionMemoryMs, (d) => dispatcher.restoreDecision(d))
    yield* Effect.logInfo("partition state rebuilt").pipe(
      Effect.annotateLogs({ market: market.id, drivers: dispatcher.index.size, available: dispatcher.index.availableCount, decisions: restored, reserved: dispatcher.reservedDrivers, kvBucket: KV_BUCKETS.drivers })
    )

    const simClock = options.clock === "sim" ? new SimClock(0) : undefined
    const partition = yield* makePartition({ dispatcher, catalog: options.catalog, ports: {
      publishDecision: (decision, traceparent) => publishDecision(client, decision, traceparent),
      publishDeadLetter: (m, letter) => publishDeadLetter(client, m, letter)
    }, settings: options.partition, metrics, tickTime: simClock === undefined ? undefined : () => simClock.releasedUpTo })

    if (simClock !== undefined) {
      yield* answerClockTicks({ client, market: market.id, clock: simClock, dispatcher, partition, driversRevision: () => driversRevision })
    }
    yield* ensureOrderConsumer(client, market.id, options.consumer)
    yield* consumeOrders(client, market.id, options.consumer, partition.deliver)
    yield* Effect.forkScoped(
      consumerLag(client, market.id).pipe(
        Effect.tap((lag) => Effect.sync(() => metrics.consumerPending.set({ market: market.id }, lag))),
        Effect.ignore,
        Effect.repeat(Schedule.spaced(LAG_POLL_MS))
      )
    )
    yield* Effect.logInfo("partition consuming").pipe(Effect.annotateLogs({ market: market.id, policy: options.dispatch.policy }))
    return yield* (simClock === undefined ? partition.run : Effect.provideService(partition.run, Clock.Clock, simClock))
  })
