/**
 * Traffic lanes through the whole chain, against a real nats-server: us-west has a main intake
 * and a `canary` lane intake (each with its own request counter, so the test sees which
 * instance answered). Requests with `x-dispatch-lane: canary` (or drawn by a lane share) reach
 * only the canary intake; with it stopped they fall back to the main intake (counted
 * `dispatch_lane_fallbacks_total`, never a breaker failure); the lane travels in the
 * `Dispatch-Lane` header to the ORDERS messages and, through a real `dispatch engine --lane
 * canary` process that owns the market, to the decision on RESULTS.
 */
import { LANE_HEADER, STREAMS, subjects } from "#engine"
import { describeWithNats, startEngineChild, type EngineChild } from "#engine/testing"
import { Counter } from "prom-client"
import { afterAll, beforeAll, expect, it } from "vitest"
import { tableOf } from "../support/region-config.ts"
import { REGIONS, useGatewayWorld, type IntakeCounter } from "../support/gateway-world.ts"

const PICKUP = { lat: 37.78, lng: -122.41 }
const RIDES = 20

const counter = (): IntakeCounter => new Counter({ name: "dispatch_intake_requests_total", help: "test", labelNames: ["region", "lane", "operation", "outcome"], registers: [] })

/** Ride requests an intake answered. */
const rideRequests = async (c: IntakeCounter) =>
  (await c.get()).values.filter((v) => v.labels["operation"] === "ride-request").reduce((sum, v) => sum + v.value, 0)

describeWithNats("traffic lanes: gateway -> lane intake -> ORDERS -> decision", () => {
  const world = useGatewayWorld()
  const main = counter()
  const canary = counter()
  let stopCanary: () => Promise<void> = async () => {}
  let engine: EngineChild | undefined

  beforeAll(async () => {
    // us-west's main intake is replaced by one that counts; the canary lane is opened with a 0 % share (header only).
    await world.stopRegion("us-west")
    await world.startIntake("us-west", { counter: main })
    stopCanary = await world.startIntake("us-west", { lane: "canary", counter: canary })
    await world.regions().set(tableOf(REGIONS, {}, [], { "us-west": { canary: 0 } }))
  }, 30_000)

  afterAll(async () => {
    await engine?.stop()
  }, 30_000)

  const ride = (rider: string, headers: Record<string, string> = {}) =>
    world.request("POST", "/v1/rides", { riderId: rider, pickup: PICKUP, dropoff: PICKUP, maxWaitMs: 1_000 }, { "x-region": "us-west", ...headers })

  const rides = async (tag: string, headers: Record<string, string> = {}) => {
    const ids: Array<string> = []
    for (let i = 0; i < RIDES; i++) {
      const r = await ride(`${tag}-${i}`, headers)
      expect(r.status, JSON.stringify(r.json)).toBe(201)
      ids.push(r.json.orderId)
    }
    return ids
  }

  /** The `Dispatch-Lane` header of each stored `order.requested` of `ids` (absent: main). */
  const orderLanes = async (ids: ReadonlyArray<string>) => {
    const jsm = world.client().jsm
    const info = await jsm.streams.info(STREAMS.orders)
    const lanes = new Map<string, string | undefined>()
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(STREAMS.orders, { seq })
      const orderId = m?.json<{ orderId: string }>().orderId
      if (orderId !== undefined && ids.includes(orderId)) lanes.set(orderId, m!.header.get(LANE_HEADER) || undefined)
    }
    return ids.map((id) => lanes.get(id) ?? "main")
  }

  const metric = async (name: "laneFallbacks" | "balancerRequests") =>
    (await world.gateway().metrics.metrics[name].get()).values.map((v) => ({ labels: v.labels as Record<string, string | number | undefined>, value: v.value }))

  it("canary requests reach only the canary intake, main ones only main; the lane is on the stored orders", async () => {
    const canaryIds = await rides("lane-canary", { "x-dispatch-lane": "canary" })
    expect(await rideRequests(canary)).toBe(RIDES)
    expect(await rideRequests(main)).toBe(0)

    const mainIds = await rides("lane-main")
    const explicitMain = await rides("lane-explicit-main", { "x-dispatch-lane": "main" })
    expect(await rideRequests(canary)).toBe(RIDES)
    expect(await rideRequests(main)).toBe(2 * RIDES)

    expect(await orderLanes(canaryIds)).toEqual(canaryIds.map(() => "canary"))
    expect(await orderLanes([...mainIds, ...explicitMain])).toEqual([...mainIds, ...explicitMain].map(() => "main"))
    const ok = (await metric("balancerRequests")).filter((m) => m.labels["outcome"] === "ok" && m.labels["target"] === "us-west")
    expect(ok.find((m) => m.labels["lane"] === "canary")?.value).toBe(RIDES)
    expect(ok.find((m) => m.labels["lane"] === "main")?.value).toBe(2 * RIDES)
    expect(await metric("laneFallbacks")).toEqual([])
  }, 60_000)

  it("a lane share sends requests without the header down the lane", async () => {
    await world.regions().set(tableOf(REGIONS, {}, [], { "us-west": { canary: 100 } }))
    try {
      const before = { canary: await rideRequests(canary), main: await rideRequests(main) }
      const ids = await rides("lane-share")
      expect(await rideRequests(canary) - before.canary).toBe(RIDES)
      expect(await rideRequests(main) - before.main).toBe(0)
      expect(await orderLanes(ids)).toEqual(ids.map(() => "canary"))
      // The header still wins over the share.
      await rides("lane-share-main", { "x-dispatch-lane": "main" })
      expect(await rideRequests(main) - before.main).toBe(RIDES)
    } finally {
      await world.regions().set(tableOf(REGIONS, {}, [], { "us-west": { canary: 0 } }))
    }
  }, 60_000)

  it("a bad or unknown lane header is a 400 naming it", async () => {
    const bad = await ride("lane-bad", { "x-dispatch-lane": "can.ary" })
    expect(bad.status).toBe(400)
    expect(bad.json.error).toMatchObject({ code: "invalid", path: "x-dispatch-lane" })
    expect(bad.json.error.message).toMatch(/letters, digits/)
    const unknown = await ride("lane-unknown", { "x-dispatch-lane": "blue" })
    expect(unknown.status).toBe(400)
    expect(unknown.json.error).toMatchObject({ code: "unknown_lane", path: "x-dispatch-lane" })
    expect(unknown.json.error.message).toContain("known: main, canary")
  })

  it("with no canary intake up, canary requests fall back to main: counted, colour kept, no breaker failure", async () => {
    await stopCanary()
    const before = { canary: await rideRequests(canary), main: await rideRequests(main) }
    const ids = await rides("lane-fallback", { "x-dispatch-lane": "canary" })
    expect(await rideRequests(canary)).toBe(before.canary)
    expect(await rideRequests(main) - before.main).toBe(RIDES)
    expect(await orderLanes(ids)).toEqual(ids.map(() => "canary"))
    expect(await metric("laneFallbacks")).toEqual([{ labels: { caller: "us-west", target: "us-west", lane: "canary" }, value: RIDES }])
    const failures = (await metric("balancerRequests")).filter((m) => m.labels["outcome"] !== "ok")
    expect(failures).toEqual([])
  }, 60_000)

  it("a `dispatch engine --lane canary` answers the lane, and the decision carries the lane", async () => {
    const before = await rideRequests(main)
    engine = await startEngineChild(world.server().url, { args: ["--region", "us-west", "--lane", "canary", "--policy", "greedy-once"] })
    const fallbacks = (await metric("laneFallbacks"))[0]?.value ?? 0
    const canaryRide = await ride("lane-engine", { "x-dispatch-lane": "canary" })
    expect(canaryRide.status).toBe(201)
    const mainRide = await ride("lane-engine-main")
    expect(mainRide.status).toBe(201)
    // The engine process answered the canary request: not main, and no fallback.
    expect(await rideRequests(main) - before).toBe(1)
    expect((await metric("laneFallbacks"))[0]?.value ?? 0).toBe(fallbacks)

    const decisionOf = async (orderId: string) => {
      for (;;) {
        const stored = await world.client().jsm.streams.getMessage(STREAMS.results, { last_by_subj: subjects.orderDecision("sf", orderId) }).catch(() => null)
        if (stored !== null) return stored
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    const canaryDecision = await decisionOf(canaryRide.json.orderId)
    expect(canaryDecision.json<{ type: string }>().type).toBe("order.unmatched")
    expect(canaryDecision.header.get(LANE_HEADER)).toBe("canary")
    const mainDecision = await decisionOf(mainRide.json.orderId)
    expect(mainDecision.header.get(LANE_HEADER)).toBe("")
  }, 120_000)
})

describeWithNats("traffic lanes: a canary gateway (--lane canary)", () => {
  const world = useGatewayWorld({ lane: "canary" })
  const main = counter()
  const canary = counter()

  beforeAll(async () => {
    await world.stopRegion("us-west")
    await world.startIntake("us-west", { counter: main })
    await world.startIntake("us-west", { lane: "canary", counter: canary })
  }, 30_000)

  it("puts requests without the header in its lane; the header still picks main", async () => {
    for (let i = 0; i < 5; i++) expect((await world.request("POST", "/v1/rides", { riderId: `gw-${i}`, pickup: PICKUP, dropoff: PICKUP }, { "x-region": "us-west" })).status).toBe(201)
    expect(await rideRequests(canary)).toBe(5)
    expect(await rideRequests(main)).toBe(0)
    expect((await world.request("POST", "/v1/rides", { riderId: "gw-main", pickup: PICKUP, dropoff: PICKUP }, { "x-region": "us-west", "x-dispatch-lane": "main" })).status).toBe(201)
    expect(await rideRequests(main)).toBe(1)
  }, 60_000)
})
