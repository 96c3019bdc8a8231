/**
 * Decisions and dead letters onto JetStream. Plain promises: this is the hot path, one call
 * per order.
 *
 * A decision carries `Nats-Msg-Id` = orderId, so RESULTS stores one decision per order even
 * when a crash between publish and ack makes the engine decide the order again. Its subject is
 * the order's own (`dispatch.<market>.decision.<orderKey>`), so a status request reads it back
 * with one last-by-subject get (docs/api.md, "Ride status").
 */
import { headers } from "@nats-io/transport-node"
import { encodeMessage } from "../../domain/codec.ts"
import { LANE_HEADER } from "../../domain/lanes.ts"
import type { DeadLetter, Decision } from "../../domain/messages.ts"
import { subjects } from "../../domain/subjects.ts"
import type { NatsClient } from "./connection.ts"

/** Per-attempt PubAck timeout (ms) and attempts: rides out a NATS restart of a few seconds. */
const PUBLISH_TIMEOUT_MS = 2_000
const PUBLISH_RETRIES = 5

export type StoreOutcome = "stored" | "duplicate"

/** `lane`: the order's lane, not main (partition.ts), as `Dispatch-Lane`. */
export const publishDecision = (client: NatsClient, decision: Decision, traceparent: string | undefined, lane?: string): Promise<StoreOutcome> => {
  const subject = subjects.orderDecision(decision.market, decision.orderId)
  const h = headers()
  if (traceparent !== undefined) h.set("traceparent", traceparent)
  if (lane !== undefined) h.set(LANE_HEADER, lane)
  return client.js
    .publish(subject, encodeMessage(decision), { msgID: decision.orderId, headers: h, timeout: PUBLISH_TIMEOUT_MS, retries: PUBLISH_RETRIES })
    .then((ack) => (ack.duplicate ? "duplicate" : "stored"))
}

export const publishDeadLetter = (client: NatsClient, market: string, letter: DeadLetter): Promise<void> =>
  client.js
    .publish(subjects.deadLetter(market), encodeMessage(letter), { timeout: PUBLISH_TIMEOUT_MS, retries: PUBLISH_RETRIES })
    .then(() => undefined)
