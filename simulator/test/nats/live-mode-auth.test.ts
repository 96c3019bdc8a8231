/**
 * Live mode on a nats-server with Dispatch's users (`dispatch nats config`), each process with
 * its own role's seed: ops creates the streams and buckets, the engine runs as the engine, the
 * simulator as the simulator. The roles' permissions suffice for a whole replay (every trip one
 * outcome, matches made) and the server logged no permission violation.
 */
import { connectNats, ensureStreamsAndBuckets } from "#engine"
import { describeWithNats, LocalNatsServer, startEngineChild, type EngineChild } from "#engine/testing"
import { Effect } from "effect"
import { afterAll, beforeAll, expect, it } from "vitest"
import { LiveDispatchPort } from "../../src/transport/live-port.ts"
import { runRecorded } from "../runner/scenario.ts"

describeWithNats("live mode with a user per role", () => {
  let server: LocalNatsServer
  let engine: EngineChild
  const violations: Array<string> = []

  beforeAll(async () => {
    server = await LocalNatsServer.start({ auth: true, onLine: (line) => void (/Violation/i.test(line) && violations.push(line)) })
    await Effect.runPromise(Effect.scoped(connectNats({ servers: [server.url], name: "ops", nkeyFile: server.seedFile("ops") }).pipe(Effect.flatMap(ensureStreamsAndBuckets))))
    engine = await startEngineChild(server.url, { args: ["--nats-nkey", server.seedFile("engine")] })
  }, 90_000)

  afterAll(async () => {
    await engine?.stop()
    await server?.dispose()
  })

  it("replays through the engine, each trip one outcome, without a permission violation", async () => {
    const run = await Effect.runPromise(runRecorded(60, "greedy", {
      drivers: 20,
      openPort: (start) => LiveDispatchPort.open({ natsUrl: server.url, nkeyFile: server.seedFile("simulator"), market: "sf", start, speed: 300 })
    }))
    const { orders } = run.kpis
    expect(orders.requested).toBeGreaterThan(0)
    expect(orders.matched + orders.unmatched).toBe(orders.requested)
    expect(orders.matched, JSON.stringify(orders)).toBeGreaterThan(0)
    expect(violations).toEqual([])
  }, 120_000)
})
