/**
 * The gateway on a nats-server with Dispatch's users (docs/security.md): it runs as the
 * gateway role, a region's intake as the engine role. Rides go through; the admin API's weight
 * changes are written as ops when the gateway has `--ops-nkey`, and refused (503, nothing
 * written) when it has only its own seed, since the gateway role may not write dispatch_config.
 */
import { Effect, Exit, References, Scope } from "effect"
import { afterAll, beforeAll, expect, it } from "vitest"
import { connectNats, ensureStreamsAndBuckets, KV_BUCKETS, kvKeys, loadMarketCatalog, marketFilesFromEnv, runRegionIntake, type NatsClient } from "#engine"
import { describeWithNats, LocalNatsServer } from "#engine/testing"
import { startGateway } from "../../src/main/gateway.ts"
import { NO_AUTH, REGIONS, TEST_TARGETS } from "../support/gateway-world.ts"

const TOKEN = "admin-token-for-the-auth-test"

describeWithNats("gateway with a user per role", () => {
  let server: LocalNatsServer
  let observer: NatsClient
  const urls = { withOps: "", withoutOps: "" }
  const scope = Effect.runSync(Scope.make())
  const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) =>
    Effect.runPromise(Scope.provide(effect, scope).pipe(Effect.provideService(References.MinimumLogLevel, "Warn")))

  beforeAll(async () => {
    process.env["DISPATCH_ADMIN_TOKEN"] = TOKEN
    server = await LocalNatsServer.start({ auth: true })
    const as = (role: "ops" | "engine" | "observer") => connectNats({ servers: [server.url], name: `gateway-auth-${role}`, nkeyFile: server.seedFile(role) })
    await run(as("ops").pipe(Effect.flatMap(ensureStreamsAndBuckets)))
    observer = await run(as("observer"))
    await run(Effect.gen(function*() {
      const catalog = yield* loadMarketCatalog(marketFilesFromEnv({}))
      yield* runRegionIntake({ client: yield* as("engine"), catalog, region: "us-west" })
    }))
    const gateway = (opsNkeyFile: string | undefined) =>
      run(startGateway({
        nats: { servers: [server.url], name: "gateway-under-test", nkeyFile: server.seedFile("gateway") },
        opsNkeyFile,
        host: "127.0.0.1",
        port: 0,
        regions: REGIONS,
        ownRegion: "us-west",
        marketFiles: marketFilesFromEnv({}),
        balancer: { deadlineMs: 2_000, tryTimeoutMs: 500 },
        targets: TEST_TARGETS,
        // Caller tokens are another suite's subject (caller-auth.test.ts): this one is about NATS.
        auth: NO_AUTH
      })).then((g) => g.url)
    urls.withOps = await gateway(server.seedFile("ops"))
    urls.withoutOps = await gateway(undefined)
  }, 60_000)

  afterAll(async () => {
    delete process.env["DISPATCH_ADMIN_TOKEN"]
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await server?.dispose()
  })

  const setWeights = (url: string, weights: Record<string, number>) =>
    fetch(`${url}/admin/regions/weights/us-west`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ weights, reason: "auth test" })
    })
  const storedWeights = async () => (await (await observer.kvm.open(KV_BUCKETS.config)).get(kvKeys.weights("us-west")))?.json<{ weights: Record<string, number> }>()?.weights

  it("takes a ride through the region's intake", async () => {
    const res = await fetch(`${urls.withoutOps}/v1/rides`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-region": "us-west" },
      body: JSON.stringify({ riderId: "rider-auth", pickup: { lat: 37.78, lng: -122.41 }, dropoff: { lat: 37.7, lng: -122.4 } })
    })
    expect(res.status, await res.clone().text()).toBeLessThan(300)
    expect(await res.json()).toMatchObject({ status: "pending" })
  })

  it("writes the admin API's weights as ops with --ops-nkey, and refuses them without", async () => {
    const withOps = await setWeights(urls.withOps, { "us-west": 3, "us-east": 1 })
    expect(withOps.status, await withOps.clone().text()).toBe(200)
    expect(await storedWeights()).toEqual({ "us-west": 3, "us-east": 1 })

    const withoutOps = await setWeights(urls.withoutOps, { "us-east": 1 })
    expect(withoutOps.status).toBe(503)
    expect(JSON.stringify(await withoutOps.json())).toMatch(/Permissions Violation/i)
    expect(await storedWeights(), "unchanged").toEqual({ "us-west": 3, "us-east": 1 })
  })
})
