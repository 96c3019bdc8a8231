/**
 * A market's drivers from KV `drivers`: first the latest state of every driver (the snapshot
 * a restarted or new partition owner rebuilds its index from), then every change, across
 * disconnects and nats-server restarts, with a health the engine can act on (feed-health.ts).
 *
 * An ephemeral consumer on the bucket's stream (memory storage, no acks), filtered to the
 * market's keys, consumed with a callback: the first delivers the last value per key, each
 * later one starts right after the last revision applied. `info.pending` on each message tells
 * when the snapshot is complete, also when the market has no drivers yet, which `kv.watch()`
 * cannot say.
 *
 * Why the feed makes its own consumers instead of using nats.js's ordered consumer: after a
 * nats-server restart the ordered consumer (nats.js 3.4.0, `consumer.js`) finds its consumer
 * gone (memory storage), recreates it, and pulls `max_messages - pending` messages with
 * `pending` still counting the pull the dead server forgot: a pull for 0 messages. Nothing is
 * delivered until its idle-heartbeat monitor gives up (2 × expires/2 = 30 s) and pulls again,
 * and a failed check on the way waits a 15-45 s backoff: the 35-95 s frozen driver view of
 * issue 15 (D1), with nothing telling the engine. Here, a disconnect stops the consumer (so the
 * library's own recovery never runs), and a reconnect, a delivery gap, a consumer error or a
 * silence of `staleAfterMs` replaces it with a fresh one, retried every `resyncRetryMs`.
 */
import { AckPolicy, DeliverPolicy, type ConsumerInfo, type ConsumerMessages, type JsMsg } from "@nats-io/jetstream"
import { nanos, type Status } from "@nats-io/transport-node"
import { Deferred, Effect, type Scope } from "effect"
import { KV_BUCKETS, kvKeys } from "../../domain/subjects.ts"
import type { NatsClient } from "./connection.ts"
import { JetStreamError } from "./errors.ts"
import { FeedHealth, type FeedState } from "./feed-health.ts"

const KV_STREAM = `KV_${KV_BUCKETS.drivers}`
const KV_SUBJECT_PREFIX = `$KV.${KV_BUCKETS.drivers}.`

/** Idle heartbeat asked of the server (ms): proof, once a second, that nothing is left to deliver. */
export const DEFAULT_FEED_HEARTBEAT_MS = 1_000
/** No message and no heartbeat for this long (ms; three heartbeats) and the consumer is replaced. */
export const DEFAULT_FEED_STALE_AFTER_MS = 3_000
/** Wait between attempts at creating a consumer (ms): the server is usually back within a second. */
export const DEFAULT_FEED_RESYNC_RETRY_MS = 250
/** How often the feed checks for silence (ms). */
const SILENCE_CHECK_MS = 250
/** Messages per pull: a snapshot of 20k drivers in 40 pulls. */
const PULL_BATCH = 512
/** A pull request's lifetime (ms); the client pulls again when it ends. */
const PULL_EXPIRES_MS = 10_000
/** The server removes a consumer this long after its client went away (crash: no delete). */
const CONSUMER_INACTIVE_MS = 60_000

export interface DriverFeedSettings {
  readonly heartbeatMs: number
  readonly staleAfterMs: number
  readonly resyncRetryMs: number
}

export const DEFAULT_DRIVER_FEED_SETTINGS: DriverFeedSettings = {
  heartbeatMs: DEFAULT_FEED_HEARTBEAT_MS,
  staleAfterMs: DEFAULT_FEED_STALE_AFTER_MS,
  resyncRetryMs: DEFAULT_FEED_RESYNC_RETRY_MS
}

/** `revision`: the entry's KV revision (its sequence in the bucket's stream). */
export type DriverEntry =
  | { readonly _tag: "Put"; readonly key: string; readonly subject: string; readonly data: Uint8Array; readonly revision: number }
  | { readonly _tag: "Delete"; readonly key: string; readonly revision: number }

/** What the engine reads of a running feed. */
export interface DriverFeed {
  /** True while the index is known to hold every KV update (feed-health.ts). */
  readonly current: () => boolean
  readonly state: () => FeedState
  /** Seconds since the index was last known to hold every update. */
  readonly lagSeconds: () => number
  /** Highest KV revision applied. */
  readonly revision: () => number
  /** Called on every change of `state`, synchronously, on the event loop. */
  readonly onChange: (listener: (state: FeedState) => void) => void
}

const toEntry = (m: JsMsg): DriverEntry => {
  const key = m.subject.slice(KV_SUBJECT_PREFIX.length)
  const operation = m.headers?.get("KV-Operation")
  const revision = m.info.streamSequence
  return operation === "DEL" || operation === "PURGE" ? { _tag: "Delete", key, revision } : { _tag: "Put", key, subject: m.subject, data: m.data, revision }
}

const describe = (e: unknown) => (e instanceof Error ? e.message : String(e))

/** Consumer notifications after which the consumer cannot be trusted to deliver (nats.js `ConsumerNotification`). */
const BROKEN = new Set(["heartbeats_missed", "consumer_not_found", "consumer_deleted", "stream_not_found", "no_responders", "reset", "ordered_consumer_recreated"])

class FeedRunner {
  readonly #client: NatsClient
  readonly #filter: string
  readonly #onEntry: (entry: DriverEntry) => void
  readonly #settings: DriverFeedSettings
  readonly health: FeedHealth
  readonly #listeners: Array<(state: FeedState) => void> = []
  readonly #onResync: (cause: string) => void
  /** Resolves when the first snapshot is complete. */
  readonly snapshot: Promise<void>
  #snapshotDone!: () => void
  #snapshotComplete = false
  revision = 0
  #generation = 0
  #messages: ConsumerMessages | undefined
  #consumerName: string | undefined
  /** Consumers dropped while disconnected: deleted once connected (after a mere blip they still exist). */
  #orphans: Array<string> = []
  #deliverySeq = 0
  #connected = true
  #closed = false
  #creating = false
  #again: string | undefined
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #silenceTimer: ReturnType<typeof setInterval> | undefined
  #statuses: (AsyncIterable<Status> & { stop?: () => void }) | undefined

  constructor(client: NatsClient, market: string, onEntry: (entry: DriverEntry) => void, settings: DriverFeedSettings, onResync: (cause: string) => void) {
    this.#client = client
    this.#onResync = onResync
    this.#filter = `${KV_SUBJECT_PREFIX}${kvKeys.marketDrivers(market)}`
    this.#onEntry = onEntry
    this.#settings = settings
    this.health = new FeedHealth(settings.staleAfterMs, Date.now())
    this.snapshot = new Promise((resolve) => (this.#snapshotDone = resolve))
  }

  onChange(listener: (state: FeedState) => void): void {
    this.#listeners.push(listener)
  }

  /** Creates the first consumer (its failure is the caller's), then watches the connection. */
  async start(): Promise<void> {
    await this.#create()
    this.#watchConnection()
    this.#silenceTimer = setInterval(() => {
      if (this.#connected && !this.#creating && this.#track(() => this.health.checkSilence(Date.now()))) this.resync("silent")
    }, SILENCE_CHECK_MS)
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#generation++
    clearInterval(this.#silenceTimer)
    clearTimeout(this.#retryTimer)
    this.#statuses?.stop?.()
    await this.#dropConsumer()
  }

  /** Replaces the consumer; concurrent calls while one is being created coalesce into one more. */
  resync(cause: string): void {
    if (this.#closed) return
    if (this.#creating) {
      this.#again = cause
      return
    }
    clearTimeout(this.#retryTimer)
    this.#onResync(cause)
    this.#track(() => this.health.resyncing(Date.now()))
    this.#create().catch(() => {
      // The server may not serve JetStream yet; a disconnect in between waits for the reconnect.
      if (!this.#closed && this.#connected) this.#retryTimer = setTimeout(() => this.resync("error"), this.#settings.resyncRetryMs)
    })
  }

  /** Runs a health update and tells the listeners when the state changed; returns `f`'s result. */
  #track<A>(f: () => A): A {
    const before = this.health.state
    const result = f()
    const after = this.health.state
    if (after !== before && (after._tag !== before._tag || (after._tag === "Stale" && before._tag === "Stale" && after.reason !== before.reason))) {
      for (const listener of this.#listeners) listener(after)
    }
    return result
  }

  async #create(): Promise<void> {
    this.#creating = true
    try {
      const generation = ++this.#generation
      await this.#dropConsumer()
      const info = await this.#client.jsm.consumers.add(KV_STREAM, await this.#config())
      if (generation !== this.#generation || this.#closed) {
        void this.#client.jsm.consumers.delete(KV_STREAM, info.name).catch(() => undefined)
        return
      }
      this.#consume(generation, info)
    } finally {
      this.#creating = false
      const again = this.#again
      this.#again = undefined
      if (again !== undefined && !this.#closed) queueMicrotask(() => this.resync(again))
    }
  }

  async #config() {
    const base = {
      ack_policy: AckPolicy.None,
      filter_subject: this.#filter,
      mem_storage: true,
      num_replicas: 1,
      inactive_threshold: nanos(CONSUMER_INACTIVE_MS)
    }
    // Until the first snapshot is complete, take it again (last value per key); after it,
    // everything since the last revision applied, unless the stream is behind that revision
    // (recreated or restored from an older store), when only a new snapshot is right.
    if (this.#snapshotComplete && this.revision > 0) {
      const stream = await this.#client.jsm.streams.info(KV_STREAM)
      if (stream.state.last_seq >= this.revision) return { ...base, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.revision + 1 }
    }
    return { ...base, deliver_policy: DeliverPolicy.LastPerSubject }
  }

  #consume(generation: number, info: ConsumerInfo): void {
    this.#consumerName = info.name
    this.#deliverySeq = 0
    this.#track(() => this.health.consumerCreated(info.num_pending, Date.now()))
    if (info.num_pending === 0) this.#markSnapshot()
    const consumer = this.#client.js.consumers.getConsumerFromInfo(info)
    void consumer.consume({
      max_messages: PULL_BATCH,
      expires: PULL_EXPIRES_MS,
      idle_heartbeat: this.#settings.heartbeatMs,
      callback: (m) => {
        if (generation !== this.#generation) return
        // A skipped delivery means a lost message: only a new consumer can fill the gap.
        if (m.info.deliverySequence !== this.#deliverySeq + 1) return this.resync("gap")
        this.#deliverySeq = m.info.deliverySequence
        this.#onEntry(toEntry(m))
        if (m.info.streamSequence > this.revision) this.revision = m.info.streamSequence
        this.#track(() => this.health.message(m.info.pending, Date.now()))
        if (m.info.pending === 0) this.#markSnapshot()
      }
    }).then((messages) => {
      if (generation !== this.#generation) return void messages.close().catch(() => undefined)
      this.#messages = messages
      void (async () => {
        for await (const s of messages.status()) {
          if (generation !== this.#generation) return
          if (s.type === "heartbeat") this.#track(() => this.health.heartbeat(Date.now()))
          else if (BROKEN.has(s.type)) return this.resync(s.type)
        }
      })().catch(() => undefined)
    }, () => {
      if (generation === this.#generation) this.resync("error")
    })
  }

  #markSnapshot(): void {
    if (this.#snapshotComplete) return
    this.#snapshotComplete = true
    this.#snapshotDone()
  }

  /** Stops the current consumer's pulls and deletes it on the server (best effort). */
  async #dropConsumer(): Promise<void> {
    const messages = this.#messages
    const name = this.#consumerName
    this.#messages = undefined
    this.#consumerName = undefined
    await messages?.close().catch(() => undefined)
    if (name !== undefined) this.#orphans.push(name)
    if (!this.#connected || this.#client.nc.isClosed()) return
    for (const orphan of this.#orphans.splice(0)) void this.#client.jsm.consumers.delete(KV_STREAM, orphan).catch(() => undefined)
  }

  #watchConnection(): void {
    const statuses = this.#client.nc.status() as AsyncIterable<Status> & { stop?: () => void }
    this.#statuses = statuses
    void (async () => {
      for await (const s of statuses) {
        if (this.#closed) return
        if (s.type === "disconnect") {
          this.#connected = false
          clearTimeout(this.#retryTimer)
          this.#track(() => this.health.disconnected(Date.now()))
          // Stop the pulls now: left running, the library's own recovery would race ours.
          this.#generation++
          void this.#dropConsumer()
        } else if (s.type === "reconnect") {
          this.#connected = true
          this.resync("reconnect")
        }
      }
    })().catch(() => undefined)
  }
}

/**
 * Feeds `onEntry` until the scope closes; succeeds with the feed once the snapshot has been
 * delivered. Entries arrive in stream order, one at a time, on the event loop; after a
 * reconnect they continue from the last revision applied (none lost, none twice).
 */
export const watchDrivers = (
  client: NatsClient,
  market: string,
  onEntry: (entry: DriverEntry) => void,
  options: {
    readonly settings?: DriverFeedSettings | undefined
    /**
     * Called each time a consumer replaces the previous one, with the cause: `reconnect`,
     * `gap`, `silent`, `error` (creating failed; retried) or a nats.js consumer notification.
     */
    readonly onResync?: ((cause: string) => void) | undefined
  } = {}
): Effect.Effect<DriverFeed, JetStreamError, Scope.Scope> =>
  Effect.gen(function*() {
    const runner = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const runner = new FeedRunner(client, market, onEntry, options.settings ?? DEFAULT_DRIVER_FEED_SETTINGS, options.onResync ?? (() => undefined))
          await runner.start().catch(async (e) => {
            await runner.close()
            throw e
          })
          return runner
        },
        catch: (e) => new JetStreamError({ operation: `watch drivers of ${market}`, detail: describe(e) })
      }),
      (runner) => Effect.promise(() => runner.close())
    )
    const snapshot = yield* Deferred.make<void>()
    void runner.snapshot.then(() => Effect.runSync(Deferred.succeed(snapshot, undefined)))
    yield* Deferred.await(snapshot)
    return {
      current: () => runner.health.current,
      state: () => runner.health.state,
      lagSeconds: () => runner.health.lagSeconds(Date.now()),
      revision: () => runner.revision,
      onChange: (listener) => runner.onChange(listener)
    }
  })
