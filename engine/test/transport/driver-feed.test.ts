/**
 * The driver feed (transport/nats/driver-feed.ts) on a real nats-server: across a SIGKILL and
 * restart of the server with driver updates written during and right after the outage, and
 * with its consumer deleted under it. Each time it must end up with every update, in revision
 * order, none twice, and say `current` again; while it cannot vouch for the index it says
 * `stale`.
 */
import type { KV } from "@nats-io/kv"
import { Effect, Exit, Scope } from "effect"
import { beforeAll, expect, it } from "vitest"
import { describeWithNats } from "#engine/testing"
import { KV_BUCKETS } from "../../src/domain/subjects.ts"
import type { NatsClient } from "../../src/transport/nats/connection.ts"
import { watchDrivers, type DriverEntry, type DriverFeed } from "../../src/transport/nats/driver-feed.ts"
import { ensureStreamsAndBuckets } from "../../src/transport/nats/setup.ts"
import { useNatsSuite } from "./nats-suite.ts"

/** Generous: convergence is expected within about 2 s of the server's return. */
const CONVERGE_MS = 20_000

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const until = async (condition: () => boolean, timeoutMs = CONVERGE_MS): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms`)
    await sleep(20)
  }
}

/** A put that is retried until it is stored (through an outage). */
const putRetrying = async (kv: KV, key: string, value: string): Promise<number> => {
  for (;;) {
    try {
      return await kv.put(key, value)
    } catch {
      await sleep(100)
    }
  }
}

/** What a feed delivered, with its order checked as it comes. */
const recorder = () => {
  const entries: Array<DriverEntry> = []
  const latest = new Map<string, string>()
  let outOfOrder = 0
  const onEntry = (e: DriverEntry) => {
    if (entries.length > 0 && e.revision <= entries.at(-1)!.revision) outOfOrder++
    entries.push(e)
    latest.set(e.key, e._tag === "Put" ? new TextDecoder().decode(e.data) : "<deleted>")
  }
  return { entries, latest, onEntry, outOfOrder: () => outOfOrder }
}

describeWithNats("driver feed (real nats-server)", () => {
  const suite = useNatsSuite("driver-feed-test")
  let client: NatsClient
  let kv: KV
  beforeAll(async () => {
    client = suite.client()
    await suite.run(ensureStreamsAndBuckets(client))
    kv = await client.kvm.open(KV_BUCKETS.drivers)
  })

  /** A feed in its own scope, closed at the end of the test. */
  const withFeed = async (market: string, test: (feed: DriverFeed, seen: ReturnType<typeof recorder>, resyncs: Array<string>) => Promise<void>) => {
    const scope = Effect.runSync(Scope.make())
    const seen = recorder()
    const resyncs: Array<string> = []
    try {
      const feed = await Effect.runPromise(Scope.provide(watchDrivers(client, market, seen.onEntry, { onResync: (c) => resyncs.push(c) }), scope))
      await test(feed, seen, resyncs)
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }

  it.each([3_000, 5_000])("nats-server SIGKILLed for %i ms: stale meanwhile, then every update written during and after the outage", async (outageMs) => {
    const market = `restart${outageMs}`
    for (let i = 0; i < 20; i++) await kv.put(`${market}.d${i}`, "available")
    await withFeed(market, async (feed, seen, resyncs) => {
      expect(feed.current()).toBe(true)
      expect(seen.entries.length).toBe(20)

      let currentAt: number | undefined
      feed.onChange((state) => {
        if (state._tag === "Current") currentAt ??= Date.now()
      })
      await suite.server().kill()
      await until(() => !feed.current())
      expect(feed.state()).toMatchObject({ _tag: "Stale", reason: "disconnected" })
      // Written during the outage (stored once the server is back), each driver goes offline.
      const during = Promise.all(Array.from({ length: 20 }, (_, i) => putRetrying(kv, `${market}.d${i}`, "offline")))
      await sleep(outageMs)
      expect(feed.lagSeconds()).toBeGreaterThan(0)
      await suite.server().restart()
      const upAt = Date.now()
      await during
      // Right after it: new drivers, one removed.
      for (let i = 0; i < 10; i++) await putRetrying(kv, `${market}.n${i}`, "available")
      await kv.delete(`${market}.d0`)
      const writtenAt = Date.now()

      await until(() => seen.latest.size === 30 && seen.latest.get(`${market}.n9`) === "available" && seen.latest.get(`${market}.d0`) === "<deleted>")
      const seenAt = Date.now()
      await until(() => feed.current())
      // The writes themselves take a while after the restart: a put sent while disconnected
      // is lost and only its retry (after the client's timeout) is stored.
      console.log(`[driver feed, outage ${outageMs} ms] feed current ${(currentAt ?? Number.NaN) - upAt} ms after the restart; ` +
        `writes done ${writtenAt - upAt} ms after it; the last update seen ${seenAt - writtenAt} ms after it was written; resyncs=${resyncs.join(",")}`)
      for (let i = 1; i < 20; i++) expect(seen.latest.get(`${market}.d${i}`)).toBe("offline")
      expect(seen.entries.length).toBe(20 + 20 + 10 + 1) // snapshot, offline, new, delete: none twice, none lost
      expect(seen.outOfOrder()).toBe(0)
      expect(resyncs).toContain("reconnect")
    })
  }, 60_000)

  it("replaces a consumer deleted under it, and keeps every update", async () => {
    const market = "deleted"
    await kv.put(`${market}.a`, "available")
    await withFeed(market, async (feed, seen, resyncs) => {
      const names: Array<string> = []
      for await (const c of client.jsm.consumers.list(`KV_${KV_BUCKETS.drivers}`)) {
        if (c.config.filter_subject === `$KV.${KV_BUCKETS.drivers}.${market}.*`) names.push(c.name)
      }
      expect(names.length).toBe(1)
      await client.jsm.consumers.delete(`KV_${KV_BUCKETS.drivers}`, names[0]!)
      await until(() => resyncs.length > 0)
      await kv.put(`${market}.b`, "available")
      await until(() => seen.latest.get(`${market}.b`) === "available")
      await until(() => feed.current())
      expect(seen.entries.map((e) => e.key)).toEqual([`${market}.a`, `${market}.b`])
      console.log(`[driver feed, consumer deleted] resyncs=${resyncs.join(",")}`)
    })
  }, 60_000)
})
