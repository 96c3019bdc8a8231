/**
 * `dispatch engine --clock sim`: a partition follows a simulator's clock. Ticks are core NATS
 * requests on `dispatch.<market>.clock` (docs/simulator.md, "NATS mode"):
 `ClockTick`, answered by a `ClockAck` (domain/messages.ts)
 * whose `nextDeadline` is when a batch window next closes (`Dispatcher.nextDeadline`), only once
 * (1) the clock reads `at` (orders handled from then on are handled at `at`),
 * (2) the driver feed applied KV revision >= `driversRevision`,
 * (3) the matcher handled every ORDERS message of the market up to stream sequence `ordersSeq`,
 * (4) unless `closeWindows` is false: sleeps due by `at` completed and every batch window due
 *     by `at` closed (`Dispatcher.tick`),
 * (5) every decision published so far got its PubAck.
 * A tick that cannot be decoded, or is for another market, is answered `ClockError`.
 */
import { Effect, Result, type Scope } from "effect"
import type { Dispatcher } from "../../pipeline/dispatcher.ts"
import type { Partition } from "../../pipeline/partition.ts"
import type { SimClock } from "../../pipeline/sim-clock.ts"
import { encodeMessage, makeDecoder } from "../../domain/codec.ts"
import { type ClockAck, type ClockTick, WIRE_VERSION } from "../../domain/messages.ts"
import { subjects } from "../../domain/subjects.ts"
import type { NatsClient } from "./connection.ts"

const decodeClockTick = makeDecoder(["clock.tick"])

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
  const answer = async (tick: ClockTick): Promise<ClockAck> => {
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
    return { v: WIRE_VERSION, type: "clock.ack", market, at: tick.at, nextDeadline: dispatcher.nextDeadline ?? null }
  }
  return Effect.acquireRelease(
    Effect.sync(() =>
      client.nc.subscribe(subjects.clock(market), {
        callback: (error, message) => {
          if (error !== null) return
          const refuse = (detail: string) => void message.respond(encodeMessage({ v: WIRE_VERSION, type: "clock.error", market, detail }))
          const decoded = decodeClockTick(message.data)
          if (Result.isFailure(decoded)) return refuse(`${decoded.failure.path}: ${decoded.failure.detail}`)
          const tick = decoded.success
          if (tick.market !== market) return refuse(`tick for market ${tick.market}`)
          chain = chain.then(() => answer(tick)).then((reply) => void message.respond(encodeMessage(reply)), () => undefined)
        }
      })
    ),
    (subscription) => Effect.sync(() => subscription.unsubscribe())
  ).pipe(Effect.asVoid)
}
