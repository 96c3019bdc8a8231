/**
 * The driver feed across a nats-server restart (issue 15, D1), as the issue reproduced it: one
 * engine process on its own nats-server with a file store; 100 drivers available downtown;
 * nats-server SIGKILLed, down for 3 or 5 s, restarted on the same store; meanwhile every one
 * of those drivers goes `offline` and new drivers come `available` (writes issued during the
 * outage land as it ends; more follow right after it); then orders, more than there are
 * available drivers.
 *
 * Before the fix every order went to a driver whose latest state was `offline` (the index was
 * frozen at the outage for 35-95 s) and `/readyz` said ready. Now: while NATS is down the
 * engine says `drivers: stale` (readyz 503, `dispatch_driver_feed_stale` 1, the lag growing);
 * after it, the index has every update, so no order goes to a driver that is not available
 * and every new driver is used.
 */
import { expect, it } from "vitest"
import { describeWithNats } from "#engine/testing"
import type { DriverState } from "../../src/domain/messages.ts"
import { driverState, orderRequested, pointIn, sleep, waitUntil } from "./client.ts"
import { EngineProcess, metricValue } from "./engine-process.ts"
import { useFreshWorld } from "./world.ts"

const OLD_DRIVERS = 100
/** New drivers whose `available` is written during the outage, and right after it. */
const NEW_DURING = 25
const NEW_AFTER = 25
/** More orders than available drivers, so that a driver the index missed would show. */
const ORDERS = 60
/** The orders no driver can take wait (greedy keeps them open) this long, then expire. */
const ORDER_WAIT_MS = 5_000
/** The requirement: every KV update in the index about 2 s after NATS is back. */
const CONVERGENCE_MS = 2_000
/** Long enough that the lease outlives the outage: this test is about the feed, not a takeover. */
const LEASE_TTL_MS = 30_000

interface Readyz {
  readonly ready: boolean
  readonly drivers?: string
}

describeWithNats("driver feed across a nats-server restart (engine process, file store)", () => {
  const freshWorld = useFreshWorld()

  it.each([3_000, 5_000])("outage of %i ms: orders never go to a driver whose latest state is not available, new drivers are used", async (outageMs) => {
    const { server, client, random } = await freshWorld(31 + outageMs, OLD_DRIVERS)
    const engine = await EngineProcess.start({ natsUrl: server.url, instanceId: "only", leaseTtlMs: LEASE_TTL_MS })
    const readyz = async (): Promise<Readyz & { status: number }> => {
      const response = await engine.get("/readyz")
      return { status: response.status, ...((await response.json()) as Readyz) }
    }
    expect(await readyz()).toMatchObject({ status: 200, ready: true, drivers: "current" })

    await server.kill()
    const downAt = Date.now()
    // Issued while the server is down: the client retries each until it is stored.
    const latest = new Map<string, DriverState>()
    const states = (ids: ReadonlyArray<string>, status: DriverState["status"]) =>
      ids.map((id) => {
        const s = driverState(id, Date.now(), pointIn(random), status)
        latest.set(id, s)
        return s
      })
    const duringOutage = client.putDrivers([
      ...states(Array.from({ length: OLD_DRIVERS }, (_, i) => `d${i}`), "offline"),
      ...states(Array.from({ length: NEW_DURING }, (_, i) => `n${i}`), "available")
    ])

    // While NATS is down the engine says so: not ready, drivers stale, the lag growing.
    expect(await waitUntil(async () => (await readyz()).drivers === "stale", outageMs - 500, 50)).toBe(true)
    const down = await readyz()
    expect(down).toMatchObject({ status: 503, ready: false, drivers: "stale" })
    await sleep(Math.max(0, outageMs - (Date.now() - downAt)))
    const metricsDown = await engine.metricsText()
    expect(metricValue(metricsDown, "dispatch_driver_feed_stale", { market: "sf" })).toBe(1)
    expect(metricValue(metricsDown, "dispatch_driver_feed_lag_seconds", { market: "sf" })).toBeGreaterThan(0)

    await server.restart()
    const upAt = Date.now()
    await duringOutage
    // Right after the outage: more drivers come online.
    await client.putDrivers(states(Array.from({ length: NEW_AFTER }, (_, i) => `n${NEW_DURING + i}`), "available"))
    const writtenAt = Date.now()
    await sleep(CONVERGENCE_MS)

    const ids = Array.from({ length: ORDERS }, (_, i) => `outage-${outageMs}-${i}`)
    await client.publishOrders(ids.map((id) => ({ order: orderRequested(id, Date.now(), pointIn(random), ORDER_WAIT_MS) })))
    const records = await client.awaitDecisions(ids, 60_000)
    const decisions = records.map((r) => r.decision)
    const matched = decisions.flatMap((d) => (d.type === "order.matched" ? [d.driverId] : []))
    const notAvailable = matched.filter((id) => latest.get(id)?.status !== "available")
    const newUsed = new Set(matched.filter((id) => id.startsWith("n")))
    const unmatched = decisions.flatMap((d) => (d.type === "order.unmatched" ? [d.reason] : []))
    const reasons: Record<string, number> = {}
    for (const r of unmatched) reasons[r] = (reasons[r] ?? 0) + 1
    const recovered = engine.logsWith("driver feed current").at(-1)
    console.log(
      `[driver feed, outage ${outageMs} ms] decisions=${decisions.length} matched=${matched.length} toNotAvailable=${notAvailable.length} ` +
        `newDriversUsed=${newUsed.size}/${NEW_DURING + NEW_AFTER} unmatched=${JSON.stringify(reasons)} ` +
        `writesDoneAfterRestartMs=${writtenAt - upAt} feedCurrentAfterRestartMs=${recovered === undefined ? "never" : recovered.at - upAt} ` +
        `staleMs=${String(recovered?.annotations["staleMs"])}`
    )
    expect(decisions.length).toBe(ORDERS)
    expect(notAvailable).toEqual([])
    expect(newUsed.size).toBe(NEW_DURING + NEW_AFTER) // every new driver, each once
    expect(matched.length).toBe(NEW_DURING + NEW_AFTER)
    expect(unmatched.length).toBe(ORDERS - NEW_DURING - NEW_AFTER)
    expect(unmatched.every((r) => r === "expired" || r === "no_supply")).toBe(true)

    const up = await readyz()
    expect(up).toMatchObject({ status: 200, ready: true, drivers: "current" })
    expect(metricValue(await engine.metricsText(), "dispatch_driver_feed_stale", { market: "sf" })).toBe(0)
    expect(engine.logsWith("driver feed stale: holding orders").length).toBeGreaterThan(0)
  }, 120_000)
})
