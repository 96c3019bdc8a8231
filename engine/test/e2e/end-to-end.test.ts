/**
 * The engine as a separate process, driven by a separate client through a real nats-server:
 * drivers in KV, orders on ORDERS (each with its own trace), decisions read back from RESULTS.
 *
 * Per policy: every order gets exactly one decision in RESULTS, no driver is in two matches,
 * each decision is on the subject of its type and carries its order's trace id.
 */
import { expect, it } from "vitest"
import { describeWithNats } from "#engine/testing"
import { audit, newTraceparent, orderRequested, pointIn, summary } from "./client.ts"
import { EngineProcess } from "./engine-process.ts"
import { useFreshWorld } from "./world.ts"

describeWithNats("engine end to end (separate process, real NATS)", () => {
  const freshWorld = useFreshWorld()

  const scenario = async (policy: "greedy" | "batch", drivers: number, orders: number, seed: number) => {
    // Drivers first: the engine's rebuild reads them from KV (its log line says how many).
    const { server, client, random } = await freshWorld(seed, drivers)
    const engine = await EngineProcess.start({ natsUrl: server.url, policy, ...(policy === "batch" ? { batchWindowMs: 300 } : {}) })
    expect(engine.logsWith("partition state rebuilt")[0]?.annotations).toMatchObject({ drivers, available: drivers, reserved: 0 })

    const traceIds = new Map<string, string>()
    const batch = Array.from({ length: orders }, (_, i) => {
      const orderId = `${policy}-o${i}`
      const { traceId, traceparent } = newTraceparent()
      traceIds.set(orderId, traceId)
      // Batch carries an unmatched order from window to window until it expires: keep that short.
      return { order: orderRequested(orderId, Date.now(), pointIn(random), 5_000), traceparent }
    })
    const started = performance.now()
    await client.publishOrders(batch)
    const records = await client.awaitDecisions([...traceIds.keys()], 60_000)
    const ms = Math.round(performance.now() - started)
    const a = audit([...traceIds.keys()], records, traceIds)
    console.log(summary(`end-to-end ${policy}`, a, { traceMismatches: a.traceMismatches, ms }))

    expect(a.decisions).toBe(orders)
    expect(a.lost).toBe(0)
    expect(a.duplicates).toBe(0)
    expect(a.doubleAssigned).toBe(0)
    expect(a.wrongSubject).toBe(0)
    expect(a.traceMismatches).toBe(0)
    expect(records.every((r) => r.traceparent !== undefined)).toBe(true)
    expect(a.matched).toBeGreaterThan(0)
    for (const r of records) if (r.decision.type === "order.matched") expect(r.decision.policy).toBe(policy)
    // Any available driver can reach any pickup here, so no order goes without while one is
    // free; the rest wait (up to the waiting list's bound) and expire, or are turned away.
    if (policy === "greedy") {
      expect(a.matched).toBe(Math.min(drivers, orders))
      expect(Object.values(a.unmatched).reduce((n, k) => n + k, 0)).toBe(orders - a.matched)
      expect(Object.keys(a.unmatched).every((r) => r === "expired" || r === "no_supply")).toBe(true)
    } else {
      expect(a.matched).toBeGreaterThanOrEqual(0.95 * Math.min(drivers, orders))
      expect(Object.keys(a.unmatched).every((r) => r === "expired" || r === "no_supply")).toBe(true)
    }
    expect(engine.running).toBe(true)
    const shutdown = await engine.stop()
    expect(engine.logsWith("lease released").length).toBe(1)
    return shutdown
  }

  it("greedy: 10k orders, 3k drivers downtown: one decision each, no driver twice, traces kept", async () => {
    await scenario("greedy", 3_000, 10_000, 1)
  })

  it("batch: 2k orders, 1k drivers: one decision each, no driver twice, traces kept", async () => {
    await scenario("batch", 1_000, 2_000, 2)
  })
})
