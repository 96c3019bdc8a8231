/**
 * A market's drivers from KV `drivers`: first the latest state of every driver (the snapshot
 * a restarted or new partition owner rebuilds its index from), then every change.
 *
 * An ordered consumer on the bucket's stream, filtered to the market's keys and delivering the
 * last value per key, consumed with a callback. It replaces `kv.watch()` because the pending
 * count on each message (`info.pending`) tells when the snapshot is complete, also when the
 * market has no drivers yet, which the watch iterator cannot say.
 */
import { DeliverPolicy, type JsMsg } from "@nats-io/jetstream"
import { Deferred, Effect, type Scope } from "effect"
import { KV_BUCKETS, kvKeys } from "../../domain/subjects.ts"
import type { NatsClient } from "./connection.ts"
import { JetStreamError } from "./errors.ts"

const KV_STREAM = `KV_${KV_BUCKETS.drivers}`
const KV_SUBJECT_PREFIX = `$KV.${KV_BUCKETS.drivers}.`

/** `revision`: the entry's KV revision (its sequence in the bucket's stream). */
export type DriverEntry =
  | { readonly _tag: "Put"; readonly key: string; readonly subject: string; readonly data: Uint8Array; readonly revision: number }
  | { readonly _tag: "Delete"; readonly key: string; readonly revision: number }

const toEntry = (m: JsMsg): DriverEntry => {
  const key = m.subject.slice(KV_SUBJECT_PREFIX.length)
  const operation = m.headers?.get("KV-Operation")
  const revision = m.info.streamSequence
  return operation === "DEL" || operation === "PURGE" ? { _tag: "Delete", key, revision } : { _tag: "Put", key, subject: m.subject, data: m.data, revision }
}

/**
 * Feeds `onEntry` until the scope closes; succeeds once the snapshot has been delivered.
 * Entries arrive in stream order, one at a time, on the event loop.
 */
export const watchDrivers = (
  client: NatsClient,
  market: string,
  onEntry: (entry: DriverEntry) => void
): Effect.Effect<void, JetStreamError, Scope.Scope> =>
  Effect.gen(function*() {
    const snapshotDone = yield* Deferred.make<void>()
    const markDone = () => Effect.runSync(Deferred.succeed(snapshotDone, undefined))
    yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const consumer = await client.js.consumers.get(KV_STREAM, {
            filter_subjects: `${KV_SUBJECT_PREFIX}${kvKeys.marketDrivers(market)}`,
            deliver_policy: DeliverPolicy.LastPerSubject
          })
          const info = await consumer.info(true)
          if (info.num_pending === 0) markDone()
          return consumer.consume({
            callback: (m) => {
              onEntry(toEntry(m))
              if (m.info.pending === 0) markDone()
            }
          })
        },
        catch: (e) => new JetStreamError({ operation: `watch drivers of ${market}`, detail: e instanceof Error ? e.message : String(e) })
      }),
      (messages) => Effect.promise(() => messages.close().then(() => undefined, () => undefined))
    )
    yield* Deferred.await(snapshotDone)
  })
