import { RetentionPolicy, StorageType } from "@nats-io/jetstream"
import { Effect } from "effect"
import { beforeAll, expect, it } from "vitest"
import { describeWithNats } from "#engine/testing"
import { encodeMessage } from "../../src/domain/codec.ts"
import type { Decision, DriverState } from "../../src/domain/messages.ts"
import { KV_BUCKETS, kvKeys, STREAMS } from "../../src/domain/subjects.ts"
import type { NatsClient } from "../../src/transport/nats/connection.ts"
import { useNatsSuite } from "./nats-suite.ts"
import { watchDrivers, type DriverEntry } from "../../src/transport/nats/driver-feed.ts"
import { publishDecision } from "../../src/transport/nats/publisher.ts"
import { ensureStreamsAndBuckets } from "../../src/transport/nats/setup.ts"

describeWithNats("NATS adapters", () => {
  const suite = useNatsSuite("adapters-test")
  const run = suite.run
  let client: NatsClient
  beforeAll(async () => {
    client = suite.client()
  })

  it("creates streams and buckets once, then finds them", async () => {
    const first = await run(ensureStreamsAndBuckets(client))
    expect(first.streams.map((s) => s.outcome)).toEqual(["created", "created", "created"])
    const second = await run(ensureStreamsAndBuckets(client))
    expect(second.streams.map((s) => s.outcome)).toEqual(["exists", "exists", "exists"])
  })

  it("refuses a stream that exists with an incompatible config, naming the differences", async () => {
    await client.jsm.streams.delete(STREAMS.dlq)
    await client.jsm.streams.add({ name: STREAMS.dlq, subjects: ["other.>"], storage: StorageType.Memory, retention: RetentionPolicy.Interest })
    const error = await Effect.runPromise(Effect.flip(ensureStreamsAndBuckets(client)))
    expect(error._tag).toBe("StreamConfigConflict")
    expect(error.message).toMatch(/stream DLQ exists with an incompatible configuration/)
    expect(error.message).toMatch(/subjects: missing dispatch.dlq.\*/)
    expect(error.message).toMatch(/storage: memory, needs file/)
    expect(error.message).toMatch(/retention: interest, needs limits/)
    await client.jsm.streams.delete(STREAMS.dlq)
    await run(ensureStreamsAndBuckets(client))
  })

  it("stores one decision per order id", async () => {
    await run(ensureStreamsAndBuckets(client))
    const decision: Decision = { v: 1, type: "order.unmatched", orderId: "o-dup", market: "sf", reason: "no_supply", decidedAt: 1 }
    expect(await publishDecision(client, decision, undefined)).toBe("stored")
    expect(await publishDecision(client, { ...decision, reason: "expired" }, undefined)).toBe("duplicate")
  })

  it("feeds a market's driver snapshot, then its changes, and ends the snapshot even when empty", async () => {
    await run(ensureStreamsAndBuckets(client))
    const kv = await client.kvm.open(KV_BUCKETS.drivers)
    const state = (driverId: string, market: string, status: DriverState["status"]): DriverState =>
      ({ v: 1, type: "driver.state", driverId, market, lat: 37.77, lng: -122.41, status, at: 1 })
    for (const id of ["a", "b", "c"]) await kv.put(kvKeys.driver("sf", id), encodeMessage(state(id, "sf", "available")))
    await kv.put(kvKeys.driver("sf", "a"), encodeMessage(state("a", "sf", "busy")))
    await kv.put(kvKeys.driver("nyc", "z"), encodeMessage(state("z", "nyc", "available")))

    const seen: Array<DriverEntry> = []
    await run(watchDrivers(client, "sf", (e) => seen.push(e)))
    expect(seen.map((e) => e.key).sort()).toEqual(["sf.a", "sf.b", "sf.c"]) // latest per key, no other market
    const a = seen.find((e) => e.key === "sf.a")
    expect(a?._tag === "Put" && JSON.parse(new TextDecoder().decode(a.data)).status).toBe("busy")

    await kv.delete(kvKeys.driver("sf", "b"))
    await kv.put(kvKeys.driver("sf", "d"), encodeMessage(state("d", "sf", "available")))
    await expect.poll(() => seen.length).toBe(5)
    expect(seen.slice(3).map((e) => `${e._tag} ${e.key}`)).toEqual(["Delete sf.b", "Put sf.d"])

    const none: Array<DriverEntry> = []
    await run(watchDrivers(client, "empty", (e) => none.push(e))) // resolves: the snapshot of nothing
    expect(none).toEqual([])
  })
})
