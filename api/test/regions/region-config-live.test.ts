/**
 * The live `RegionConfig` against a real nats-server: the stored table at start, every change
 * applied from the KV watch (delay measured and printed; the issue promises under 1 s), broken
 * values ignored with the last good value kept, deletes back to the default, and the watches
 * stopped when the scope closes.
 */
import { Kvm } from "@nats-io/kv"
import { connect } from "@nats-io/transport-node"
import { Effect, Exit, Fiber, Logger, Scope, Stream } from "effect"
import { expect, it } from "vitest"
import { KV_BUCKETS } from "#engine"
import { makeBalancerMetrics } from "../../src/observability/metrics.ts"
import { Registry } from "prom-client"
import { describeWithNats } from "#engine/testing"
import { openConfigBucket } from "../../src/regions/config-bucket.ts"
import { makeRegionConfig, type RegionConfigOptions } from "../../src/regions/region-config-live.ts"
import { CONFIG_KEY_FILTERS, makeRegionStore } from "../../src/regions/region-store.ts"
import { weightsOf } from "../../src/regions/region-table.ts"
import { REGIONS, useNatsFixture } from "./nats-fixture.ts"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const waitFor = async (check: () => Promise<boolean> | boolean, ms = 5_000) => {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not reached within ${ms} ms`)
    await sleep(10)
  }
}

const quantile = (sorted: ReadonlyArray<number>, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN

describeWithNats("RegionConfig live from KV", () => {
  const fx = useNatsFixture()

  /** A gateway's RegionConfig on its own connection, in its own scope. */
  const gateway = async (logs: Array<string> = [], metrics?: RegionConfigOptions["metrics"]) => {
    const nc = await connect({ servers: fx.server.url, noAsyncTraces: true, maxReconnectAttempts: -1, reconnectTimeWait: 100 })
    const scope = await Effect.runPromise(Scope.make())
    const logger = Logger.make((o) => { logs.push(`${String(o.logLevel)} ${JSON.stringify(o.message)}`) })
    const config = await Effect.runPromise(
      Effect.flatMap(openConfigBucket({ kvm: new Kvm(nc) }), (kv) => makeRegionConfig(kv, { regions: REGIONS, metrics })).pipe(
        Scope.provide(scope),
        Effect.provide(Logger.layer([logger]))
      )
    )
    const current = () => Effect.runPromise(config.current)
    const closeScope = () => Effect.runPromise(Scope.close(scope, Exit.void))
    const close = async () => {
      await closeScope()
      await nc.close()
    }
    return { config, current, closeScope, close, logs }
  }

  it("starts from the stored table", async () => {
    const store = makeRegionStore(fx.kv, REGIONS)
    await Effect.runPromise(store.setWeights("us-west", { "us-east": 2 }, { by: "a", mode: "merge" }))
    await Effect.runPromise(store.setDrained("eu-central", true, { by: "a" }))
    const gw = await gateway()
    try {
      const table = await gw.current()
      expect(Object.fromEntries(weightsOf(table, "us-west"))).toEqual({ "us-west": 1, "us-east": 2 })
      expect([...table.drained]).toEqual(["eu-central"])
      expect(Object.fromEntries(weightsOf(table, "us-east"))).toEqual({ "us-east": 1 })
    } finally {
      await gw.close()
    }
  })

  it("follows lane shares: stored at start, changed live, with the share gauge", async () => {
    const store = makeRegionStore(fx.kv, REGIONS)
    await Effect.runPromise(store.setLaneShares("us-west", { canary: 5 }, { by: "a", mode: "merge" }))
    const metrics = makeBalancerMetrics(new Registry())
    const gw = await gateway([], metrics)
    try {
      expect(Object.fromEntries((await gw.current()).lanes.get("us-west") ?? [])).toEqual({ canary: 5 })
      await Effect.runPromise(store.setLaneShares("us-east", { blue: 20 }, { by: "a", mode: "merge" }))
      await waitFor(async () => (await gw.current()).lanes.get("us-east")?.get("blue") === 20)
      const gauge = (await metrics.laneShare.get()).values.map((v) => [v.labels["caller"], v.labels["lane"], v.value])
      expect(gauge).toEqual([["us-west", "canary", 5], ["us-east", "blue", 20]])
    } finally {
      await gw.close()
    }
  })

  it("applies each change within 1 s (measured over 50 changes)", async () => {
    const store = makeRegionStore(fx.kv, REGIONS)
    const gw = await gateway()
    const seen = new Map<number, number>()
    const fiber = Effect.runFork(gw.config.changes.pipe(
      Stream.runForEach((t) => Effect.sync(() => {
        const w = t.weights.get("us-east")?.get("eu-central")
        if (w !== undefined && !seen.has(w)) seen.set(w, performance.now())
      }))
    ))
    try {
      const delays: Array<number> = []
      for (let i = 1; i <= 50; i++) {
        const start = performance.now()
        await Effect.runPromise(store.setWeights("us-east", { "eu-central": i }, { by: "bench", mode: "merge" }))
        await waitFor(() => seen.has(i), 1_000)
        delays.push((seen.get(i) ?? NaN) - start)
      }
      const sorted = [...delays].sort((a, b) => a - b)
      console.log(`RegionConfig watch delay (write start -> table applied), 50 changes: p50 ${quantile(sorted, 0.5).toFixed(1)} ms, p95 ${quantile(sorted, 0.95).toFixed(1)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(1)} ms`)
      expect(sorted.at(-1)).toBeLessThan(1_000)
      const table = await gw.current()
      expect(table.weights.get("us-east")?.get("eu-central")).toBe(50)
    } finally {
      await Effect.runPromise(Fiber.interrupt(fiber))
      await gw.close()
    }
  })

  it("ignores a malformed value (logged), keeps the last good one, and follows later good ones", async () => {
    const store = makeRegionStore(fx.kv, REGIONS)
    await Effect.runPromise(store.setWeights("us-west", { "us-east": 3 }, { by: "a", mode: "merge" }))
    const gw = await gateway()
    try {
      await fx.kv.put("weights.us-west", "{broken")
      await fx.kv.put("weights.us-west", JSON.stringify({ v: 1, weights: { "us-east": -1 }, by: "x", at: 1 }))
      await fx.kv.put("drain.mars", JSON.stringify({ v: 1, drained: true, by: "x", at: 1 }))
      await waitFor(() => gw.logs.filter((l) => l.includes("ignoring invalid region config value")).length >= 3)
      expect(gw.logs.some((l) => l.includes("weights.us-east") && l.includes("must be a finite number >= 0"))).toBe(true)
      expect(gw.logs.some((l) => l.includes("drain.mars") && l.includes("unknown region"))).toBe(true)
      expect((await gw.current()).weights.get("us-west")?.get("us-east")).toBe(3)
      expect((await gw.current()).drained.size).toBe(0)
      await Effect.runPromise(store.setWeights("us-west", { "us-east": 4 }, { by: "a", mode: "merge" }))
      await waitFor(async () => (await gw.current()).weights.get("us-west")?.get("us-east") === 4)
    } finally {
      await gw.close()
    }
  })

  it("publishes weights, drains and applied changes as metrics", async () => {
    const metrics = makeBalancerMetrics(new Registry())
    const store = makeRegionStore(fx.kv, REGIONS)
    const gw = await gateway([], metrics)
    const gauge = async (m: { get: () => Promise<{ values: ReadonlyArray<{ labels: object; value: number }> }> }, labels: object) =>
      (await m.get()).values.find((v) => JSON.stringify(v.labels) === JSON.stringify(labels))?.value
    try {
      expect(await gauge(metrics.regionWeight, { caller: "us-west", target: "us-west" })).toBe(1)
      await Effect.runPromise(store.setWeights("us-west", { "us-west": 0, "us-east": 4 }, { by: "a", mode: "merge" }))
      await Effect.runPromise(store.setDrained("eu-central", true, { by: "a" }))
      await waitFor(async () => (await gauge(metrics.regionDrained, { region: "eu-central" })) === 1)
      expect(await gauge(metrics.regionWeight, { caller: "us-west", target: "us-east" })).toBe(4)
      expect(await gauge(metrics.regionWeight, { caller: "us-west", target: "us-west" })).toBe(0)
      expect(await gauge(metrics.configChanges, { kind: "weights" })).toBe(1)
      expect(await gauge(metrics.configChanges, { kind: "drain" })).toBe(1)
    } finally {
      await gw.close()
    }
  })

  it("a deleted key goes back to its default", async () => {
    const store = makeRegionStore(fx.kv, REGIONS)
    const gw = await gateway()
    try {
      await Effect.runPromise(store.setDrained("us-east", true, { by: "a" }))
      await waitFor(async () => (await gw.current()).drained.has("us-east"))
      await fx.kv.delete("drain.us-east")
      await waitFor(async () => !(await gw.current()).drained.has("us-east"))
    } finally {
      await gw.close()
    }
  })

  it("keeps following after a nats-server restart", async () => {
    const store = makeRegionStore(fx.kv, REGIONS)
    const gw = await gateway()
    try {
      await fx.server.restart()
      // the fixture's own client reconnects too; retry the write until it is back
      await waitFor(async () => Effect.runPromise(store.setDrained("us-west", true, { by: "a" }).pipe(Effect.as(true), Effect.orElseSucceed(() => false))), 20_000)
      await waitFor(async () => (await gw.current()).drained.has("us-west"), 20_000)
    } finally {
      await gw.close()
    }
  })

  it("stops its watches when its scope closes (connection still open)", async () => {
    // A watch is an ephemeral push consumer the server keeps for minutes; "stopped" means no
    // subscriber is bound to it any more.
    const watching = async () => (await fx.client.jsm.consumers.list(`KV_${KV_BUCKETS.config}`).next()).filter((c) => c.push_bound === true).length
    const gw = await gateway()
    await waitFor(async () => (await watching()) === CONFIG_KEY_FILTERS.length)
    await gw.closeScope()
    await waitFor(async () => (await watching()) === 0)
    await gw.close()
  })
})

