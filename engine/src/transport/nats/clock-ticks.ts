/**
 * `dispatch engine --clock sim`: a partition follows a simulator's clock. Ticks are core NATS
 * requests on `dispatch.<market>.clock` (docs/simulator.md, "NATS mode"):
 *
 *   {"v":1,"type":"clock.tick","market":"sf","at":<epoch ms>,"ordersSeq":<n>,"driversRevision":<n>,"closeWindows":true}
 *
 * The owner replies `{"v":1,"type":"clock.ack","market":...,"at":...,"nextDeadline":<ms|null>}`
 * (`nextDeadline`: when a batch window next closes, `Dispatcher.nextDeadline`) only once
 * (1) the clock reads `at` (orders handled from then on are handled at `at`),
 * (2) the driver feed applied KV revision >= `driversRevision`,
 * (3) the matcher handled every ORDERS message of the market up to stream sequence `ordersSeq`,
 * (4) unless `closeWindows` is false: sleeps due by `at` completed and every batch window due
 *     by `at` closed (`Dispatcher.tick`),
 * (5) every decision published so far got its PubAck.
 * A tick that cannot be decoded, or is for another market, is answered `clock.error`.
 */
import { Effect, type Scope } from "effect"
import type { Dispatcher } from "../../pipeline/dispatcher.ts"
import type { Partition } from "../../pipeline/partition.ts"
import type { SimClock } from "../../pipeline/sim-clock.ts"
import { subjects } from "../../domain/subjects.ts"
import type { NatsClient } from "./connection.ts"

export interface ClockTick {
  readonly v: 1
  readonly type: "clock.tick"
  readonly market: string
  readonly at: number
  readonly ordersSeq: number
  readonly driversRevision: number
  readonly closeWindows?: boolean | undefined
}

const isCount = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x) && x >= 0

export const decodeClockTick = (data: Uint8Array): ClockTick | string => {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder().decode(data))
  } catch {
    return "not JSON"
  }
  if (typeof value !== "object" || value === null) return "not an object"
  const o = value as Record<string, unknown>
  if (o["v"] !== 1 || o["type"] !== "clock.tick") return "not a v1 clock.tick"
  if (typeof o["market"] !== "string") return "market missing"
  if (!isCount(o["at"]) || !isCount(o["ordersSeq"]) || !isCount(o["driversRevision"])) return "at, ordersSeq and driversRevision must be integers >= 0"
  if (o["closeWindows"] !== undefined && typeof o["closeWindows"] !== "boolean") return "closeWindows must be a boolean"
  return { v: 1, type: "clock.tick", market: o["market"], at: o["at"], ordersSeq: o["ordersSeq"], driversRevision: o["driversRevision"], closeWindows: o["closeWindows"] as boolean | undefined }
}

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))
// setImmediate, not setTimeout(0): a tick waits through a few turns of the event loop, and a
// timer turn costs a millisecond (NATS mode runs one or two ticks per simulation event).
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Answers the market's ticks until the scope closes. */
export const answerClockTicks = (options: {
  readonly client: NatsClient
  readonly market: string
  readonly clock: SimClock
  readonly dispatcher: Dispatcher
  readonly partition: Partition
  readonly driversRevision: () => number
}): Effect.Effect<void, never, Scope.Scope> => {
  const { client, market, clock, dispatcher, partition } = options
  const until = async (done: () => boolean) => {
    while (!done()) await nextTurn()
  }
  // One tick at a time, in arrival order: a simulator waits for each ack anyway.
  let chain: Promise<void> = Promise.resolve()
  const answer = async (tick: ClockTick): Promise<unknown> => {
    clock.setTime(tick.at)
    await until(() => options.driversRevision() >= tick.driversRevision)
    await until(() => partition.handledSequence() >= tick.ordersSeq)
    if (tick.closeWindows !== false) {
      clock.release(tick.at)
      await until(() => {
        const deadline = dispatcher.nextDeadline
        return deadline === undefined || deadline > tick.at
      })
    }
    await until(() => partition.publishesInFlight() === 0)
    return { v: 1, type: "clock.ack", market, at: tick.at, nextDeadline: dispatcher.nextDeadline ?? null }
  }
  return Effect.acquireRelease(
    Effect.sync(() =>
      client.nc.subscribe(subjects.clock(market), {
        callback: (error, message) => {
          if (error !== null) return
          const tick = decodeClockTick(message.data)
          if (typeof tick === "string" || tick.market !== market) {
            message.respond(encode({ v: 1, type: "clock.error", market, detail: typeof tick === "string" ? tick : `tick for market ${tick.market}` }))
            return
          }
          chain = chain.then(() => answer(tick)).then((reply) => void message.respond(encode(reply)), () => undefined)
        }
      })
    ),
    (subscription) => Effect.sync(() => subscription.unsubscribe())
  ).pipe(Effect.asVoid)
}
