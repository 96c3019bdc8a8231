import { assert, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { describe } from "vitest"
import type { Decision } from "../../src/domain/messages.ts"
import type { InboundMessage } from "../../src/pipeline/inbound.ts"
import { makePartition, type OverloadPolicy } from "../../src/pipeline/partition.ts"
import { MemoryBus } from "../../src/transport/memory/memory-bus.ts"
import { cancel, catalog, dispatcher, driver, metrics, order } from "./fixtures.ts"
import type { Dispatcher } from "../../src/pipeline/dispatcher.ts"

/** Lets promise callbacks (publish -> ack) run. */
const settle = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

const setup = (d: Dispatcher, capacity = 64, overload: OverloadPolicy = "backpressure") =>
  Effect.gen(function*() {
    const bus = new MemoryBus()
    const partition = yield* makePartition({
      dispatcher: d,
      catalog,
      ports: bus.ports,
      settings: { capacity, overload, keepAliveMs: 10_000, decisionMemoryMs: 600_000 },
      metrics: metrics()
    })
    bus.deliver = partition.deliver
    return { bus, partition }
  })

/**
 * JetStream's `max_ack_pending` in front of a partition: at most `limit` messages delivered and
 * not yet settled (acked, nak'ed, terminated); the rest wait in the stream, in order.
 */
const maxAckPending = (limit: number, deliver: (message: InboundMessage) => void) => {
  const stream: Array<InboundMessage> = []
  let outstanding = 0
  const pump = () => {
    while (outstanding < limit && stream.length > 0) {
      const m = stream.shift()!
      outstanding++
      let settled = false
      const settle = () => {
        if (settled) return
        settled = true
        outstanding--
        queueMicrotask(pump)
      }
      deliver({ ...m, ack: () => (m.ack(), settle()), nak: (ms) => (m.nak(ms), settle()), term: () => (m.term(), settle()), working: () => m.working() })
    }
  }
  return {
    publish: (message: InboundMessage) => {
      stream.push(message)
      pump()
    },
    get outstanding() {
      return outstanding
    },
    get waiting() {
      return stream.length
    }
  }
}

const reasons = (decisions: Iterable<Decision>) =>
  [...decisions].map((d) => (d.type === "order.matched" ? `matched ${d.driverId}` : `unmatched ${d.reason}`))

describe("partition pipeline", () => {
  it.effect("greedy-once: decides each order at once, never reuses a driver, acks every input", () =>
    Effect.gen(function*() {
      const d = dispatcher("greedy-once")
      for (const [id, m] of [["a", 100], ["b", 900], ["c", 4_000]] as const) d.driverState(driver(id, m))
      const { bus, partition } = yield* setup(d)
      yield* Effect.forkScoped(partition.run)
      for (const id of ["o1", "o2", "o3", "o4"]) bus.publishEvent(order(id))
      yield* TestClock.adjust("1 millis")
      yield* settle
      assert.deepStrictEqual(reasons(bus.decisions.values()), ["matched a", "matched b", "matched c", "unmatched no_supply"])
      assert.strictEqual(bus.unsettled, 0)
    }))

  it.effect("batch: holds orders until the window closes, then decides them all", () =>
    Effect.gen(function*() {
      const d = dispatcher("batch", { batchWindowMs: 2_000 })
      d.driverState(driver("a", 0))
      d.driverState(driver("b", 3_000))
      const { bus, partition } = yield* setup(d)
      yield* Effect.forkScoped(partition.run)
      bus.publishEvent(order("far", 0, 60_000, 2_900))
      bus.publishEvent(order("close", 0, 60_000, 100))
      yield* TestClock.adjust("1999 millis")
      yield* settle
      assert.strictEqual(bus.decisions.size, 0)
      assert.strictEqual(bus.unsettled, 2) // held, not acked
      yield* TestClock.adjust("1 millis")
      yield* settle
      // Greedy in arrival order would give "far" driver b and "close" driver a; so does the optimum here.
      assert.deepStrictEqual(reasons([bus.decisions.get("far")!, bus.decisions.get("close")!]), ["matched b", "matched a"])
      assert.strictEqual(bus.unsettled, 0)
    }))

  it.effect("batch: an order with no driver carries over and expires at its deadline", () =>
    Effect.gen(function*() {
      const d = dispatcher("batch", { batchWindowMs: 1_000 })
      const { bus, partition } = yield* setup(d)
      yield* Effect.forkScoped(partition.run)
      bus.publishEvent(order("lonely", 0, 4_500))
      for (let t = 0; t < 4; t++) {
        yield* TestClock.adjust("1000 millis")
        yield* settle
        assert.strictEqual(bus.decisions.size, 0, `still open after ${t + 1} s`)
      }
      yield* TestClock.adjust("1000 millis")
      yield* settle
      assert.deepStrictEqual(reasons(bus.decisions.values()), ["unmatched expired"])
      assert.strictEqual(bus.decisions.get("lonely")!.decidedAt, 5_000)
    }))

  it.effect("greedy: an order with no driver waits unacked, takes a driver freed in range at the next offer, oldest first", () =>
    Effect.gen(function*() {
      const d = dispatcher("greedy", { batchWindowMs: 1_000 })
      d.driverState(driver("a", 100))
      const { bus, partition } = yield* setup(d)
      yield* Effect.forkScoped(partition.run)
      for (const id of ["o1", "o2", "o3"]) bus.publishEvent(order(id))
      yield* TestClock.adjust("1 millis")
      yield* settle
      assert.deepStrictEqual(reasons(bus.decisions.values()), ["matched a"])
      assert.strictEqual(bus.unsettled, 2) // o2, o3 wait for supply, held
      d.driverState(driver("b", 300, "available", 500))
      yield* TestClock.adjust("1000 millis")
      yield* settle
      assert.deepStrictEqual(reasons([bus.decisions.get("o2")!]), ["matched b"])
      assert.isUndefined(bus.decisions.get("o3"))
      // A new order finds o3 first in line for the next driver freed.
      d.driverState(driver("c", 200, "available", 1_500))
      bus.publishEvent(order("o4", 1_600))
      yield* settle
      assert.deepStrictEqual(reasons([bus.decisions.get("o3")!]), ["matched c"])
      assert.isUndefined(bus.decisions.get("o4"))
      assert.strictEqual(bus.unsettled, 1)
    }))

  it.effect("greedy: a waiting order nothing frees is answered expired at its deadline, not no_supply", () =>
    Effect.gen(function*() {
      const d = dispatcher("greedy", { batchWindowMs: 1_000 })
      d.driverState(driver("far", 40_000))
      const { bus, partition } = yield* setup(d)
      yield* Effect.forkScoped(partition.run)
      bus.publishEvent(order("lonely", 0, 2_500))
      yield* TestClock.adjust("2000 millis")
      yield* settle
      assert.strictEqual(bus.decisions.size, 0)
      // The far driver moves, still out of range: offered again, still nothing.
      d.driverState(driver("far", 39_000, "available", 2_100))
      yield* TestClock.adjust("1000 millis")
      yield* settle
      assert.deepStrictEqual(reasons(bus.decisions.values()), ["unmatched expired"])
      assert.strictEqual(bus.unsettled, 0)
    }))

  it.effect("a cancellation before the decision wins, and frees nothing it did not take", () =>
    Effect.gen(function*() {
      const d = dispatcher("batch", { batchWindowMs: 2_000 })
      d.driverState(driver("a", 0))
      const { bus, partition } = yield* setup(d)
      yield* Effect.forkScoped(partition.run)
      bus.publishEvent(order("o1"))
      yield* TestClock.adjust("500 millis")
      bus.publishEvent(cancel("o1", 500))
      bus.publishEvent(order("o2"))
      yield* TestClock.adjust("1500 millis")
      yield* settle
      assert.deepStrictEqual(reasons([bus.decisions.get("o1")!, bus.decisions.get("o2")!]), ["unmatched cancelled", "matched a"])
      bus.publishEvent(cancel("o2", 2_100)) // after the decision: no-op, acked
      yield* TestClock.adjust("1 millis")
      yield* settle
      assert.deepStrictEqual(reasons([bus.decisions.get("o2")!]), ["matched a"])
      assert.strictEqual(bus.unsettled, 0)
    }))

  it.effect("batch without supply: waiting orders leave slots free, so a cancellation is honoured at once (no stall until expiry)", () =>
    Effect.gen(function*() {
      // max_ack_pending = capacity = 8. Before the carry-over had a bound, the first 8 orders
      // (no driver anywhere) were held unacked until their deadline, 10 minutes away: no slot
      // was left, so neither the later orders nor the cancellation reached the engine.
      const d = dispatcher("batch", { batchWindowMs: 1_000 })
      const { bus, partition } = yield* setup(d, 8, "backpressure")
      const jetstream = maxAckPending(8, partition.deliver)
      bus.deliver = jetstream.publish
      yield* Effect.forkScoped(partition.run)
      for (let i = 0; i < 30; i++) bus.publishEvent(order(`o${i}`, 0, 600_000))
      bus.publishEvent(cancel("o0", 0))
      for (let t = 0; t < 5 && !bus.decisions.has("o0"); t++) {
        yield* TestClock.adjust("100 millis")
        yield* settle
      }
      assert.deepStrictEqual(reasons([bus.decisions.get("o0")!]), ["unmatched cancelled"])
      assert.isAtMost(bus.decisions.get("o0")!.decidedAt, 500)
      assert.strictEqual(jetstream.waiting, 0) // everything was delivered
      // Held (window + carry-over) stays within 3/4 of the slots: 6 of 8 here, 3 carried at most.
      assert.isAtMost(d.heldOrders.window + d.heldOrders.carried, 6)
      // The oldest stay carried for supply; the newest were turned away, each once.
      const carried = [...Array(30).keys()].map((i) => `o${i}`).filter((id) => !bus.decisions.has(id))
      assert.deepStrictEqual(carried, ["o1", "o2"])
      assert.isTrue([...bus.decisions.values()].filter((x) => x.orderId !== "o0").every((x) => x.type === "order.unmatched" && x.reason === "no_supply"))
      assert.strictEqual(bus.unsettled, 2) // the two carried orders, still unacked: a crash loses nothing
      // A cancellation of a carried order also wins, and supply then serves the oldest first.
      bus.publishEvent(cancel("o2", 600))
      yield* TestClock.adjust("100 millis")
      yield* settle
      assert.deepStrictEqual(reasons([bus.decisions.get("o2")!]), ["unmatched cancelled"])
      d.driverState(driver("a", 0))
      yield* TestClock.adjust("1000 millis")
      yield* settle
      assert.deepStrictEqual(reasons([bus.decisions.get("o1")!]), ["matched a"])
      assert.strictEqual(bus.unsettled, 0)
      assert.strictEqual(bus.decisions.size, 30)
    }))

  it.effect("batch carry-over bound: a full carry-over turns the newest away as no_supply; carried orders still expire at their deadline", () =>
    Effect.gen(function*() {
      const d = dispatcher("batch", { batchWindowMs: 1_000, batchMaxOrders: 4, batchCarryOverMax: 3 })
      const { bus, partition } = yield* setup(d, 64)
      yield* Effect.forkScoped(partition.run)
      for (let i = 0; i < 4; i++) bus.publishEvent(order(`a${i}`, 0, 5_000))
      yield* TestClock.adjust("1 millis")
      yield* settle
      // One window of 4 (closed by count), no driver: 3 carried, the newest turned away.
      assert.deepStrictEqual([...bus.decisions.keys()], ["a3"])
      assert.deepStrictEqual(reasons(bus.decisions.values()), ["unmatched no_supply"])
      assert.deepStrictEqual(d.heldOrders, { window: 0, carried: 3 })
      for (let i = 0; i < 2; i++) bus.publishEvent(order(`b${i}`, 1, 60_000))
      yield* TestClock.adjust("1000 millis")
      yield* settle
      // The window closed by time: 3 carried + 2 new, 3 kept (the oldest), 2 turned away.
      assert.deepStrictEqual(reasons([bus.decisions.get("b0")!, bus.decisions.get("b1")!]), ["unmatched no_supply", "unmatched no_supply"])
      assert.deepStrictEqual(d.heldOrders, { window: 0, carried: 3 })
      for (let t = 0; t < 5; t++) {
        yield* TestClock.adjust("1000 millis")
        yield* settle
      }
      assert.deepStrictEqual(reasons(["a0", "a1", "a2"].map((id) => bus.decisions.get(id)!)), ["unmatched expired", "unmatched expired", "unmatched expired"])
      assert.strictEqual(bus.unsettled, 0)
    }))

  it.effect("a repeated order yields its first decision again, stored once", () =>
    Effect.gen(function*() {
      const d = dispatcher("greedy")
      d.driverState(driver("a", 0))
      d.driverState(driver("b", 100))
      const { bus, partition } = yield* setup(d)
      yield* Effect.forkScoped(partition.run)
      bus.publishEvent(order("o1"))
      yield* TestClock.adjust("1 millis")
      bus.publishEvent(order("o1"))
      yield* TestClock.adjust("1 millis")
      yield* settle
      assert.deepStrictEqual(reasons(bus.decisions.values()), ["matched a"])
      assert.strictEqual(d.index.get("b")?.status, "available") // the repeat took no second driver
      assert.strictEqual(bus.unsettled, 0)
    }))

  it.effect("shed: a full queue answers overloaded at once; the queue never exceeds its capacity", () =>
    Effect.gen(function*() {
      const d = dispatcher("greedy")
      for (let i = 0; i < 50; i++) d.driverState(driver(`d${i}`, i * 10))
      const { bus, partition } = yield* setup(d, 4, "shed")
      for (let i = 0; i < 40; i++) bus.publishEvent(order(`o${i}`))
      yield* settle
      assert.strictEqual(partition.inFlight(), 4) // only the queue holds anything
      const fiber = yield* Effect.forkScoped(partition.run)
      yield* TestClock.adjust("1 millis")
      yield* settle
      const all = reasons(bus.decisions.values())
      assert.strictEqual(bus.decisions.size, 40)
      assert.strictEqual(all.filter((r) => r === "unmatched overloaded").length, 36)
      assert.strictEqual(all.filter((r) => r.startsWith("matched")).length, 4)
      assert.strictEqual(bus.unsettled, 0)
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("backpressure: a waiting producer loses nothing and never overfills the queue", () =>
    Effect.gen(function*() {
      const d = dispatcher("greedy")
      for (let i = 0; i < 100; i++) d.driverState(driver(`d${i}`, i * 10))
      const { bus, partition } = yield* setup(d, 4, "backpressure")
      let maxInFlight = 0
      bus.deliver = () => {} // the producer below enqueues itself
      const producer = yield* Effect.forkScoped(Effect.forEach(Array.from({ length: 40 }, (_, i) => i), (i) =>
        Effect.gen(function*() {
          const m = { subject: "dispatch.sf.order.requested", data: new TextEncoder().encode(JSON.stringify(order(`o${i}`))), headers: undefined, info: { deliveryCount: 1 }, ack() {}, nak() {}, term() {}, working() {} }
          yield* partition.enqueue(m)
          maxInFlight = Math.max(maxInFlight, partition.inFlight())
        }), { discard: true }))
      yield* settle
      assert.strictEqual(partition.inFlight(), 4) // producer suspended on the full queue
      yield* Effect.forkScoped(partition.run)
      for (let i = 0; i < 20 && bus.decisions.size < 40; i++) {
        yield* TestClock.adjust("1 millis")
        yield* settle
      }
      yield* Fiber.join(producer)
      assert.strictEqual(bus.decisions.size, 40)
      assert.isTrue(reasons(bus.decisions.values()).every((r) => r.startsWith("matched")))
      assert.isAtMost(maxInFlight, 4 + 256)
    }))

  it.effect("bad input goes to the DLQ with its reason, good input is decided, nothing crashes", () =>
    Effect.gen(function*() {
      const d = dispatcher("greedy")
      d.driverState(driver("a", 0))
      const { bus, partition } = yield* setup(d)
      yield* Effect.forkScoped(partition.run)
      const enc = (s: string) => new TextEncoder().encode(s)
      bus.publishRaw("dispatch.sf.order.requested", enc("{not json"))
      bus.publishRaw("dispatch.sf.order.requested", new Uint8Array([0xff, 0xfe]))
      bus.publishRaw("dispatch.sf.order.requested", enc(JSON.stringify({ ...order("x"), pickup: { lat: 91, lng: 0 } })))
      bus.publishRaw("dispatch.nyc.order.requested", enc(JSON.stringify({ ...order("y"), market: "nyc" })))
      bus.publishRaw("dispatch.sf.order.requested", enc(JSON.stringify({ ...order("z"), pickup: { lat: 40.7, lng: -74 } })))
      bus.publishRaw("dispatch.sf.order.whatever", enc(JSON.stringify(order("w"))))
      bus.publishEvent(order("good"))
      yield* TestClock.adjust("1 millis")
      yield* settle
      assert.deepStrictEqual(bus.deadLetters.map((l) => `${l.reason} ${l.detail.split(":")[0]}`), [
        "not_json $", "not_utf8 $", "invalid pickup.lat", "unknown_market market", "outside_market pickup", "invalid type"
      ])
      assert.strictEqual(bus.deadLetters[1]!.payloadEncoding, "base64")
      assert.deepStrictEqual(reasons(bus.decisions.values()), ["matched a"])
      assert.strictEqual(bus.unsettled, 0)
    }))

  it.effect("the decision carries the order's trace context", () =>
    Effect.gen(function*() {
      const d = dispatcher("greedy-once")
      const { bus, partition } = yield* setup(d)
      const seen: Array<string | undefined> = []
      const publish = bus.ports.publishDecision
      const ports = { ...bus.ports, publishDecision: (dec: Decision, tp: string | undefined) => (seen.push(tp), publish(dec, tp)) }
      const traced = yield* makePartition({ dispatcher: d, catalog, ports, settings: { capacity: 8, overload: "backpressure", keepAliveMs: 10_000, decisionMemoryMs: 60_000 }, metrics: metrics() })
      void partition
      bus.deliver = traced.deliver
      yield* Effect.forkScoped(traced.run)
      const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
      bus.publishEvent(order("t1"), traceparent)
      bus.publishEvent(order("t2"), "00-not-a-trace-01") // malformed: not passed on
      yield* TestClock.adjust("1 millis")
      yield* settle
      assert.deepStrictEqual(seen, [traceparent, undefined])
    }))

  it.effect("a repeated order whose decision is stored is acked without publishing it again; one whose publish failed is published again", () =>
    Effect.gen(function*() {
      const d = dispatcher("greedy-once")
      d.driverState(driver("a", 100))
      const bus = new MemoryBus()
      const published: Array<string> = []
      let failNext = false
      let hold: Promise<void> | undefined
      const ports = {
        ...bus.ports,
        publishDecision: (dec: Decision, tp: string | undefined) => {
          published.push(dec.orderId)
          if (hold !== undefined) return hold.then(() => bus.ports.publishDecision(dec, tp))
          if (failNext) {
            failNext = false
            return Promise.reject(new Error("PubAck timeout"))
          }
          return bus.ports.publishDecision(dec, tp)
        }
      }
      const m = metrics()
      const partition = yield* makePartition({ dispatcher: d, catalog, ports, settings: { capacity: 8, overload: "backpressure", keepAliveMs: 10_000, decisionMemoryMs: 600_000 }, metrics: m })
      bus.deliver = partition.deliver
      yield* Effect.forkScoped(partition.run)
      bus.publishEvent(order("stored"))
      yield* TestClock.adjust("1 millis")
      yield* settle
      // Redelivered (its ack was lost): acked, not published again.
      bus.publishEvent(order("stored"))
      yield* TestClock.adjust("1 millis")
      yield* settle
      assert.deepStrictEqual(published, ["stored"])
      assert.strictEqual(bus.unsettled, 0)
      assert.strictEqual((yield* Effect.promise(() => m.duplicateDecisions.get())).values[0]?.value, 1)
      // A publish that failed: the input is nak'ed, comes back, and the decision is published again.
      failNext = true
      bus.publishEvent(order("lost"))
      yield* TestClock.adjust("1 millis")
      yield* settle
      // The bus redelivers a nak'ed message after its delay on the real clock (500 ms).
      yield* Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 700)))
      yield* TestClock.adjust("1 millis")
      yield* settle
      assert.deepStrictEqual(published, ["stored", "lost", "lost"])
      assert.strictEqual(bus.unsettled, 0)
      assert.deepStrictEqual(reasons([bus.decisions.get("lost")!]), ["unmatched no_supply"])
      // A repeat while the publish is in flight waits for it and is settled with it.
      let release!: () => void
      hold = new Promise<void>((resolve) => (release = resolve))
      bus.publishEvent(order("slow"))
      yield* TestClock.adjust("1 millis")
      yield* settle
      bus.publishEvent(order("slow"))
      yield* TestClock.adjust("1 millis")
      yield* settle
      assert.strictEqual(bus.unsettled, 2)
      release()
      yield* settle
      assert.deepStrictEqual(published, ["stored", "lost", "lost", "slow"])
      assert.strictEqual(bus.unsettled, 0)
    }))

  describe("while the driver supply is stale", () => {
    /** A partition whose supply is current while `supply.current` says so. */
    const staleSetup = (d: Dispatcher) =>
      Effect.gen(function*() {
        const bus = new MemoryBus()
        const supply = { current: true }
        const partition = yield* makePartition({
          dispatcher: d,
          catalog,
          ports: bus.ports,
          settings: { capacity: 64, overload: "backpressure", keepAliveMs: 1_000, decisionMemoryMs: 600_000 },
          metrics: metrics(),
          supplyCurrent: () => supply.current
        })
        bus.deliver = partition.deliver
        yield* Effect.forkScoped(partition.run)
        return { bus, supply }
      })

    it.effect("greedy-once: holds orders (unacked) instead of matching on the frozen index, then decides them in order", () =>
      Effect.gen(function*() {
        const d = dispatcher("greedy-once")
        d.driverState(driver("gone", 100))
        const { bus, supply } = yield* staleSetup(d)
        supply.current = false
        bus.publishEvent(order("o1"))
        bus.publishEvent(order("o2"))
        yield* TestClock.adjust("5000 millis")
        yield* settle
        assert.strictEqual(bus.decisions.size, 0) // "gone" looks available, but the index cannot be trusted
        assert.strictEqual(bus.unsettled, 2)
        // The updates the feed was missing arrive, then it is current again.
        d.driverState(driver("gone", 100, "offline"))
        d.driverState(driver("new", 200))
        supply.current = true
        yield* TestClock.adjust("100 millis")
        yield* settle
        assert.deepStrictEqual(reasons([bus.decisions.get("o1")!, bus.decisions.get("o2")!]), ["matched new", "unmatched no_supply"])
        assert.strictEqual(bus.unsettled, 0)
      }))

    it.effect("an order whose wait runs out while held is answered expired; a cancellation is answered at once", () =>
      Effect.gen(function*() {
        const d = dispatcher("greedy")
        d.driverState(driver("a", 100))
        const { bus, supply } = yield* staleSetup(d)
        supply.current = false
        bus.publishEvent(order("short", 0, 2_000))
        bus.publishEvent(order("long", 0, 60_000))
        bus.publishEvent(order("gone", 0, 60_000))
        bus.publishEvent(cancel("gone", 10))
        yield* TestClock.adjust("1 millis")
        yield* settle
        assert.deepStrictEqual(reasons(bus.decisions.values()), ["unmatched cancelled"])
        yield* TestClock.adjust("2000 millis")
        yield* settle
        assert.deepStrictEqual(reasons([bus.decisions.get("short")!]), ["unmatched expired"])
        assert.strictEqual(bus.decisions.get("short")!.decidedAt, 2_001)
        assert.isUndefined(bus.decisions.get("long"))
        supply.current = true
        yield* TestClock.adjust("100 millis")
        yield* settle
        assert.deepStrictEqual(reasons([bus.decisions.get("long")!]), ["matched a"])
        assert.strictEqual(bus.unsettled, 0)
      }))

    it.effect("batch: no window is solved while stale; the held window is solved as soon as it is current", () =>
      Effect.gen(function*() {
        const d = dispatcher("batch", { batchWindowMs: 1_000 })
        d.driverState(driver("a", 100))
        const { bus, supply } = yield* staleSetup(d)
        supply.current = false
        bus.publishEvent(order("b1"))
        bus.publishEvent(order("b2"))
        yield* TestClock.adjust("3000 millis")
        yield* settle
        assert.strictEqual(bus.decisions.size, 0)
        d.driverState(driver("b", 300))
        supply.current = true
        yield* TestClock.adjust("100 millis")
        yield* settle
        assert.deepStrictEqual(reasons([bus.decisions.get("b1")!, bus.decisions.get("b2")!]).sort(), ["matched a", "matched b"])
        assert.strictEqual(bus.unsettled, 0)
      }))
  })
})
