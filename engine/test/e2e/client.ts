/**
 * A test client of a running `dispatch engine`, as a producer and an auditor would be: it
 * puts driver states in KV, publishes orders (msgID = orderId, one W3C `traceparent` per
 * order), republishes with the same msgID when a publish fails (so a NATS restart loses
 * nothing and duplicates nothing), and reads the RESULTS and DLQ streams back in full to count
 * outcomes exactly.
 */
import { DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type JsMsg } from "@nats-io/jetstream"
import { Kvm, type KV } from "@nats-io/kv"
import { connect, headers, type NatsConnection } from "@nats-io/transport-node"
import { Effect } from "effect"
import { randomBytes } from "node:crypto"
import { encodeMessage } from "../../src/domain/codec.ts"
import type { Decision, DriverState, OrderRequested } from "../../src/domain/messages.ts"
import { KV_BUCKETS, kvKeys, STREAMS, subjects } from "../../src/domain/subjects.ts"
import { ensureStreamsAndBuckets } from "../../src/transport/nats/setup.ts"

/** How long a publish keeps being retried before the client gives up (ms). */
const PUBLISH_DEADLINE_MS = 60_000
const PUBLISH_ATTEMPT_TIMEOUT_MS = 2_000
const RETRY_PAUSE_MS = 100
/** Reads of a whole stream before the client gives up. */
const READ_ATTEMPTS = 5

/**
 * Downtown San Francisco: where the tests put drivers and pickups. Its diagonal (about 4.2 km)
 * is inside SF's pickup radius (5 km), so any available driver can take any order.
 */
export const DOWNTOWN = { south: 37.77, north: 37.8, west: -122.43, east: -122.4 } as const

/** A seeded PRNG, so a failing run can be replayed. */
export { seededRandom as prng } from "#engine/testing"

export const pointIn = (random: () => number, box: { south: number; north: number; west: number; east: number } = DOWNTOWN) => ({
  lat: box.south + random() * (box.north - box.south),
  lng: box.west + random() * (box.east - box.west)
})

export const driverState = (driverId: string, at: number, point: { lat: number; lng: number }, status: DriverState["status"] = "available"): DriverState => ({
  v: 1, type: "driver.state", driverId, market: "sf", lat: point.lat, lng: point.lng, status, at
})

export const orderRequested = (orderId: string, requestedAt: number, pickup: { lat: number; lng: number }, maxWaitMs = 600_000): OrderRequested => ({
  v: 1,
  type: "order.requested",
  orderId,
  riderId: `rider-${orderId}`,
  market: "sf",
  pickup,
  dropoff: { lat: pickup.lat + 0.01, lng: pickup.lng + 0.01 },
  requestedAt,
  maxWaitMs
})

/** A fresh W3C traceparent (version 00, sampled) and its trace id. */
export const newTraceparent = () => {
  const traceId = randomBytes(16).toString("hex")
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` }
}
export const traceIdOf = (traceparent: string | undefined) => /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent ?? "")?.[1]

/** One message read back from a stream. */
export interface StoredMessage {
  readonly seq: number
  readonly subject: string
  readonly data: Uint8Array
  readonly headers: ReadonlyMap<string, string>
}

export interface DecisionRecord {
  readonly seq: number
  readonly subject: string
  readonly decision: Decision
  readonly traceparent: string | undefined
}

export interface PublishStats {
  /** Attempts that failed and were repeated with the same msgID. */
  retries: number
  /** PubAcks that said `duplicate` (a retried publish that had been stored after all). */
  duplicates: number
}

export class TestClient {
  readonly nc: NatsConnection
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  readonly kvm: Kvm
  readonly stats: PublishStats = { retries: 0, duplicates: 0 }
  #drivers: KV | undefined

  private constructor(nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager) {
    this.nc = nc
    this.js = js
    this.jsm = jsm
    this.kvm = new Kvm(nc)
  }

  /** `url`: one server, or a cluster's servers comma-separated. */
  static async connect(url: string, name = "e2e-client"): Promise<TestClient> {
    const nc = await connect({ servers: url.split(","), name, maxReconnectAttempts: -1, reconnectTimeWait: 250, noAsyncTraces: true })
    return new TestClient(nc, jetstream(nc, { timeout: PUBLISH_ATTEMPT_TIMEOUT_MS }), await jetstreamManager(nc, { timeout: 5_000 }))
  }

  /** Creates the streams and buckets as the engine would (to publish a backlog before any engine runs), or as `nats init --replicas` would. */
  async ensureStreams(replicas?: number): Promise<void> {
    await Effect.runPromise(ensureStreamsAndBuckets({ nc: this.nc, js: this.js, jsm: this.jsm, kvm: this.kvm }, { replicas }))
  }

  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.close()
  }

  /** Puts driver states in KV (latest per key), `window` at a time, retrying failures. */
  async putDrivers(states: ReadonlyArray<DriverState>, window = 500): Promise<void> {
    this.#drivers ??= await this.kvm.open(KV_BUCKETS.drivers)
    const kv = this.#drivers
    await inWindows(states, window, (s) => this.#retry(() => kv.put(kvKeys.driver(s.market, s.driverId), encodeMessage(s)).then(() => undefined)))
  }

  /**
   * Publishes orders to ORDERS with msgID = orderId and a traceparent each, `window` in flight;
   * a failed publish is repeated with the same msgID until it is stored (or the deadline).
   */
  async publishOrders(orders: ReadonlyArray<{ readonly order: OrderRequested; readonly traceparent?: string }>, window = 500): Promise<void> {
    await inWindows(orders, window, ({ order, traceparent }) => this.publish(subjects.orderRequested(order.market), encodeMessage(order), order.orderId, traceparent))
  }

  /** One publish with retries under a fixed msgID (when given). */
  async publish(subject: string, data: Uint8Array, msgID: string | undefined, traceparent?: string): Promise<void> {
    const h = headers()
    if (traceparent !== undefined) h.set("traceparent", traceparent)
    await this.#retry(async () => {
      const ack = await this.js.publish(subject, data, { ...(msgID === undefined ? {} : { msgID }), headers: h, timeout: PUBLISH_ATTEMPT_TIMEOUT_MS })
      if (ack.duplicate) this.stats.duplicates++
    })
  }

  async #retry(attempt: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + PUBLISH_DEADLINE_MS
    for (;;) {
      try {
        return await attempt()
      } catch (e) {
        if (Date.now() > deadline) throw e
        this.stats.retries++
        await sleep(RETRY_PAUSE_MS)
      }
    }
  }

  /** Messages stored in `stream` (optionally one subject filter), retried across outages. */
  async streamCount(stream: string): Promise<number> {
    for (;;) {
      try {
        return (await this.jsm.streams.info(stream)).state.messages
      } catch {
        await sleep(RETRY_PAUSE_MS)
      }
    }
  }

  /** Waits until `stream` holds at least `count` messages; returns the last count seen. */
  async waitForCount(stream: string, count: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs
    let seen = 0
    while (Date.now() < deadline) {
      seen = await this.streamCount(stream)
      if (seen >= count) return seen
      await sleep(100)
    }
    return seen
  }

  /** Every message of `stream` from `fromSeq` on (an ordered consumer, read until caught up). */
  async readStream(stream: string, filter?: string, fromSeq = 1, timeoutMs = 60_000): Promise<Array<StoredMessage>> {
    const consumer = await this.js.consumers.get(stream, {
      ...(filter === undefined ? {} : { filter_subjects: filter }),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: fromSeq
    })
    if ((await consumer.info(true)).num_pending === 0) return []
    const out: Array<StoredMessage> = []
    let caughtUp!: () => void
    const done = new Promise<void>((resolve) => (caughtUp = resolve))
    const messages = await consumer.consume({
      callback: (m: JsMsg) => {
        const h = new Map<string, string>()
        for (const key of m.headers?.keys() ?? []) h.set(key, m.headers!.get(key))
        out.push({ seq: m.seq, subject: m.subject, data: m.data, headers: h })
        if (m.info.pending === 0) caughtUp()
      }
    })
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      await Promise.race([done, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`reading ${stream}: not caught up after ${timeoutMs} ms (${out.length} read)`)), timeoutMs)))])
    } finally {
      clearTimeout(timer)
      await messages.close().catch(() => undefined)
    }
    return out
  }

  /**
   * Every decision in RESULTS, parsed, with its traceparent. Read again when a read fails: on a
   * cluster that just lost a node, creating the reading consumer can time out while leaders
   * are elected.
   */
  async decisions(): Promise<Array<DecisionRecord>> {
    let messages: Array<StoredMessage> | undefined
    for (let attempt = 1; messages === undefined; attempt++) {
      messages = await this.readStream(STREAMS.results).catch((e: unknown) => {
        if (attempt >= READ_ATTEMPTS) throw e
        return sleep(RETRY_PAUSE_MS * 10).then(() => undefined)
      })
    }
    return messages.map((m) => ({
      seq: m.seq,
      subject: m.subject,
      decision: JSON.parse(new TextDecoder().decode(m.data)) as Decision,
      traceparent: m.headers.get("traceparent")
    }))
  }

  /** Waits until RESULTS holds a decision for every one of `orderIds` (or the timeout), then reads them all. */
  async awaitDecisions(orderIds: ReadonlyArray<string>, timeoutMs: number): Promise<Array<DecisionRecord>> {
    await this.waitForCount(STREAMS.results, orderIds.length, timeoutMs)
    return this.decisions()
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export const waitUntil = async (condition: () => boolean | Promise<boolean>, timeoutMs: number, pollMs = 20): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await condition()) return true
    await sleep(pollMs)
  }
  return condition()
}

/** Runs `task` over `items` with at most `window` in flight, in order; rejects on the first failure. */
export const inWindows = async <A>(items: ReadonlyArray<A>, window: number, task: (item: A) => Promise<void>): Promise<void> => {
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!
      await task(item)
    }
  }
  await Promise.all(Array.from({ length: Math.min(window, items.length) }, worker))
}

/** The audit of one run: what the fault tests print and assert. */
export interface Audit {
  readonly orders: number
  readonly decisions: number
  /** Orders with no decision in RESULTS. */
  readonly lost: number
  /** Decisions beyond the first per order, plus decisions of orders never published. */
  readonly duplicates: number
  /** Drivers matched to more than one order. */
  readonly doubleAssigned: number
  readonly matched: number
  readonly unmatched: Readonly<Record<string, number>>
  /** Decisions whose traceparent's trace id is not their order's. */
  readonly traceMismatches: number
  /** Decisions on a subject that does not fit their type and market. */
  readonly wrongSubject: number
  readonly byOrder: ReadonlyMap<string, ReadonlyArray<DecisionRecord>>
}

export const audit = (orderIds: ReadonlyArray<string>, records: ReadonlyArray<DecisionRecord>, traceIds?: ReadonlyMap<string, string>): Audit => {
  const expected = new Set(orderIds)
  const byOrder = new Map<string, Array<DecisionRecord>>()
  const byDriver = new Map<string, Set<string>>()
  const unmatched: Record<string, number> = {}
  let matched = 0
  let traceMismatches = 0
  let wrongSubject = 0
  let strangers = 0
  for (const r of records) {
    const d = r.decision
    if (!expected.has(d.orderId)) strangers++
    const list = byOrder.get(d.orderId) ?? []
    list.push(r)
    byOrder.set(d.orderId, list)
    if (d.type === "order.matched") {
      matched++
      byDriver.set(d.driverId, (byDriver.get(d.driverId) ?? new Set()).add(d.orderId))
    } else {
      unmatched[d.reason] = (unmatched[d.reason] ?? 0) + 1
    }
    if (r.subject !== subjects.orderDecision(d.market, d.orderId)) wrongSubject++
    const want = traceIds?.get(d.orderId)
    if (want !== undefined && traceIdOf(r.traceparent) !== want) traceMismatches++
  }
  let lost = 0
  let duplicates = strangers
  for (const id of expected) {
    const n = byOrder.get(id)?.length ?? 0
    if (n === 0) lost++
    else duplicates += n - 1
  }
  const doubleAssigned = [...byDriver.values()].filter((orders) => orders.size > 1).length
  return { orders: expected.size, decisions: records.length, lost, duplicates, doubleAssigned, matched, unmatched, traceMismatches, wrongSubject, byOrder }
}

export const summary = (label: string, a: Audit, extra: Readonly<Record<string, string | number>> = {}) =>
  `[${label}] orders=${a.orders} decisions=${a.decisions} lost=${a.lost} duplicates=${a.duplicates} double-assigned=${a.doubleAssigned} matched=${a.matched} unmatched=${JSON.stringify(a.unmatched)}` +
  Object.entries(extra).map(([k, v]) => ` ${k}=${v}`).join("")
