/**
 * A region's intake: the engine side of the API gateway's requests. Every engine instance of a
 * region joins the core-NATS queue group `intake-<region>` on `dispatch.rpc.<region>.*`, so one
 * of them answers each request, whichever holds a partition lease: intake only validates and
 * stores durably (ORDERS, KV); the partition owner decides later.
 *
 * The work itself (`makeIntake`) is also what the gateway's global fallback runs with its own
 * NATS connection when no region admits a request: one implementation, so an order accepted
 * either way is the same order (same subject, same `Nats-Msg-Id`, same ride record).
 *
 * Accepting an order, idempotently (a retry, a failover to another region, a gateway replay):
 *  1. a ride record exists for the orderId -> answer it again (`duplicate: true`), publish nothing;
 *  2. publish `order.requested` to ORDERS with `Nats-Msg-Id` = orderId (JetStream drops a
 *     second copy within the 10 min duplicate window: two racing first attempts store one);
 *  3. `create` the ride record (first writer wins; the loser answers the winner's record).
 * The record is written after the order is stored, so a record never names a lost order; a
 * failure between 2 and 3 is retried by the caller and ends in 1 or 3.
 */
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream"
import type { KV } from "@nats-io/kv"
import { headers, type Msg, type Subscription } from "@nats-io/transport-node"
import { Effect, Result, Schema, type Scope } from "effect"
import { encodeMessage, makeDecoder, MAX_PAYLOAD_BYTES } from "../../domain/codec.ts"
import {
  INTAKE_OPERATIONS,
  INTAKE_SCHEMAS,
  intakeFailure,
  RideRecord,
  type IntakeOperation,
  type IntakeReply,
  type IntakeRequest,
  type RideStatusReply
} from "../../domain/intake-rpc.ts"
import type { MarketCatalog } from "../../domain/market-catalog.ts"
import { WIRE_VERSION } from "../../domain/messages.ts"
import { fieldProblems } from "../../domain/schema-issues.ts"
import { LANE_HEADER, laneOf, MAIN_LANE } from "../../domain/lanes.ts"
import { KV_BUCKETS, kvKeys, STREAMS, subjects } from "../../domain/subjects.ts"
import type { EngineMetrics } from "../../observability/metrics.ts"
import { startOrderSpan } from "../../observability/tracing.ts"
import type { NatsClient } from "./connection.ts"
import { JetStreamError } from "./errors.ts"

/** Per-attempt PubAck timeout and retries (ms): short, because the gateway's try has a deadline. */
const PUBLISH_TIMEOUT_MS = 1_000
const PUBLISH_RETRIES = 2

/**
 * Each operation; `traceparent` (W3C) is written on the order events it stores, continuing the
 * caller's trace, and so is the request's `lane` (`Dispatch-Lane`, absent for the main lane).
 */
export type Intake = { readonly [O in IntakeOperation]: (request: IntakeRequest<O>, traceparent?: string, lane?: string) => Promise<IntakeReply<O>> }

const isConflict = (e: unknown) => e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamWrongLastSequence
const decodeRecord = Schema.decodeUnknownSync(Schema.fromJsonString(RideRecord))
const decodeDecision = makeDecoder(["order.matched", "order.unmatched"])

/**
 * The intake's operations over one NATS connection. `acceptedBy` marks the ride records it
 * writes (`fallback` in the gateway); `now` stamps acceptance (epoch ms).
 */
export const makeIntake = async (
  client: NatsClient,
  catalog: MarketCatalog,
  options: { readonly acceptedBy?: RideRecord["acceptedBy"]; readonly now?: () => number } = {}
): Promise<Intake> => {
  const acceptedBy = options.acceptedBy ?? "intake"
  const now = options.now ?? Date.now
  const rides: KV = await client.kvm.open(KV_BUCKETS.rides)
  const drivers: KV = await client.kvm.open(KV_BUCKETS.drivers)

  const readRecord = async (orderId: string): Promise<RideRecord | undefined> => {
    const entry = await rides.get(kvKeys.ride(orderId))
    return entry === null || entry.operation !== "PUT" ? undefined : decodeRecord(entry.string())
  }

  /** The ride as `riderId` may see it: another rider's ride is as absent as an unknown one (intake-rpc.ts `OnBehalfOf`). */
  const readOwnRecord = async (orderId: string, riderId: string | undefined): Promise<RideRecord | undefined> => {
    const record = await readRecord(orderId)
    return record === undefined || (riderId !== undefined && record.riderId !== riderId) ? undefined : record
  }

  const publish = (subject: string, data: Uint8Array, msgID: string, traceparent: string | undefined, lane: string | undefined) => {
    const h = headers()
    if (traceparent !== undefined) h.set("traceparent", traceparent)
    if (lane !== undefined && lane !== MAIN_LANE) h.set(LANE_HEADER, lane)
    return client.js.publish(subject, data, { msgID, headers: h, timeout: PUBLISH_TIMEOUT_MS, retries: PUBLISH_RETRIES })
  }

  const statusOf = async (record: RideRecord): Promise<RideStatusReply> => {
    const stored = await client.jsm.streams.getMessage(STREAMS.results, { last_by_subj: subjects.orderDecision(record.market, record.orderId) })
    const base = { ok: true as const, orderId: record.orderId, market: record.market, acceptedAt: record.acceptedAt }
    if (stored !== null) {
      const decoded = decodeDecision(stored.data)
      if (Result.isSuccess(decoded)) {
        return { ...base, status: decoded.success.type === "order.matched" ? "matched" : "unmatched", decision: decoded.success }
      }
    }
    return { ...base, status: record.cancelledAt === undefined ? "pending" : "cancelling" }
  }

  return {
    "ride-request": async (request, traceparent, lane) => {
      const market = catalog.marketOf(request.pickup.lat, request.pickup.lng)
      if (market === undefined) return intakeFailure("outside_market", "the pickup is outside every market", "pickup")
      const accepted = (record: RideRecord, duplicate: boolean) =>
        ({ ok: true, orderId: record.orderId, market: record.market, status: "pending", acceptedAt: record.acceptedAt, acceptedBy: record.acceptedBy, duplicate }) as const
      const existing = await readRecord(request.orderId)
      if (existing !== undefined) return accepted(existing, true)
      const order = { v: WIRE_VERSION, type: "order.requested", market: market.id, ...request } as const
      await publish(subjects.orderRequested(market.id), encodeMessage(order), request.orderId, traceparent, lane)
      const record: RideRecord = { orderId: request.orderId, riderId: request.riderId, market: market.id, acceptedAt: now(), acceptedBy }
      try {
        await rides.create(kvKeys.ride(request.orderId), JSON.stringify(record))
        return accepted(record, false)
      } catch (e) {
        if (!isConflict(e)) throw e
        const winner = await readRecord(request.orderId)
        return winner === undefined ? accepted(record, true) : accepted(winner, true)
      }
    },
    "ride-cancel": async (request, traceparent, lane) => {
      const record = await readOwnRecord(request.orderId, request.riderId)
      if (record === undefined) return intakeFailure("not_found", `no ride ${JSON.stringify(request.orderId)}`, "orderId")
      const current = await statusOf(record)
      if (current.status === "matched" || current.status === "unmatched") return current
      const cancel = { v: WIRE_VERSION, type: "order.cancelled", orderId: request.orderId, market: record.market, at: request.at, reason: request.reason } as const
      // One cancel per order: its own msgID, distinct from the request's.
      await publish(subjects.orderCancelled(record.market), encodeMessage(cancel), `cancel:${request.orderId}`, traceparent, lane)
      if (record.cancelledAt === undefined) await rides.put(kvKeys.ride(request.orderId), JSON.stringify({ ...record, cancelledAt: request.at }))
      return { ...current, status: "cancelling" }
    },
    "ride-status": async (request) => {
      const record = await readOwnRecord(request.orderId, request.riderId)
      return record === undefined ? intakeFailure("not_found", `no ride ${JSON.stringify(request.orderId)}`, "orderId") : statusOf(record)
    },
    "driver-state": async (request) => {
      const market = catalog.marketOf(request.lat, request.lng)
      if (market === undefined) return intakeFailure("outside_market", "the position is outside every market", "lat")
      const state = { v: WIRE_VERSION, type: "driver.state", market: market.id, ...request } as const
      await drivers.put(kvKeys.driver(market.id, request.driverId), encodeMessage(state))
      return { ok: true, driverId: request.driverId, market: market.id }
    }
  }
}

const decoders = Object.fromEntries(
  INTAKE_OPERATIONS.map((op) => [op, Schema.decodeUnknownResult(INTAKE_SCHEMAS[op].request as Schema.ConstraintDecoder<unknown>)])
) as Record<IntakeOperation, (input: unknown) => Result.Result<unknown, Schema.SchemaError>>

const textDecoder = new TextDecoder()

const isOperation = (s: string): s is IntakeOperation => (INTAKE_OPERATIONS as ReadonlyArray<string>).includes(s)

export type IntakeOutcome = "ok" | "invalid" | "error"

/**
 * Decodes one request's bytes, runs it, and returns the reply's JSON. Never throws: junk is an
 * `invalid` reply naming the field, a NATS failure an `internal` one (which the gateway counts
 * as a failure of this region and fails over).
 */
export const answerIntake = async (intake: Intake, operation: string, data: Uint8Array, traceparent?: string, lane?: string): Promise<{ readonly reply: string; readonly outcome: IntakeOutcome }> => {
  const invalid = (message: string, path?: string) => ({ reply: JSON.stringify(intakeFailure("invalid", message, path)), outcome: "invalid" as const })
  if (!isOperation(operation)) return invalid(`unknown operation ${JSON.stringify(operation)}; expected one of ${INTAKE_OPERATIONS.join(", ")}`)
  if (data.byteLength > MAX_PAYLOAD_BYTES) return invalid(`request is ${data.byteLength} bytes; the limit is ${MAX_PAYLOAD_BYTES}`, "$")
  let json: unknown
  try {
    json = JSON.parse(textDecoder.decode(data))
  } catch {
    return invalid("request is not JSON", "$")
  }
  const decoded = decoders[operation](json)
  if (Result.isFailure(decoded)) {
    const first = fieldProblems(decoded.failure)[0]
    return invalid(first?.message ?? "invalid request", first?.path ?? "$")
  }
  try {
    const reply = await (intake[operation] as (r: unknown, t?: string, l?: string) => Promise<IntakeReply<IntakeOperation>>)(decoded.success, traceparent, lane)
    return { reply: JSON.stringify(reply), outcome: reply.ok ? "ok" : "invalid" }
  } catch (e) {
    return { reply: JSON.stringify(intakeFailure("internal", e instanceof Error ? e.message : String(e))), outcome: "error" }
  }
}

export interface RegionIntakeOptions {
  readonly client: NatsClient
  readonly catalog: MarketCatalog
  readonly region: string
  /**
   * The lane this instance serves (`dispatch engine --lane`; default main): a lane intake
   * answers only `dispatch.rpc.<region>.lane.<lane>.*`, in its own queue group, and the main
   * intake only `dispatch.rpc.<region>.*` (docs/balancer.md, "Lanes").
   */
  readonly lane?: string | undefined
  readonly metrics?: Pick<EngineMetrics, "intakeRequests"> | undefined
}

/** The queue group a region's engines of one lane share: `intake-<region>` for main, `intake-<region>-lane-<lane>` else. */
export const intakeQueue = (region: string, lane: string = MAIN_LANE) => (lane === MAIN_LANE ? `intake-${region}` : `intake-${region}-lane-${lane}`)

/** Answers the region's intake requests until the scope closes (then drains the subscription). */
export const runRegionIntake = (options: RegionIntakeOptions): Effect.Effect<void, JetStreamError, Scope.Scope> =>
  Effect.gen(function*() {
    const { client, region, metrics } = options
    const lane = options.lane ?? MAIN_LANE
    const subject = lane === MAIN_LANE ? subjects.regionRpcAll(region) : subjects.laneRpcAll(region, lane)
    const queue = intakeQueue(region, lane)
    const intake = yield* Effect.tryPromise({
      try: () => makeIntake(client, options.catalog),
      catch: (e) => new JetStreamError({ operation: "open intake buckets", detail: e instanceof Error ? e.message : String(e) })
    })
    const prefixLength = subject.length - 1
    const onMessage = (msg: Msg) => {
      const operation = msg.subject.slice(prefixLength)
      const known = isOperation(operation) ? operation : "unknown"
      // The request's lane (its colour) goes on: a canary request that fell back to a main
      // intake is still canary traffic; `lane` of the metric is the lane that served it.
      const requestLane = laneOf(msg.headers)
      const attributes = { "dispatch.region": region, "dispatch.operation": known, "dispatch.lane": requestLane, "dispatch.served_lane": lane }
      const { span, traceparent } = startOrderSpan(`dispatch.intake.${known}`, msg.headers?.get("traceparent") || undefined, attributes)
      void answerIntake(intake, operation, msg.data, traceparent, requestLane).then(({ reply, outcome }) => {
        span.end()
        metrics?.intakeRequests.inc({ region, lane, operation: known, outcome })
        if (msg.reply) msg.respond(reply)
      })
    }
    yield* Effect.acquireRelease(
      Effect.sync((): Subscription => client.nc.subscribe(subject, { queue, callback: (err, msg) => { if (err === null) onMessage(msg) } })),
      (sub) => Effect.promise(() => (sub.isClosed() ? Promise.resolve() : sub.drain().catch(() => sub.unsubscribe())))
    )
    yield* Effect.logInfo("region intake answering").pipe(Effect.annotateLogs({ region, lane, subject, queue }))
  })
