/**
 * A partition's durable pull consumer on ORDERS, consumed with a callback (2-2.5x faster than
 * the async iterator here, limits.md §5): each JetStream message goes to `deliver` as an
 * `InboundMessage` without a wrapper.
 *
 * Backpressure is JetStream's: `max_ack_pending` caps the orders delivered and not yet acked,
 * so a slow engine simply stops receiving; the rest wait in the stream.
 */
import { AckPolicy, DeliverPolicy, type JsMsg } from "@nats-io/jetstream"
import { nanos } from "@nats-io/transport-node"
import { Effect, type Scope } from "effect"
import { consumerName, STREAMS, subjects } from "../../domain/subjects.ts"
import type { InboundMessage } from "../../pipeline/inbound.ts"
import type { NatsClient } from "./connection.ts"
import { JetStreamError } from "./errors.ts"

/**
 * How long JetStream waits for an ack before redelivering (ms). Short, because it is also how
 * long a crashed owner's in-flight orders wait before a new owner gets them (they hold every
 * `max_ack_pending` slot until then): equal to the default lease TTL, so that recovery after a
 * crash takes about one TTL. Orders held longer (batch carry-over) are kept alive with
 * `working()` every third of it.
 */
export const DEFAULT_ACK_WAIT_MS = 10_000

export interface OrderConsumerSettings {
  readonly maxAckPending: number
  readonly ackWaitMs: number
  /** Messages the client pulls per request. */
  readonly pullBatch: number
}

const jsError = (operation: string) => (e: unknown) => new JetStreamError({ operation, detail: e instanceof Error ? e.message : String(e) })

/** Creates the durable consumer, or updates the settings an existing one may change. */
export const ensureOrderConsumer = (client: NatsClient, partition: string, settings: OrderConsumerSettings) =>
  Effect.tryPromise({
    try: () =>
      client.jsm.consumers.add(STREAMS.orders, {
        durable_name: consumerName(partition),
        filter_subject: subjects.marketOrders(partition),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(settings.ackWaitMs),
        max_ack_pending: settings.maxAckPending,
        // Never give up on an order: a message past max_deliver is silently dropped by JetStream.
        max_deliver: -1
      }),
    catch: jsError(`create consumer ${consumerName(partition)}`)
  })

/** Delivers the partition's order events to `deliver` until the scope closes. */
export const consumeOrders = (
  client: NatsClient,
  partition: string,
  settings: OrderConsumerSettings,
  deliver: (message: InboundMessage) => void
): Effect.Effect<void, JetStreamError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const consumer = await client.js.consumers.get(STREAMS.orders, consumerName(partition))
        return consumer.consume({ max_messages: settings.pullBatch, callback: (m: JsMsg) => deliver(m) })
      },
      catch: jsError(`consume ${consumerName(partition)}`)
    }),
    // Stop pulling; messages already delivered and not acked come back after ack_wait.
    (messages) => Effect.promise(() => messages.close().then(() => undefined, () => undefined))
  ).pipe(Effect.asVoid)

/** Orders stored and not yet acked by the partition's consumer: the lag. */
export const consumerLag = (client: NatsClient, partition: string) =>
  Effect.tryPromise({
    try: async () => {
      const info = await client.jsm.consumers.info(STREAMS.orders, consumerName(partition))
      return info.num_pending + info.num_ack_pending
    },
    catch: jsError(`consumer info ${consumerName(partition)}`)
  })
