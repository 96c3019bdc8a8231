/**
 * One trace per order across every hop: a client's `traceparent` on `POST /v1/rides` -> the
 * gateway's span -> the region intake's span (over a NATS request) -> the engine's span (from
 * the ORDERS message's header) -> the decision's `traceparent` on RESULTS. The gateway and the
 * intakes run in this process and export to an in-memory exporter; the engine is a real
 * `dispatch engine` process exporting over OTLP (its standard environment) to a test receiver.
 */
import { describeWithNats, OtlpReceiver, startEngineChild, type EngineChild } from "#engine/testing"
import { installTracerProvider, subjects } from "#engine"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace"
import { Effect, Exit, Scope } from "effect"
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, expect, it } from "vitest"
import { useGatewayWorld } from "../support/gateway-world.ts"

describeWithNats("traces across gateway, intake, engine and decision", () => {
  const world = useGatewayWorld()
  const exporter = new InMemorySpanExporter()
  const scope = Effect.runSync(Scope.make())
  let receiver: OtlpReceiver
  let engine: EngineChild

  beforeAll(async () => {
    await Effect.runPromise(Scope.provide(installTracerProvider("dispatch-api-test", [new SimpleSpanProcessor({ exporter })]), scope))
    receiver = await OtlpReceiver.start()
    // Its own intake answers a region no request names: the world's in-process intakes take them all.
    engine = await startEngineChild(world.server().url, {
      args: ["--region", "elsewhere"],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: "100" }
    })
  }, 60_000)

  afterAll(async () => {
    await engine.stop()
    await receiver.close()
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }, 30_000)

  it("the client's trace continues through every hop", async () => {
    const driver = await world.request("PUT", "/v1/drivers/trace-d1/state", { lat: 37.7749, lng: -122.4194, status: "available" })
    expect(driver.status).toBe(200)
    const traceId = randomBytes(16).toString("hex"), clientSpan = randomBytes(8).toString("hex")
    const decided = new Promise<{ traceparent: string | undefined; type: string }>((resolve) => {
      const sub = world.client().nc.subscribe(subjects.marketDecisions("sf"), {
        callback: (_e, m) => {
          sub.unsubscribe()
          resolve({ traceparent: m.headers?.get("traceparent"), type: m.json<{ type: string }>().type })
        }
      })
    })
    const ride = await world.request("POST", "/v1/rides", { riderId: "trace-r1", pickup: { lat: 37.775, lng: -122.419 }, dropoff: { lat: 37.79, lng: -122.4 } }, { traceparent: `00-${traceId}-${clientSpan}-01` })
    expect(ride.status).toBe(201)
    const decision = await decided
    expect(decision.type).toBe("order.matched")

    const local = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId)
    const gateway = local.find((s) => s.name === "dispatch.gateway.ride-request")
    const intake = local.find((s) => s.name === "dispatch.intake.ride-request")
    expect(gateway?.parentSpanContext?.spanId, "gateway span under the client's").toBe(clientSpan)
    expect(intake?.parentSpanContext?.spanId, "intake span under the gateway's").toBe(gateway!.spanContext().spanId)

    const deadline = Date.now() + 15_000
    while (!receiver.spans.some((s) => s.traceId === traceId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    const order = receiver.spans.find((s) => s.traceId === traceId && s.name === "dispatch.order")
    expect(order?.service).toBe("dispatch-engine")
    expect(order?.parentSpanId, "engine span under the intake's").toBe(intake!.spanContext().spanId)
    expect(decision.traceparent, "the decision carries the engine's span").toBe(`00-${traceId}-${order!.spanId}-01`)
  }, 60_000)
})
