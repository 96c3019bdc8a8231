/**
 * One partition's pipeline, transport-agnostic: inbound messages -> bounded queue -> the
 * matcher fiber running the market's `Dispatcher` -> decisions published -> inputs acked.
 *
 * - Decide, publish, then ack: an input is acked only once the decision about it is stored,
 *   so a crash anywhere loses nothing (the input comes back; the lifecycle or RESULTS'
 *   message-id dedup makes the second decision the first one).
 * - The queue is bounded. `deliver` (for transports that push, like a JetStream callback)
 *   never blocks: with `shed` a full queue answers `unmatched: overloaded` at once; with
 *   `backpressure` the transport is configured to deliver no more than the queue holds (a
 *   JetStream `max_ack_pending`), and an overflow is nak'ed back. `enqueue` (for producers
 *   that can wait, the in-process transport) suspends while the queue is full.
 * - Batch orders wait unacked for their window, and those no window could match wait in the
 *   carry-over for supply. Both hold `max_ack_pending` slots, so the dispatcher is told to hold
 *   at most three quarters of the capacity (`HELD_SHARE`): the rest stays free for new orders
 *   and, above all, cancellations, which must reach the matcher before the decision they undo.
 *   Without it, a partition with no supply filled every slot with waiting orders and stopped
 *   taking anything, cancellations included, until they expired.
 * - While the driver supply is stale (`supplyCurrent` false: the driver feed cannot vouch for
 *   the index), the dispatcher holds new orders instead of matching them on a frozen view
 *   (dispatcher.ts); they stay unacked and are told `working()` like any held order, and are
 *   decided as soon as the supply is current again.
 * - A repeated order whose decision RESULTS is known to hold (its publish was acknowledged, or
 *   it was restored from RESULTS) is acked without publishing the decision again; one whose
 *   publish is still in flight waits for that publish and is settled with it. RESULTS would
 *   drop a copy (same `Nats-Msg-Id`), but every core subscriber of the decision subjects would
 *   see it: after a nats-server restart every order whose ack was lost comes back, and live
 *   subscribers saw 3-198 copies per restart (issue 15). Only a decision whose publish failed
 *   is published again.
 * - Bad input is classified at intake (intake.ts), written to the DLQ, and terminated.
 * - When the partition's scope closes, what is queued or waiting for a window is handed back
 *   (nak) for the next owner, and publishes in flight are awaited.
 */
import { Clock, Effect, Option, Queue, Schedule, type Scope } from "effect"
import type { MarketCatalog } from "../domain/market-catalog.ts"
import type { DeadLetter, Decision, OrderEvent } from "../domain/messages.ts"
import type { EngineMetrics } from "../observability/metrics.ts"
import { laneOf, MAIN_LANE } from "../domain/lanes.ts"
import { startOrderSpan } from "../observability/tracing.ts"
import type { Dispatcher } from "./dispatcher.ts"
import { traceparentOf, type InboundMessage } from "./inbound.ts"
import { classify } from "./intake.ts"

export type OverloadPolicy = "backpressure" | "shed"

/** Default queue capacity (orders): ~0.3 s of the engine's full rate; bounds memory to a few MB. */
export const DEFAULT_QUEUE_CAPACITY = 1_024
/** Most messages the matcher takes from the queue per turn. */
const TAKE_MAX = 256
/** Delay of a message handed back (ms): after an overflow, a failed publish or a shutdown. */
const RETRY_DELAY_MS = 500
/**
 * Share of the capacity (= JetStream `max_ack_pending` under backpressure) that orders waiting
 * in a batch window or the carry-over may hold; the rest is kept for new messages.
 */
export const HELD_SHARE = 0.75
/**
 * How long shutdown waits for publishes in flight (ms): longer than one can last (the NATS
 * publisher retries a timed-out publish: 5 attempts of 2 s plus backoff, ~12 s). A decision
 * that lands after the partition is handed back is unknown to the next owner's rebuild, which
 * hands its driver out again: with 5 s, a rolling restart of a 3-node cluster (leaders moving,
 * publishes slow but stored) gave 48 drivers two orders each (engine/test/e2e/cluster-faults.test.ts).
 */
const DRAIN_TIMEOUT_MS = 30_000
/** While the supply is stale, how often the matcher looks whether it is current again (ms). */
const SUPPLY_POLL_MS = 100

export interface PartitionPorts {
  /** `lane`: the order's lane (`Dispatch-Lane` of its `order.requested`), written on the decision; undefined for the main lane. */
  readonly publishDecision: (decision: Decision, traceparent: string | undefined, lane?: string) => Promise<"stored" | "duplicate">
  readonly publishDeadLetter: (market: string, letter: DeadLetter) => Promise<void>
}

export interface PartitionSettings {
  readonly capacity: number
  readonly overload: OverloadPolicy
  /**
   * How often messages held for an open order are told `working()` (ms), to keep JetStream
   * from redelivering them while they wait for a batch window; below the ack wait.
   */
  readonly keepAliveMs: number
  /** How long decisions are remembered to answer repeats (ms); at least RESULTS' dedup window. */
  readonly decisionMemoryMs: number
}

/** Inputs waiting for the decision about one order, its trace and its lane. */
interface Held {
  readonly messages: Array<InboundMessage>
  readonly receivedAt: number
  requestedAt: number | undefined
  span: ReturnType<typeof startOrderSpan> | undefined
  /** Not main (lanes.ts): main orders carry no header, and their decisions none either. */
  lane: string | undefined
}

export interface Partition {
  readonly deliver: (message: InboundMessage) => void
  readonly enqueue: (message: InboundMessage) => Effect.Effect<void>
  /** The matcher loop and its housekeeping; runs until interrupted. */
  readonly run: Effect.Effect<never, never, Scope.Scope>
  /** Messages queued, held for a decision, or being published. */
  readonly inFlight: () => number
  /** Highest stream sequence of an inbound message handled by the matcher (0: none). */
  readonly handledSequence: () => number
  /** Decisions and dead letters being published (not yet acknowledged by the store). */
  readonly publishesInFlight: () => number
}

export const makePartition = (options: {
  readonly dispatcher: Dispatcher
  readonly catalog: MarketCatalog
  readonly ports: PartitionPorts
  readonly settings: PartitionSettings
  readonly metrics: EngineMetrics
  /**
   * The time up to which batch windows close (default: the clock's now). A simulation clock
   * (sim-clock.ts) closes them only up to the time a tick released.
   */
  readonly tickTime?: (() => number) | undefined
  /**
   * Whether the driver index holds every driver update (the NATS driver feed's health);
   * always true when not given (the simulator, the in-process transport).
   */
  readonly supplyCurrent?: (() => boolean) | undefined
}): Effect.Effect<Partition, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { dispatcher, catalog, ports, settings, metrics } = options
    const market = dispatcher.market.id
    const policy = dispatcher.settings.policy.name
    dispatcher.fitHeldOrders(Math.floor(settings.capacity * HELD_SHARE))
    const queue = yield* Queue.bounded<InboundMessage>(settings.capacity)
    const held = new Map<string, Held>()
    const publishing = new Set<Promise<unknown>>()
    /** Orders whose decision is being published, with the repeats that wait for that publish. */
    const publishingOrders = new Map<string, Array<InboundMessage>>()
    /** Orders whose last decision publish failed: a repeat publishes it again. */
    const unstored = new Set<string>()
    let clockNow = Date.now()
    let handledSequence = 0

    metrics.queueCapacity.set({ market }, settings.capacity)
    // The depth is set whenever it changes (each offer, each take). It used to be set only at
    // the end of a matcher turn, right after the queue was drained, so it read 0 however
    // loaded the engine was (engine/test/e2e/overload.test.ts saw nothing but 0). A labelled
    // child keeps the per-message cost to a field write.
    const queueDepth = metrics.queueDepth.labels({ market })

    const track = (promise: Promise<unknown>) => {
      publishing.add(promise)
      void promise.finally(() => publishing.delete(promise))
    }

    const deadLetter = (messageMarket: string, letter: DeadLetter, message: InboundMessage) => {
      metrics.deadLetters.inc({ market: messageMarket, reason: letter.reason })
      track(ports.publishDeadLetter(messageMarket, letter).then(() => message.term(), () => message.nak(RETRY_DELAY_MS)))
    }

    const publish = (decision: Decision, now: number) => {
      const entry = held.get(decision.orderId)
      held.delete(decision.orderId)
      const orderId = decision.orderId
      const repeats: Array<InboundMessage> = []
      publishingOrders.set(orderId, repeats)
      const settled = () => {
        if (publishingOrders.get(orderId) === repeats) publishingOrders.delete(orderId)
      }
      track(ports.publishDecision(decision, entry?.span?.traceparent, entry?.lane).then(
        (outcome) => {
          settled()
          unstored.delete(orderId)
          for (const m of repeats) m.ack()
          if (outcome === "duplicate") metrics.duplicateDecisions.inc({ market })
          observe(decision, entry, now)
          entry?.span?.span.end()
          for (const m of entry?.messages ?? []) m.ack()
        },
        (error: unknown) => {
          settled()
          unstored.add(orderId)
          for (const m of repeats) m.nak(RETRY_DELAY_MS)
          entry?.span?.span.recordException(error instanceof Error ? error : String(error))
          entry?.span?.span.end()
          // Comes back; the lifecycle answers with this same decision then.
          for (const m of entry?.messages ?? []) m.nak(RETRY_DELAY_MS)
        }
      ))
    }

    // Labelled children, made once: prom-client hashes a label object on every call otherwise
    // (prom-client's hashObject was 1-2 % of the engine's CPU in the drain profile).
    const labels = { market, policy }
    const spanAttributes = { "dispatch.market": market, "dispatch.policy": policy }
    const matched = metrics.ordersMatched.labels(labels)
    const pickupEta = metrics.pickupEta.labels(labels)
    const pickupDistance = metrics.pickupDistance.labels(labels)
    const decisionLatency = metrics.decisionLatency.labels(labels)
    const orderWait = metrics.orderWait.labels(labels)
    const unmatched = new Map<string, ReturnType<typeof metrics.ordersUnmatched.labels>>()
    const received = { "order.requested": metrics.ordersReceived.labels({ market, type: "order.requested" }), "order.cancelled": metrics.ordersReceived.labels({ market, type: "order.cancelled" }) }

    const observe = (decision: Decision, entry: Held | undefined, now: number) => {
      if (decision.type === "order.matched") {
        matched.inc()
        pickupEta.observe(decision.etaSeconds)
        pickupDistance.observe(decision.distanceMeters)
      } else {
        let child = unmatched.get(decision.reason)
        if (child === undefined) unmatched.set(decision.reason, child = metrics.ordersUnmatched.labels({ ...labels, reason: decision.reason }))
        child.inc()
      }
      if (entry !== undefined) {
        decisionLatency.observe(Math.max(0, Date.now() - entry.receivedAt) / 1000)
        if (entry.requestedAt !== undefined) orderWait.observe(Math.max(0, now - entry.requestedAt) / 1000)
      }
    }

    const hold = (event: OrderEvent, message: InboundMessage): void => {
      let entry = held.get(event.orderId)
      if (entry === undefined) {
        entry = { messages: [], receivedAt: Date.now(), requestedAt: undefined, span: undefined, lane: undefined }
        held.set(event.orderId, entry)
      }
      entry.messages.push(message)
      if (event.type === "order.requested" && entry.span === undefined) {
        entry.requestedAt = event.requestedAt
        const lane = laneOf(message.headers)
        if (lane !== MAIN_LANE) entry.lane = lane
        entry.span = startOrderSpan("dispatch.order", traceparentOf(message), lane === MAIN_LANE ? spanAttributes : { ...spanAttributes, "dispatch.lane": lane })
      }
    }

    const handle = (message: InboundMessage, now: number, overloaded: boolean): void => {
      const sequence = message.info.streamSequence
      if (sequence !== undefined && sequence > handledSequence) handledSequence = sequence
      const classified = classify(catalog, message.subject, message.data, now)
      if (classified._tag === "Rejected") return deadLetter(classified.market, classified.deadLetter, message)
      const event = classified.event
      received[event.type].inc()
      if (message.info.deliveryCount > 1) metrics.redeliveries.inc({ market })
      if (event.type === "order.requested" && dispatcher.isDecided(event.orderId) && !unstored.has(event.orderId)) {
        // Stored or being stored: a copy would only reach core subscribers again (see the top).
        const waiting = publishingOrders.get(event.orderId)
        if (waiting !== undefined) return void waiting.push(message)
        metrics.duplicateDecisions.inc({ market })
        return message.ack()
      }
      hold(event, message)
      const decisions = event.type === "order.cancelled"
        ? dispatcher.cancel(event, now)
        : overloaded
        ? dispatcher.shed(event, now)
        : dispatcher.request(event, now)
      let decided = false
      for (const decision of decisions) {
        if (decision.orderId === event.orderId) decided = true
        publish(decision, now)
      }
      // Nothing to publish and nothing to wait for (a cancellation after the decision): done.
      if (!decided && !dispatcher.isOpen(event.orderId)) {
        const entry = held.get(event.orderId)
        held.delete(event.orderId)
        entry?.span?.span.end()
        for (const m of entry?.messages ?? []) m.ack()
      }
    }

    const deliver = (message: InboundMessage): void => {
      if (Queue.offerUnsafe(queue, message)) return queueDepth.set(Queue.sizeUnsafe(queue))
      if (settings.overload === "shed") return handle(message, clockNow, true)
      message.nak(RETRY_DELAY_MS)
    }

    const supplyCurrent = options.supplyCurrent
    const turn = Effect.gen(function*() {
      const deadline = dispatcher.nextDeadline
      const take = Queue.takeBetween(queue, 1, TAKE_MAX)
      const started = yield* Clock.currentTimeMillis
      let waitMs = deadline === undefined ? undefined : Math.max(0, deadline - started)
      if (supplyCurrent !== undefined && !dispatcher.supplyCurrent) waitMs = Math.min(waitMs ?? SUPPLY_POLL_MS, SUPPLY_POLL_MS)
      const taken = waitMs === undefined ? Option.some(yield* take) : yield* Effect.timeoutOption(take, waitMs)
      const now = yield* Clock.currentTimeMillis
      clockNow = now
      queueDepth.set(Queue.sizeUnsafe(queue))
      // Before the new messages: going stale holds them too; coming back decides the waiting
      // orders first, in the order they came.
      if (supplyCurrent !== undefined) for (const decision of dispatcher.setSupplyCurrent(supplyCurrent(), now)) publish(decision, now)
      if (Option.isSome(taken)) for (const message of taken.value) handle(message, now, false)
      const tickAt = options.tickTime === undefined ? now : Math.min(now, options.tickTime())
      for (const decision of dispatcher.tick(tickAt)) publish(decision, tickAt)
      const window = dispatcher.takeWindowReport()
      if (window !== undefined) {
        metrics.batchSize.observe({ market }, window.orders)
        metrics.batchSolve.observe({ market }, window.solveMillis / 1000)
      }
    })

    const housekeeping = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      for (const entry of held.values()) for (const m of entry.messages) m.working()
      for (const repeats of publishingOrders.values()) for (const m of repeats) m.working()
      dispatcher.forgetDecisionsBefore(now - settings.decisionMemoryMs)
      // A failed publish's order that was forgotten since is decided anew if it comes back.
      for (const orderId of unstored) if (!dispatcher.isDecided(orderId)) unstored.delete(orderId)
      const available = dispatcher.index.availableCount
      metrics.drivers.set({ market, status: "available" }, available)
      metrics.drivers.set({ market, status: "reserved" }, dispatcher.reservedDrivers)
      metrics.drivers.set({ market, status: "busy_or_offline" }, dispatcher.index.size - available - dispatcher.reservedDrivers)
    })

    /** Hands back everything not decided, and waits for decisions being stored. */
    const handBack = Effect.gen(function*() {
      const queued = yield* Queue.clear(queue)
      for (const m of queued) m.nak(0)
      for (const entry of held.values()) {
        entry.span?.span.end()
        for (const m of entry.messages) m.nak(0)
      }
      held.clear()
      yield* Effect.promise(() => Promise.allSettled([...publishing])).pipe(Effect.timeoutOption(DRAIN_TIMEOUT_MS))
    })

    // Registered now, before the caller starts a transport in the same scope: scopes close in
    // reverse, so the transport stops delivering first and then everything left is handed back.
    yield* Effect.addFinalizer(() => handBack)

    const run = Effect.gen(function*() {
      yield* Effect.forkScoped(housekeeping.pipe(Effect.repeat(Schedule.spaced(settings.keepAliveMs))))
      return yield* Effect.forever(turn)
    })

    return {
      deliver,
      enqueue: (message) => Queue.offer(queue, message).pipe(Effect.asVoid),
      run,
      inFlight: () => Queue.sizeUnsafe(queue) + held.size + publishing.size,
      handledSequence: () => handledSequence,
      publishesInFlight: () => publishing.size
    }
  })
