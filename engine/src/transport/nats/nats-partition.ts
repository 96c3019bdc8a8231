/**
 * Owning a partition on NATS: what an instance does from the moment it holds the partition's
 * lease until it loses it or stops.
 *
 * 1. rebuild the driver index from KV `drivers` (snapshot, then live changes, across NATS
 *    outages; while the feed is stale the matcher holds orders: driver-feed.ts, dispatcher.ts);
 * 2. replay the market's recent decisions from RESULTS: decided orders answer repeats with
 *    the same decision, matched drivers stay reserved (docs/engine.md, "Reservations");
 * 3. consume ORDERS through the partition pipeline until the scope closes, which stops the
 *    consumer first and then hands back every undecided order.
 */
import { Clock, Effect, Queue, Result, Schedule, type Scope } from "effect"
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
import { watchDrivers, type DriverFeed } from "./driver-feed.ts"
import type { FeedState } from "./feed-health.ts"
import type { JetStreamError } from "./errors.ts"
import { consumeOrders, consumerLag, ensureOrderConsumer, type OrderConsumerSettings } from "./order-consumer.ts"
import { publishDeadLetter, publishDecision } from "./publisher.ts"
import { replayDecisions } from "./results-replay.ts"
import { SimClock } from "../../pipeline/sim-clock.ts"
import { answerClockTicks } from "./clock-ticks.ts"

/** How often the consumer's lag is read (ms). */
const LAG_POLL_MS = 5_000
/** How often the driver feed's lag and staleness gauges are set (ms). */
const FEED_GAUGE_MS = 1_000

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
  /** Told the running driver feed once the index is rebuilt, and `undefined` when ownership ends (readiness). */
  readonly onDriverFeed?: ((feed: DriverFeed | undefined) => void) | undefined
}

/** Runs the partition as its owner until interrupted. */
export const ownPartition = (options: NatsPartitionOptions): Effect.Effect<never, JetStreamError, Scope.Scope> =>
  Effect.gen(function*() {
    const { client, market, metrics } = options
    const dispatcher = new Dispatcher(market, options.eta, options.dispatch)
    const keyPrefix = `${market.id}.`
    let driversRevision = 0

    const feedChanges = yield* Queue.unbounded<FeedState>()
    const feed = yield* watchDrivers(client, market.id, (entry) => {
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
    }, { onResync: (cause) => metrics.driverFeedResyncs.inc({ market: market.id, cause }) })
    feed.onChange((state) => Queue.offerUnsafe(feedChanges, state))
    yield* reportDriverFeed(feed, feedChanges, market.id, metrics)
    if (options.onDriverFeed !== undefined) {
      options.onDriverFeed(feed)
      yield* Effect.addFinalizer(() => Effect.sync(() => options.onDriverFeed?.(undefined)))
    }

    const now = yield* Clock.currentTimeMillis
    const restored = yield* replayDecisions(client, market.id, now - options.partition.decisionMemoryMs, (d) => dispatcher.restoreDecision(d))
    yield* Effect.logInfo("partition state rebuilt").pipe(
      Effect.annotateLogs({ market: market.id, drivers: dispatcher.index.size, available: dispatcher.index.availableCount, decisions: restored, reserved: dispatcher.reservedDrivers, kvBucket: KV_BUCKETS.drivers })
    )

    const simClock = options.clock === "sim" ? new SimClock(0) : undefined
    const partition = yield* makePartition({ dispatcher, catalog: options.catalog, ports: {
      publishDecision: (decision, traceparent, lane) => publishDecision(client, decision, traceparent, lane),
      publishDeadLetter: (m, letter) => publishDeadLetter(client, m, letter)
    }, settings: options.partition, metrics, tickTime: simClock === undefined ? undefined : () => simClock.releasedUpTo, supplyCurrent: feed.current })

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
    yield* Effect.logInfo("partition consuming").pipe(Effect.annotateLogs({ market: market.id, policy: options.dispatch.policy.name }))
    return yield* (simClock === undefined ? partition.run : Effect.provideService(partition.run, Clock.Clock, simClock))
  })

/**
 * Logs each change of the driver feed's health (a warning when it goes stale, with why; the
 * stale time when it is current again) and keeps its gauges, removed when ownership ends.
 */
const reportDriverFeed = (feed: DriverFeed, changes: Queue.Queue<FeedState>, market: string, metrics: EngineMetrics) =>
  Effect.gen(function*() {
    const labels = { market }
    const setGauges = Effect.sync(() => {
      metrics.driverFeedLag.set(labels, feed.lagSeconds())
      metrics.driverFeedStale.set(labels, feed.current() ? 0 : 1)
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => {
      metrics.driverFeedLag.remove(labels)
      metrics.driverFeedStale.remove(labels)
    }))
    let staleSince: number | undefined
    const logChange = (state: FeedState) =>
      state._tag === "Stale"
        ? Effect.suspend(() => {
          const first = staleSince === undefined
          staleSince ??= state.since
          return Effect.logWarning(first ? "driver feed stale: holding orders" : "driver feed still stale").pipe(Effect.annotateLogs({ market, reason: state.reason, lagSeconds: feed.lagSeconds() }))
        })
        : Effect.suspend(() => {
          const staleMs = staleSince === undefined ? 0 : Date.now() - staleSince
          staleSince = undefined
          return Effect.logInfo("driver feed current").pipe(Effect.annotateLogs({ market, staleMs, revision: feed.revision() }))
        })
    yield* Effect.forkScoped(Queue.take(changes).pipe(Effect.flatMap((state) => Effect.andThen(logChange(state), setGauges)), Effect.forever))
    yield* Effect.forkScoped(setGauges.pipe(Effect.repeat(Schedule.spaced(FEED_GAUGE_MS))))
  })
