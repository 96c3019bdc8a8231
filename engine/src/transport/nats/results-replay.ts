/**
 * Reads a market's recent decisions back from RESULTS: how a new partition owner (after a
 * restart or a takeover) learns which orders are decided and which drivers it must keep
 * reserved, without any per-decision write beyond the decision itself (docs/engine.md,
 * "Reservations").
 */
import { DeliverPolicy, type JsMsg } from "@nats-io/jetstream"
import { Deferred, Effect, Result } from "effect"
import { makeDecoder } from "../../domain/codec.ts"
import type { Decision } from "../../domain/messages.ts"
import { STREAMS, subjects } from "../../domain/subjects.ts"
import type { NatsClient } from "./connection.ts"
import { JetStreamError } from "./errors.ts"

const decodeDecision = makeDecoder(["order.matched", "order.unmatched"])

/** Feeds every decision of `market` stored since `sinceMs` to `onDecision`; returns the count. */
export const replayDecisions = (
  client: NatsClient,
  market: string,
  sinceMs: number,
  onDecision: (decision: Decision) => void
): Effect.Effect<number, JetStreamError> =>
  Effect.scoped(Effect.gen(function*() {
    const done = yield* Deferred.make<void>()
    let count = 0
    const finish = () => Effect.runSync(Deferred.succeed(done, undefined))
    yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const consumer = await client.js.consumers.get(STREAMS.results, {
            filter_subjects: subjects.marketDecisions(market),
            deliver_policy: DeliverPolicy.StartTime,
            opt_start_time: new Date(Math.max(0, sinceMs)).toISOString()
          })
          if ((await consumer.info(true)).num_pending === 0) finish()
          return consumer.consume({
            callback: (m: JsMsg) => {
              const decoded = decodeDecision(m.data)
              if (Result.isSuccess(decoded)) {
                count++
                onDecision(decoded.success)
              }
              if (m.info.pending === 0) finish()
            }
          })
        },
        catch: (e) => new JetStreamError({ operation: `replay decisions of ${market}`, detail: e instanceof Error ? e.message : String(e) })
      }),
      (messages) => Effect.promise(() => messages.close().then(() => undefined, () => undefined))
    )
    yield* Deferred.await(done)
    return count
  }))
