/**
 * Rate limits end to end: a real nats-server, real region intakes, the gateway following KV
 * `dispatch_config` as `dispatch api` does, with caller authentication on. Limits are written
 * through `RegionStore` (what `dispatch regions set-limit` and rollback run) and the gateway
 * applies them live: 429 with Retry-After and the RateLimit fields once a subject's bucket for
 * the region is empty, other subjects and other regions untouched, the default for regions
 * without their own, a rollback restoring an earlier limit, and every refusal counted.
 */
import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import { expect, it } from "vitest"
import { describeWithNats } from "#engine/testing"
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from "../../src/auth/auth-settings.ts"
import { mintCallerToken } from "../../src/auth/caller-token.ts"
import { openConfigBucket } from "../../src/regions/config-bucket.ts"
import { makeRegionStore } from "../../src/regions/region-store.ts"
import { REGIONS, useGatewayWorld } from "../support/gateway-world.ts"

const SECRET = randomBytes(32)
const claims = { issuer: DEFAULT_ISSUER, audience: DEFAULT_AUDIENCE }
const riderHeaders = async (sub: string, region: string) => ({
  authorization: `Bearer ${await mintCallerToken(SECRET, { sub, role: "rider" }, { ...claims, ttlSeconds: 600 })}`,
  "x-region": region
})

/** One token per 1000 s: nothing refills while a test runs, so counts are exact. */
const SLOW = 0.001

describeWithNats("rate limits per caller and region", () => {
  const world = useGatewayWorld({ kvConfig: true, auth: { keys: { _tag: "Secret", key: SECRET, source: "secret:TEST" }, claims } })
  const store = () => Effect.runPromise(Effect.map(openConfigBucket(world.client()), (kv) => makeRegionStore(kv, REGIONS)))
  const metrics = async () => (await world.request("GET", "/metrics")).json as string

  /** Waits (up to 10 s) until the gateway shows `region`'s limit at `burst` (0: none), i.e. has applied the change. */
  const applied = async (region: string, burst: number) => {
    const line = `dispatch_region_rate_limit{region="${region}",setting="burst"} ${burst}`
    for (let i = 0; i < 200; i++) {
      const text = await metrics()
      if (burst === 0 ? !text.includes(`dispatch_region_rate_limit{region="${region}"`) : text.includes(line)) return
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error(`the gateway never applied ${line}`)
  }

  /** A status request for a ride that does not exist: the region answers 404, unless the limit answers first. */
  const status = async (sub: string, region: string) => world.request("GET", "/v1/rides/r_none", undefined, await riderHeaders(sub, region))

  it("refuses a subject's requests to a region past its burst with 429, Retry-After and the RateLimit fields", async () => {
    const s = await store()
    await Effect.runPromise(s.setLimit("us-west", { burst: 3, perSecond: SLOW }, { by: "test", reason: "tight" }))
    await applied("us-west", 3)
    const answers = []
    for (let i = 0; i < 5; i++) answers.push(await status("ana", "us-west"))
    expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 429, 429])
    const refused = answers[3]!
    expect(refused.json).toEqual({ error: { code: "rate_limited", message: expect.stringContaining("region us-west") } })
    expect(refused.headers.get("retry-after")).toBe("1000")
    expect(refused.headers.get("ratelimit-policy")).toBe(`"us-west";q=3;w=3000`)
    expect(refused.headers.get("ratelimit")).toMatch(/^"us-west";r=0;t=(2999|3000)$/)
    // Another subject has its own bucket; another region (no limit, no default) is not limited.
    expect((await status("bo", "us-west")).status).toBe(404)
    expect((await status("ana", "us-east")).status).toBe(404)
    expect(await metrics()).toContain(`dispatch_gateway_rate_limited_total{region="us-west"} 2`)
    expect(await metrics()).toMatch(/dispatch_orders_rejected_total\{reason="rate_limited"\} 2/)
  })

  it("applies the default to regions without a limit of their own, live", async () => {
    const s = await store()
    await Effect.runPromise(s.setLimit("default", { burst: 1, perSecond: SLOW }, { by: "test" }))
    await applied("eu-central", 1)
    expect((await status("cy", "eu-central")).status).toBe(404)
    const refused = await status("cy", "eu-central")
    expect(refused.status).toBe(429)
    expect(refused.headers.get("ratelimit-policy")).toBe(`"eu-central";q=1;w=1000`)
    // us-west keeps its own limit (3), not the default (1): a fresh subject gets 3.
    const fresh = []
    for (let i = 0; i < 4; i++) fresh.push((await status("dee", "us-west")).status)
    expect(fresh).toEqual([404, 404, 404, 429])
    await Effect.runPromise(s.setLimit("default", null, { by: "test", reason: "no default" }))
    await applied("eu-central", 0)
    expect((await status("cy", "eu-central")).status).toBe(404)
  })

  it("a raised limit lets the caller through at once, and a rollback to the tight one limits it again", async () => {
    const s = await store()
    const history = await Effect.runPromise(s.history({ region: "us-west" }))
    const tight = history.entries.find((h) => h.key === "limits.us-west" && h.value !== undefined && "limit" in h.value && h.value.limit?.burst === 3)
    expect(tight).toBeDefined()
    await Effect.runPromise(s.setLimit("us-west", { burst: 50, perSecond: SLOW }, { by: "test", reason: "more" }))
    await applied("us-west", 50)
    // ana had used 3 (+2 refused); with burst 50 she has 47 left.
    expect((await status("ana", "us-west")).status).toBe(404)
    await Effect.runPromise(s.rollback("limits.us-west", tight!.revision, { by: "test" }))
    await applied("us-west", 3)
    expect((await status("ana", "us-west")).status).toBe(429)
    const after = await Effect.runPromise(s.history({ region: "us-west" }))
    expect(after.entries[0]).toMatchObject({ key: "limits.us-west", value: { limit: { burst: 3, perSecond: SLOW }, by: "test", reason: `rollback to rev ${tight!.revision}` } })
  })
})
