/**
 * The ceiling for engine.bench.ts: the engine's transport work and nothing else, as its own
 * process. A durable pull consumer on ORDERS (callback consume, the engine's max_ack_pending
 * and pull batch), and per order one publish to RESULTS (on the order's own decision subject) with `Nats-Msg-Id` = the order's
 * msgID and its `traceparent` copied, then the ack once the PubAck is back. No decoding, no
 * matching, no Effect: a fixed pre-encoded decision.
 *
 * Same client options as the engine's connection (engine/src/transport/nats/connection.ts):
 * `noAsyncTraces`, reconnect forever, 5 s JetStream timeout; same publish options as its
 * publisher (2 s per attempt, 5 retries).
 *
 * Usage: node_modules/.bin/node engine/bench/engine-skeleton.ts <nats-url>
 * Prints "skeleton consuming" once it pulls; SIGTERM stops it.
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from "@nats-io/jetstream"
import { connect, headers, nanos } from "@nats-io/transport-node"
import { subjects } from "../src/domain/subjects.ts"

const url = process.argv[2] ?? "nats://127.0.0.1:4222"
/** The engine's defaults: queue capacity 1024 = max_ack_pending (backpressure), pull batch min(1024, 1000). */
const MAX_ACK_PENDING = 1_024
const PULL_BATCH = 1_000

const nc = await connect({ servers: url, name: "dispatch-skeleton", maxReconnectAttempts: -1, reconnectTimeWait: 250, noAsyncTraces: true })
const jsm = await jetstreamManager(nc, { timeout: 5_000 })
const js = jetstream(nc, { timeout: 5_000 })
await jsm.consumers.add("ORDERS", {
  durable_name: "skeleton-sf",
  filter_subject: "dispatch.sf.order.>",
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
  ack_wait: nanos(30_000),
  max_ack_pending: MAX_ACK_PENDING,
  max_deliver: -1
})
const decision = new TextEncoder().encode(JSON.stringify({
  v: 1, type: "order.matched", orderId: "skeleton", driverId: "d0", market: "sf", etaSeconds: 120, distanceMeters: 800, policy: "greedy", decidedAt: Date.now()
}))
const consumer = await js.consumers.get("ORDERS", "skeleton-sf")
const messages = await consumer.consume({
  max_messages: PULL_BATCH,
  callback: (m: JsMsg) => {
    const h = headers()
    const traceparent = m.headers?.get("traceparent")
    if (traceparent) h.set("traceparent", traceparent)
    const msgID = m.headers?.get("Nats-Msg-Id") || String(m.seq)
    js.publish(subjects.orderDecision("sf", msgID), decision, { msgID, headers: h, timeout: 2_000, retries: 5 })
      .then(() => m.ack(), () => m.nak(500))
  }
})
console.log("skeleton consuming")

const stop = async () => {
  await messages.close().catch(() => undefined)
  await nc.drain().catch(() => undefined)
  process.exit(0)
}
process.once("SIGTERM", () => void stop())
process.once("SIGINT", () => void stop())
