/**
 * Chaos: three regions of engine intake behind the gateway, traffic spread by weight; one
 * region stops (its breaker opens, traffic fails over, client-visible errors stay within the
 * budget), comes back (half-open, closed, traffic returns); then every intake stops (rides are
 * answered 202 queued) and a real `dispatch engine` process decides each queued order exactly
 * once. Figures are printed.
 */
import { Effect } from "effect"
import { afterAll, expect, it } from "vitest"
import { STREAMS } from "#engine"
import { describeWithNats, startEngineChild, type EngineChild } from "#engine/testing"
import { useGatewayWorld } from "../support/gateway-world.ts"

/** Share of client requests that may fail while a region goes down (they get a 5xx). */
const ERROR_BUDGET = 0.01
const WEIGHTS = { "us-west": { "us-west": 2, "us-east": 1, "eu-central": 1 } }
const PICKUP = { lat: 37.78, lng: -122.41 }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** The admin API (served by the gateway) shows the breaker board; its token comes from the environment. */
const ADMIN_TOKEN = "chaos-test-token"
process.env["DISPATCH_ADMIN_TOKEN"] = ADMIN_TOKEN

describeWithNats("gateway failover", () => {
  const world = useGatewayWorld({ weights: WEIGHTS })
  let engine: EngineChild | undefined
  afterAll(async () => {
    await engine?.stop()
  })

  /** `n` ride requests, `concurrency` at a time; returns status counts. */
  const traffic = async (n: number, concurrency = 8, tag = "t") => {
    const statuses = new Map<number, number>()
    const orderIds: Array<string> = []
    let next = 0
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++
        const r = await world.request("POST", "/v1/rides", { riderId: `${tag}-${i}`, pickup: PICKUP, dropoff: { lat: 37.79, lng: -122.42 } })
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
        if (r.status < 300) orderIds.push(r.json.orderId)
      }
    }))
    return { statuses, orderIds }
  }

  /** Successful calls per target since the last read (from the gateway's own counter). */
  const okByTarget = (() => {
    let last = new Map<string, number>()
    return async () => {
      const values = (await world.gateway().metrics.metrics.balancerRequests.get()).values
      const now = new Map<string, number>()
      for (const v of values) if (v.labels["outcome"] === "ok") now.set(String(v.labels["target"]), (now.get(String(v.labels["target"])) ?? 0) + v.value)
      const delta = Object.fromEntries([...now].map(([t, n]) => [t, n - (last.get(t) ?? 0)]))
      last = now
      return delta as Record<string, number>
    }
  })()

  const stateOf = async (target: string) => {
    const snapshot = await Effect.runPromise(world.gateway().board.snapshot)
    return snapshot.targets.find((t) => t.target === target)!
  }

  it("spreads by weight, fails over when a region stops, and routes back when it returns", async () => {
    await okByTarget()
    const steady = await traffic(400, 8, "steady")
    const spread = await okByTarget()
    console.log("steady: statuses", Object.fromEntries(steady.statuses), "calls by target", spread)
    expect(steady.statuses.get(201)).toBe(400)
    // Weights 2:1:1 -> 200/100/100 expected; Bernstein-style slack of 60 is > 6 sigma here.
    expect(Math.abs((spread["us-west"] ?? 0) - 200)).toBeLessThan(60)
    expect(Math.abs((spread["us-east"] ?? 0) - 100)).toBeLessThan(60)

    await world.stopRegion("us-west")
    const outage = await traffic(400, 8, "outage")
    const during = await okByTarget()
    const failed = [...outage.statuses].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0)
    const westState = await stateOf("us-west")
    console.log("us-west down: statuses", Object.fromEntries(outage.statuses), "calls by target", during, `client errors ${failed}/400 (budget ${ERROR_BUDGET * 100}%)`, "us-west breaker", westState.state, "ejected until", westState.ejectedUntil)
    expect(failed / 400).toBeLessThanOrEqual(ERROR_BUDGET)
    expect(during["us-west"] ?? 0).toBe(0)
    expect(westState.state === "open" || westState.ejectedUntil !== null).toBe(true)
    const admin = await world.request("GET", "/admin/breakers", undefined, { authorization: `Bearer ${ADMIN_TOKEN}` })
    expect(admin.status).toBe(200)
    const west = (admin.json.targets as Array<{ target: string; state: string; ejectedUntil: number | null }>).find((t) => t.target === "us-west")!
    expect(west.state === "open" || west.ejectedUntil !== null).toBe(true)
    const transitions = (await world.gateway().metrics.metrics.breakerTransitions.get()).values
    expect(transitions.some((v) => v.labels["target"] === "us-west" && v.labels["to"] === "open")).toBe(true)

    await world.startRegion("us-west")
    const deadline = Date.now() + 15_000
    let back = 0
    while (Date.now() < deadline) {
      await traffic(40, 4, `recover-${Date.now()}`)
      const d = await okByTarget()
      back = d["us-west"] ?? 0
      if ((await stateOf("us-west")).state === "closed" && back > 10) break
      await sleep(200)
    }
    const recovered = await stateOf("us-west")
    const after = (await world.gateway().metrics.metrics.breakerTransitions.get()).values
      .filter((v) => v.labels["target"] === "us-west").map((v) => `${v.labels["from"]}->${v.labels["to"]} x${v.value}`)
    console.log("us-west back: breaker", recovered.state, "transitions", after, "us-west calls in the last round", back)
    expect(recovered.state).toBe("closed")
    expect(after.some((s) => s.startsWith("open->half_open"))).toBe(true)
    expect(after.some((s) => s.startsWith("half_open->closed"))).toBe(true)
    expect(back).toBeGreaterThan(0)
  }, 60_000)

  it("fails over a region that hangs (per-try timeout), within the deadline, and opens its breaker", async () => {
    await world.stopRegion("eu-central")
    // A member of eu-central's queue group that takes requests and never answers.
    const hole = world.client().nc.subscribe("dispatch.rpc.eu-central.*", { queue: "intake-eu-central", callback: () => {} })
    await world.client().nc.flush()
    await okByTarget()
    const started = performance.now()
    const hung = await traffic(120, 8, "hung")
    const seconds = (performance.now() - started) / 1000
    const by = await okByTarget()
    const timeouts = (await world.gateway().metrics.metrics.balancerRequests.get()).values
      .filter((v) => v.labels["target"] === "eu-central" && v.labels["outcome"] === "timeout").reduce((a, v) => a + v.value, 0)
    const state = await stateOf("eu-central")
    console.log("eu-central hangs: statuses", Object.fromEntries(hung.statuses), "calls by target", by, `timeouts ${timeouts}, ${seconds.toFixed(1)} s for 120 requests, eu-central breaker ${state.state}, ejected until ${state.ejectedUntil}`)
    expect(hung.statuses.get(201)).toBe(120)
    expect(timeouts).toBeGreaterThan(0)
    expect(state.state === "open" || state.ejectedUntil !== null).toBe(true)
    hole.unsubscribe()
    await world.startRegion("eu-central")
  }, 60_000)

  it("answers 202 queued with every region down, and an engine decides each queued order exactly once", async () => {
    for (const region of ["us-west", "us-east", "eu-central"]) await world.stopRegion(region)
    // Drivers first (also through the fallback: KV drivers), then rides.
    for (let i = 0; i < 40; i++) {
      const r = await world.request("PUT", `/v1/drivers/fb-${i}/state`, { lat: 37.77 + (i % 10) * 0.003, lng: -122.43 + Math.floor(i / 10) * 0.007, status: "available" })
      expect(r.status).toBe(200)
    }
    const queued = await traffic(30, 4, "queued")
    console.log("every region down: statuses", Object.fromEntries(queued.statuses))
    expect(queued.statuses.get(202)).toBe(30)
    // A retry of a queued ride with its key gets the same queued answer.
    const first = await world.request("POST", "/v1/rides", { riderId: "keyed", pickup: PICKUP, dropoff: PICKUP }, { "idempotency-key": "k" })
    const again = await world.request("POST", "/v1/rides", { riderId: "keyed", pickup: PICKUP, dropoff: PICKUP }, { "idempotency-key": "k" })
    expect(first.status).toBe(202)
    expect(again.status).toBe(202)
    expect(again.json).toEqual(first.json)
    const orderIds = [...queued.orderIds, first.json.orderId as string]

    engine = await startEngineChild(world.server().url, { args: ["--region", "us-west", "--ack-wait-ms", "2000"] })

    const decided = new Map<string, number>()
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      decided.clear()
      const consumer = await world.client().js.consumers.get(STREAMS.results)
      for (;;) {
        const m = await consumer.next({ expires: 1_000 })
        if (m === null) break
        const id = (m.json() as { orderId: string }).orderId
        decided.set(id, (decided.get(id) ?? 0) + 1)
        if (m.info.pending === 0) break
      }
      if (orderIds.every((id) => decided.has(id))) break
      await sleep(300)
    }
    const missing = orderIds.filter((id) => !decided.has(id))
    const twice = orderIds.filter((id) => (decided.get(id) ?? 0) > 1)
    console.log(`queued orders ${orderIds.length}: decided ${orderIds.length - missing.length}, missing ${missing.length}, decided twice ${twice.length}`)
    expect(missing).toEqual([])
    expect(twice).toEqual([])
    // Their status is readable through the gateway (us-west answers again: the engine runs its intake).
    const status = await world.request("GET", `/v1/rides/${encodeURIComponent(orderIds[0]!)}`)
    expect(status.status).toBe(200)
    expect(["matched", "unmatched"]).toContain(status.json.status)
  }, 90_000)
})
