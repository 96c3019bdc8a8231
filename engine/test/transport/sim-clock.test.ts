/**
 * `--clock sim`: a partition owner follows clock ticks (clock-ticks.ts). Batch windows close
 * at simulation time, never on the wall clock, and a tick's ack comes after the orders and
 * driver states it names were applied and the decisions due were stored.
 */
import { Effect, Fiber, Scope } from "effect"
import { beforeAll, expect, it } from "vitest"
import { describeWithNats } from "#engine/testing"
import { encodeMessage } from "../../src/domain/codec.ts"
import { KV_BUCKETS, kvKeys, subjects } from "../../src/domain/subjects.ts"
import { GreatCircleEta } from "../../src/eta/great-circle-eta.ts"
import { defaultDispatchSettings } from "../../src/pipeline/dispatcher.ts"
import type { NatsClient } from "../../src/transport/nats/connection.ts"
import { useNatsSuite } from "./nats-suite.ts"
import { ownPartition } from "../../src/transport/nats/nats-partition.ts"
import { ensureStreamsAndBuckets } from "../../src/transport/nats/setup.ts"
import { catalog, driver, metrics, order, sf } from "../pipeline/fixtures.ts"

const T0 = Date.UTC(2008, 4, 31, 17, 0, 0)

describeWithNats("engine on a simulation clock", () => {
  const suite = useNatsSuite("sim-clock-test")
  const run = suite.run
  let client: NatsClient
  beforeAll(async () => {
    client = suite.client()
    await run(ensureStreamsAndBuckets(client))
  })

  it("closes batch windows at simulation time and acks a tick once its inputs are decided", async () => {
    const decisions: Array<{ orderId: string; type: string; decidedAt: number; driverId?: string }> = []
    client.nc.subscribe(subjects.marketDecisions("sf"), { callback: (_e, m) => void decisions.push(m.json()) })
    const kv = await client.kvm.open(KV_BUCKETS.drivers)
    const owner = Effect.runFork(Scope.provide(ownPartition({
      client, catalog, market: sf, eta: GreatCircleEta.forMarket(sf), metrics: metrics(), clock: "sim",
      dispatch: { ...defaultDispatchSettings("batch"), batchWindowMs: 2_000 },
      partition: { capacity: 100, overload: "backpressure", keepAliveMs: 10_000, decisionMemoryMs: 600_000 },
      consumer: { maxAckPending: 100, ackWaitMs: 30_000, pullBatch: 100 }
    }), suite.scope))
    const tick = async (at: number, ordersSeq: number, driversRevision: number, closeWindows = true) => {
      const reply = await client.nc.request(subjects.clock("sf"), encodeJson({ v: 1, type: "clock.tick", market: "sf", at, ordersSeq, driversRevision, closeWindows }), { timeout: 10_000 })
      return reply.json<{ type: string; at: number }>()
    }
    // The owner answers ticks once it consumes; wait for the first answer.
    await expect.poll(() => tick(T0, 0, 0).then((r) => r.type, () => "none"), { timeout: 10_000, interval: 200 }).toBe("clock.ack")

    const revision = await kv.put(kvKeys.driver("sf", "d1"), encodeMessage(driver("d1", 100, "available", T0)))
    expect(await tick(T0, 0, revision, false)).toEqual({ v: 1, type: "clock.ack", market: "sf", at: T0, nextDeadline: null })
    const ack = await client.js.publish(subjects.orderRequested("sf"), encodeMessage(order("o1", T0, 60_000)), { msgID: "o1" })
    await tick(T0, ack.seq, revision)
    expect(decisions).toEqual([]) // the window is open until T0 + 2 s of simulation time

    await new Promise((r) => setTimeout(r, 2_500)) // wall time passes; the window does not close
    expect(decisions).toEqual([])
    await tick(T0 + 1_999, ack.seq, revision)
    expect(decisions).toEqual([])

    await tick(T0 + 2_000, ack.seq, revision)
    expect(decisions).toMatchObject([{ orderId: "o1", type: "order.matched", driverId: "d1", decidedAt: T0 + 2_000 }])

    // A tick that cannot be decoded is answered, not ignored.
    const bad = await client.nc.request(subjects.clock("sf"), encodeJson({ v: 1, type: "clock.tick", market: "sf" }), { timeout: 5_000 })
    expect(bad.json<{ type: string }>().type).toBe("clock.error")
    await Effect.runPromise(Fiber.interrupt(owner))
  }, 30_000)
})

const encodeJson = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))
