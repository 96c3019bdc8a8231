/**
 * Order events published on the subject of a market no engine serves
 * (`dispatch.<unknown>.order.*`) match ORDERS' subjects, so JetStream stores them, but no
 * partition consumes them: left alone they would wait unseen until the stream's max age. The
 * sweeper moves them to the DLQ (reason `unknown_market`, the original subject and payload)
 * and purges them from ORDERS, so every order event ends where it can be inspected.
 *
 * A market is stray only if it is not in this engine's catalog AND has no durable consumer
 * (`engine-<market>`): an engine with another catalog may serve it, and then its consumer
 * exists. Every engine sweeps; that is safe: a dead letter is published with
 * `Nats-Msg-Id` = `stray-<stream sequence>` (the DLQ's duplicate window keeps one copy), and
 * the purge removes only the sequences already swept.
 */
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream"
import { Duration, Effect, Schedule } from "effect"
import { encodeMessage } from "../../domain/codec.ts"
import type { MarketCatalog } from "../../domain/market-catalog.ts"
import { consumerName, STREAMS, subjects } from "../../domain/subjects.ts"
import type { EngineMetrics } from "../../observability/metrics.ts"
import { deadLetter } from "../../pipeline/intake.ts"
import type { NatsClient } from "./connection.ts"
import { JetStreamError } from "./errors.ts"

/** How often ORDERS is looked at for stray subjects. */
export const STRAY_SWEEP_INTERVAL = Duration.seconds(10)
/** Messages moved per subject and pass (the rest go on the next pass). */
const SWEEP_BATCH = 1_000
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/
/** Where dead letters of a subject whose market token is not a valid market id go. */
const UNROUTED = "unrouted"

const isNotFound = (e: unknown) => e instanceof JetStreamApiError && e.code === JetStreamApiCodes.ConsumerNotFound

const hasConsumer = async (client: NatsClient, market: string): Promise<boolean> => {
  if (!TOKEN.test(market)) return false
  try {
    await client.jsm.consumers.info(STREAMS.orders, consumerName(market))
    return true
  } catch (e) {
    if (isNotFound(e)) return false
    throw e
  }
}

/** The stray subjects of ORDERS now, with how many messages each holds. */
const straySubjects = async (client: NatsClient, catalog: MarketCatalog): Promise<Array<readonly [string, string]>> => {
  const info = await client.jsm.streams.info(STREAMS.orders, { subjects_filter: "dispatch.*.order.>" })
  const out: Array<readonly [string, string]> = []
  for (const subject of Object.keys((info.state.subjects ?? {}) as Record<string, number>)) {
    const market = subject.split(".")[1] ?? ""
    if (catalog.get(market) === undefined && !(await hasConsumer(client, market))) out.push([subject, market])
  }
  return out
}

/** Moves up to SWEEP_BATCH messages of one stray subject to the DLQ, then purges them. */
const sweepSubject = async (client: NatsClient, subject: string, market: string, now: () => number): Promise<number> => {
  const consumer = await client.js.consumers.get(STREAMS.orders, { filter_subjects: subject })
  const batch = await consumer.fetch({ max_messages: SWEEP_BATCH, expires: 2_000 })
  const dlqMarket = TOKEN.test(market) ? market : UNROUTED
  let last = 0
  let moved = 0
  for await (const m of batch) {
    const letter = deadLetter(m.subject, "unknown_market", `market: "${market}" has no engine (no durable consumer ${TOKEN.test(market) ? consumerName(market) : "possible"})`, m.data, now())
    await client.js.publish(subjects.deadLetter(dlqMarket), encodeMessage(letter), { msgID: `stray-${m.seq}` })
    last = m.seq
    moved++
    if (moved >= SWEEP_BATCH) break
  }
  await consumer.delete().catch(() => undefined)
  if (last > 0) await client.jsm.streams.purge(STREAMS.orders, { filter: subject, seq: last + 1 })
  return moved
}

/** One pass over ORDERS: every stray message seen is in the DLQ and gone from ORDERS. */
export const sweepStrays = (client: NatsClient, catalog: MarketCatalog, metrics?: Pick<EngineMetrics, "deadLetters">) =>
  Effect.tryPromise({
    try: async () => {
      let moved = 0
      for (const [subject, market] of await straySubjects(client, catalog)) {
        const n = await sweepSubject(client, subject, market, Date.now)
        metrics?.deadLetters.inc({ market: TOKEN.test(market) ? market : UNROUTED, reason: "unknown_market" }, n)
        moved += n
      }
      return moved
    },
    catch: (e) => new JetStreamError({ operation: "sweep stray order subjects", detail: e instanceof Error ? e.message : String(e) })
  })

/** Sweeps every STRAY_SWEEP_INTERVAL for the life of the scope; a failed pass is logged and tried again next time. */
export const runStraySweeper = (client: NatsClient, catalog: MarketCatalog, metrics: Pick<EngineMetrics, "deadLetters">) =>
  Effect.forkScoped(
    sweepStrays(client, catalog, metrics).pipe(
      Effect.tap((moved) => moved > 0 ? Effect.logWarning("stray order events moved to the DLQ").pipe(Effect.annotateLogs({ moved, reason: "unknown_market" })) : Effect.void),
      Effect.catch((e) => Effect.logWarning("stray sweep failed; retrying next pass").pipe(Effect.annotateLogs({ error: e.detail }))),
      Effect.repeat(Schedule.spaced(STRAY_SWEEP_INTERVAL))
    )
  )
