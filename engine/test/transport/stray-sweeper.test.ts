/**
 * Order events on the subject of a market no engine serves end in the DLQ, not forgotten in
 * ORDERS: swept once (a second pass moves nothing), the served market's orders untouched, and
 * a market another engine consumes (its durable consumer exists) left to that engine.
 */
import { AckPolicy } from "@nats-io/jetstream"
import { Effect } from "effect"
import { beforeAll, expect, it } from "vitest"
import { describeWithNats } from "#engine/testing"
import { loadMarketCatalog, SHIPPED_MARKET_FILES } from "../../src/domain/market-files.ts"
import { consumerName, STREAMS } from "../../src/domain/subjects.ts"
import { ensureStreamsAndBuckets } from "../../src/transport/nats/setup.ts"
import { sweepStrays } from "../../src/transport/nats/stray-sweeper.ts"
import { useNatsSuite } from "./nats-suite.ts"

describeWithNats("stray order subjects", () => {
  const suite = useNatsSuite("stray-sweeper-test")
  const storedOn = async (subject: string) =>
    ((await suite.client().jsm.streams.info(STREAMS.orders, { subjects_filter: subject })).state.subjects as Record<string, number> | undefined)?.[subject] ?? 0

  beforeAll(async () => {
    await suite.run(ensureStreamsAndBuckets(suite.client()))
  })

  it("moves them to the DLQ with the reason and the original subject, once", async () => {
    const { js, jsm } = suite.client()
    const catalog = await Effect.runPromise(loadMarketCatalog(SHIPPED_MARKET_FILES))
    for (let i = 0; i < 3; i++) await js.publish("dispatch.mars.order.requested", JSON.stringify({ v: 1, type: "order.requested", orderId: `m${i}` }))
    await js.publish("dispatch.mars.order.cancelled", "not even JSON")
    await js.publish("dispatch.sf.order.requested", JSON.stringify({ v: 1, type: "order.requested", orderId: "s1" }))
    await js.publish("dispatch.la.order.requested", JSON.stringify({ v: 1, type: "order.requested", orderId: "l1" }))
    // Another engine (with a catalog that has `la`) consumes la.
    await jsm.consumers.add(STREAMS.orders, { durable_name: consumerName("la"), filter_subject: "dispatch.la.order.>", ack_policy: AckPolicy.Explicit })

    expect(await Effect.runPromise(sweepStrays(suite.client(), catalog))).toBe(4)
    expect(await Effect.runPromise(sweepStrays(suite.client(), catalog))).toBe(0)

    expect(await storedOn("dispatch.mars.order.requested")).toBe(0)
    expect(await storedOn("dispatch.mars.order.cancelled")).toBe(0)
    expect(await storedOn("dispatch.sf.order.requested")).toBe(1)
    expect(await storedOn("dispatch.la.order.requested")).toBe(1)

    const dlq = await jsm.streams.info(STREAMS.dlq, { subjects_filter: "dispatch.dlq.*" })
    expect(dlq.state.subjects).toEqual({ "dispatch.dlq.mars": 4 })
    const letters = await Promise.all([0, 1, 2, 3].map(async (i) => (await jsm.streams.getMessage(STREAMS.dlq, { seq: dlq.state.first_seq + i }))!.json<{ reason: string; subject: string; payload: string }>()))
    expect(letters.every((l) => l.reason === "unknown_market")).toBe(true)
    expect(letters.map((l) => l.subject).sort()).toEqual(["dispatch.mars.order.cancelled", ...Array(3).fill("dispatch.mars.order.requested")])
    expect(letters.map((l) => l.payload)).toContain("not even JSON")
  })
})
