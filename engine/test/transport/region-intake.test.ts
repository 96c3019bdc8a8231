/**
 * The region intake on a real nats-server: what the gateway's requests find on
 * `dispatch.rpc.<region>.*`. Junk never throws and is answered `invalid` with the field;
 * a ride request is stored once however often it is retried; status tells pending, decided
 * and unknown apart; cancel and driver updates land where the engine reads them.
 */
import fc from "fast-check"
import { Effect } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { describeWithNats } from "#engine/testing"
import { encodeMessage } from "../../src/domain/codec.ts"
import { loadMarketCatalog, SHIPPED_MARKET_FILES } from "../../src/domain/market-files.ts"
import { KV_BUCKETS, kvKeys, STREAMS, subjects } from "../../src/domain/subjects.ts"
import { publishDecision } from "../../src/transport/nats/publisher.ts"
import { runRegionIntake } from "../../src/transport/nats/region-intake.ts"
import { ensureStreamsAndBuckets } from "../../src/transport/nats/setup.ts"
import { useNatsSuite } from "./nats-suite.ts"

const PICKUP = { lat: 37.78, lng: -122.41 }
const rideRequest = (orderId: string) => ({ orderId, riderId: "rider", pickup: PICKUP, dropoff: PICKUP, requestedAt: 1_000, maxWaitMs: 60_000 })

describeWithNats("region intake", () => {
  const suite = useNatsSuite("region-intake-test")
  const ask = async (operation: string, body: unknown) => {
    const data = typeof body === "string" ? body : JSON.stringify(body)
    const reply = await suite.client().nc.request(subjects.regionRpc("test-region", operation), data, { timeout: 5_000 })
    return reply.json() as { ok: boolean; error?: { code: string; message: string; path?: string }; [k: string]: unknown }
  }

  /** Messages ORDERS holds on one subject (`subjects_filter` fills `state.subjects`, not `messages`). */
  const storedOn = async (subject: string) =>
    ((await suite.client().jsm.streams.info(STREAMS.orders, { subjects_filter: subject })).state.subjects as Record<string, number> | undefined)?.[subject] ?? 0

  beforeAll(async () => {
    // In the suite's scope: the intake answers until the file's tests are done.
    await suite.run(Effect.gen(function*() {
      yield* ensureStreamsAndBuckets(suite.client())
      const catalog = yield* loadMarketCatalog(SHIPPED_MARKET_FILES)
      yield* runRegionIntake({ client: suite.client(), catalog, region: "test-region" })
    }))
  })

  describe("answers", () => {
    it("junk with `invalid` and the field, never an exception", async () => {
      expect(await ask("ride-request", "{not json")).toMatchObject({ ok: false, error: { code: "invalid", path: "$" } })
      expect(await ask("ride-request", { ...rideRequest("o"), pickup: { lat: 91, lng: 0 } })).toMatchObject({ ok: false, error: { code: "invalid", path: "pickup.lat" } })
      expect(await ask("no-such-op", {})).toMatchObject({ ok: false, error: { code: "invalid" } })
      await fc.assert(fc.asyncProperty(fc.constantFrom("ride-request", "ride-cancel", "ride-status", "driver-state"), fc.jsonValue(), async (op, junk) => {
        const reply = await ask(op, JSON.stringify(junk))
        expect(reply.ok).toBe(false)
        expect(["invalid", "not_found"]).toContain(reply.error?.code)
      }), { numRuns: 100 })
    })

    it("a retried ride request with the same order once, the first answer each time", async () => {
      const replies = await Promise.all(Array.from({ length: 6 }, () => ask("ride-request", rideRequest("o.*>1"))))
      const first = replies.find((r) => r["duplicate"] === false)
      expect(replies.filter((r) => r["duplicate"] === false)).toHaveLength(1)
      for (const r of replies) expect({ ...r, duplicate: false }).toEqual(first)
      expect(await storedOn(subjects.orderRequested("sf"))).toBe(1)
    })

    it("status: unknown -> not_found, accepted -> pending, decided -> the decision", async () => {
      expect(await ask("ride-status", { orderId: "never" })).toMatchObject({ ok: false, error: { code: "not_found", path: "orderId" } })
      await ask("ride-request", rideRequest("o-2"))
      expect(await ask("ride-status", { orderId: "o-2" })).toMatchObject({ ok: true, status: "pending", market: "sf" })
      await publishDecision(suite.client(), { v: 1, type: "order.unmatched", orderId: "o-2", market: "sf", reason: "no_supply", decidedAt: 2_000 }, undefined)
      expect(await ask("ride-status", { orderId: "o-2" })).toMatchObject({ ok: true, status: "unmatched", decision: { reason: "no_supply" } })
    })

    it("cancel publishes order.cancelled once and reports cancelling", async () => {
      await ask("ride-request", rideRequest("o-3"))
      const a = await ask("ride-cancel", { orderId: "o-3", reason: "rider", at: 3_000 })
      const b = await ask("ride-cancel", { orderId: "o-3", reason: "rider", at: 3_001 })
      expect(a).toMatchObject({ ok: true, status: "cancelling" })
      expect(b).toMatchObject({ ok: true, status: "cancelling" })
      expect(await storedOn(subjects.orderCancelled("sf"))).toBe(1)
    })

    it("status and cancel on behalf of a rider: another rider's ride is not_found, word for word, and is not cancelled", async () => {
      await ask("ride-request", rideRequest("o-4"))
      const unknown = await ask("ride-status", { orderId: "o-none", riderId: "intruder" })
      const read = await ask("ride-status", { orderId: "o-4", riderId: "intruder" })
      const cancel = await ask("ride-cancel", { orderId: "o-4", riderId: "intruder", reason: "rider", at: 4_000 })
      for (const r of [read, cancel]) expect(r).toEqual({ ok: false, error: { ...unknown.error, message: unknown.error?.message.replace("o-none", "o-4") } })
      expect(await storedOn(subjects.orderCancelled("sf"))).toBe(1) // o-3's only
      expect(await ask("ride-status", { orderId: "o-4", riderId: "rider" })).toMatchObject({ ok: true, status: "pending" })
      expect(await ask("ride-cancel", { orderId: "o-4", riderId: "rider", reason: "rider", at: 4_001 })).toMatchObject({ ok: true, status: "cancelling" })
    })

    it("driver state into KV drivers under its market; outside every market is refused", async () => {
      expect(await ask("driver-state", { driverId: "d-1", ...PICKUP, status: "available", at: 5 })).toEqual({ ok: true, driverId: "d-1", market: "sf" })
      const kv = await suite.client().kvm.open(KV_BUCKETS.drivers)
      expect((await kv.get(kvKeys.driver("sf", "d-1")))?.string()).toBe(new TextDecoder().decode(encodeMessage({ v: 1, type: "driver.state", market: "sf", driverId: "d-1", ...PICKUP, status: "available", at: 5 })))
      expect(await ask("driver-state", { driverId: "d-2", lat: 0, lng: 0, status: "available", at: 5 })).toMatchObject({ ok: false, error: { code: "outside_market" } })
      expect(await ask("driver-state", { driverId: "d.>", ...PICKUP, status: "available", at: 5 })).toMatchObject({ ok: false, error: { code: "invalid", path: "driverId" } })
    })
  })
})
