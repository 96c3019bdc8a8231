/**
 * Traces as a user gets them: `dispatch engine` started with the standard
 * `OTEL_EXPORTER_OTLP_ENDPOINT` exports one span per order to a collector (here a test
 * receiver), as a child of the producer's span from the order's `traceparent` header, and the
 * decision carries that span's context onward. Without the variable no span leaves the engine
 * (and the decision still carries the producer's trace: end-to-end.test.ts).
 */
import { expect, it } from "vitest"
import { describeWithNats, OtlpReceiver } from "#engine/testing"
import { newTraceparent, orderRequested, pointIn, waitUntil } from "./client.ts"
import { EngineProcess } from "./engine-process.ts"
import { useFreshWorld } from "./world.ts"

describeWithNats("engine traces (OTLP exporter from the environment)", () => {
  const freshWorld = useFreshWorld()

  it("each order's engine span is a child of its producer's span, and its decision carries it", async () => {
    const receiver = await OtlpReceiver.start()
    try {
      const { server, client, random } = await freshWorld(7, 30)
      await EngineProcess.start({ natsUrl: server.url, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: "100" } })
      const producers = new Map<string, { traceId: string; spanId: string }>()
      const orders = Array.from({ length: 20 }, (_, i) => {
        const { traceId, traceparent } = newTraceparent()
        producers.set(`t${i}`, { traceId, spanId: traceparent.split("-")[2]! })
        return { order: orderRequested(`t${i}`, Date.now(), pointIn(random)), traceparent }
      })
      await client.publishOrders(orders)
      const records = await client.awaitDecisions([...producers.keys()], 30_000)
      expect(await waitUntil(() => receiver.spans.filter((s) => s.name === "dispatch.order").length >= producers.size, 15_000)).toBe(true)

      const spanOf = new Map(receiver.spans.filter((s) => s.name === "dispatch.order").map((s) => [s.traceId, s]))
      for (const record of records) {
        const producer = producers.get(record.decision.orderId)!
        const span = spanOf.get(producer.traceId)
        expect(span, `engine span of ${record.decision.orderId}`).toBeDefined()
        expect(span!.service).toBe("dispatch-engine")
        expect(span!.parentSpanId).toBe(producer.spanId)
        expect(record.traceparent).toBe(`00-${producer.traceId}-${span!.spanId}-01`)
      }
    } finally {
      await receiver.close()
    }
  })
})
