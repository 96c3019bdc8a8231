/**
 * Overload against the engine process: a queue of 50 (`--queue-capacity 50`) and more than
 * ten times as many orders, most of them a backlog waiting in ORDERS before the engine starts,
 * the rest published while it drains. `dispatch_queue_depth` is scraped from /metrics every
 * few milliseconds throughout.
 *
 * Both overload policies: the queue never holds more than its capacity and every order gets
 * exactly one outcome; `shed` answers some `unmatched: overloaded` at once, `backpressure`
 * none (JetStream holds the surplus instead).
 */
import { expect, it } from "vitest"
import { describeWithNats } from "#engine/testing"
import { audit, newTraceparent, orderRequested, pointIn, sleep, summary } from "./client.ts"
import { EngineProcess, metricValue } from "./engine-process.ts"
import { useFreshWorld } from "./world.ts"

const CAPACITY = 50
const BACKLOG = 1_500
const LIVE = 500
const DRIVERS = 2_500

describeWithNats("engine under overload (separate process, real NATS)", () => {
  const freshWorld = useFreshWorld()

  const run = async (overload: "backpressure" | "shed", seed: number) => {
    const { server, client, random } = await freshWorld(seed, DRIVERS)
    const traceIds = new Map<string, string>()
    const orders = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => {
        const orderId = `${prefix}-${i}`
        const { traceId, traceparent } = newTraceparent()
        traceIds.set(orderId, traceId)
        return { order: orderRequested(orderId, Date.now(), pointIn(random)), traceparent }
      })
    await client.publishOrders(orders("backlog", BACKLOG))

    // Start, and scrape from the moment the status port is up (before it consumes anything).
    const engine = await EngineProcess.start({ natsUrl: server.url, queueCapacity: CAPACITY, overload, waitFor: "listening" })
    const depths: Array<number> = []
    let capacity: number | undefined
    let scraping = true
    const scraper = (async () => {
      while (scraping) {
        const text = await engine.metricsText().catch(() => "")
        const depth = metricValue(text, "dispatch_queue_depth", { market: "sf" })
        if (depth !== undefined) depths.push(depth)
        capacity ??= metricValue(text, "dispatch_queue_capacity", { market: "sf" })
        await sleep(2)
      }
    })()
    await client.publishOrders(orders("live", LIVE), 50)
    const ids = [...traceIds.keys()]
    const records = await client.awaitDecisions(ids, 60_000)
    scraping = false
    await scraper

    const a = audit(ids, records, traceIds)
    const maxDepth = Math.max(...depths)
    console.log(summary(`overload ${overload}`, a, { capacity: CAPACITY, scrapes: depths.length, maxQueueDepth: maxDepth, nonZeroScrapes: depths.filter((d) => d > 0).length }))
    expect(capacity).toBe(CAPACITY)
    expect(depths.length).toBeGreaterThan(10)
    expect(maxDepth).toBeLessThanOrEqual(CAPACITY)
    expect(depths.some((d) => d > 0)).toBe(true) // the gauge shows the load (it once read 0 throughout)
    expect(a.decisions).toBe(BACKLOG + LIVE)
    expect(a.lost).toBe(0)
    expect(a.duplicates).toBe(0)
    expect(a.doubleAssigned).toBe(0)
    expect(a.traceMismatches).toBe(0)
    expect(engine.running).toBe(true)
    return a
  }

  it("backpressure: queue within capacity, one outcome per order, nothing shed", async () => {
    const a = await run("backpressure", 31)
    expect(a.unmatched["overloaded"] ?? 0).toBe(0)
    expect(a.matched).toBe(BACKLOG + LIVE) // more drivers than orders: everyone waits, everyone gets one
  })

  it("shed: queue within capacity, one outcome per order, the surplus answered overloaded", async () => {
    const a = await run("shed", 32)
    expect(a.unmatched["overloaded"] ?? 0).toBeGreaterThan(0)
    expect(a.matched + (a.unmatched["overloaded"] ?? 0)).toBe(BACKLOG + LIVE)
  })
})
