/**
 * `RegionStore` against a real nats-server: writes are validated and audited, concurrent
 * writers get a conflict instead of a lost update, history lists every change newest first,
 * and a rollback is a new audited revision carrying the old value.
 */
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { describeWithNats } from "#engine/testing"
import { makeRegionStore } from "../../src/regions/region-store.ts"
import { REGIONS, useNatsFixture } from "./nats-fixture.ts"

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
const failure = async <A, E>(effect: Effect.Effect<A, E>): Promise<E> => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${JSON.stringify(exit.value)}`)
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (error === undefined || error._tag !== "Fail") throw new Error(`expected a typed failure: ${String(exit.cause)}`)
  return error.error
}

describeWithNats("RegionStore on NATS KV", () => {
  const fx = useNatsFixture()
  const store = () => makeRegionStore(fx.kv, REGIONS)

  it("lists the default table when nothing is stored", async () => {
    const listing = await run(store().list)
    expect(listing.entries).toEqual([])
    expect(listing.table.regions).toEqual(REGIONS)
    expect(listing.table.weights.size).toBe(0)
    expect(listing.table.drained.size).toBe(0)
  })

  it("merges weights over the current ones and records who, when and why", async () => {
    const s = store()
    const first = await run(s.setWeights("us-west", { "us-east": 1 }, { by: "ana@ops", reason: "east warm-up", mode: "merge" }))
    // merged over the default (all at home): us-west keeps weight 1
    expect(first.value.kind === "weights" && first.value.value.weights).toEqual({ "us-west": 1, "us-east": 1 })
    const second = await run(s.setWeights("us-west", { "us-west": 0 }, { by: "bo@ops", mode: "merge" }))
    expect(second.revision).toBeGreaterThan(first.revision)
    const listing = await run(s.list)
    expect(Object.fromEntries(listing.table.weights.get("us-west") ?? [])).toEqual({ "us-west": 0, "us-east": 1 })
    const stored = JSON.parse((await fx.kv.get("weights.us-west"))?.string() ?? "")
    expect(stored).toMatchObject({ v: 1, weights: { "us-west": 0, "us-east": 1 }, by: "bo@ops" })
    expect(typeof stored.at).toBe("number")
  })

  it("replace mode stores exactly the given map", async () => {
    const s = store()
    await run(s.setWeights("us-east", { "us-east": 3, "eu-central": 1 }, { by: "a", mode: "merge" }))
    const entry = await run(s.setWeights("us-east", { "eu-central": 2 }, { by: "a", mode: "replace" }))
    expect(entry.value.kind === "weights" && entry.value.value.weights).toEqual({ "eu-central": 2 })
  })

  it("refuses bad weights with the field named, writing nothing", async () => {
    const s = store()
    const unknown = await failure(s.setWeights("us-west", { "mars-1": 1 }, { by: "a", mode: "merge" }))
    expect(unknown).toMatchObject({ _tag: "RegionValueInvalid" })
    expect(JSON.stringify(unknown)).toContain("weights.mars-1")
    const negative = await failure(s.setWeights("us-west", { "us-east": -1 }, { by: "a", mode: "merge" }))
    expect(negative).toMatchObject({ _tag: "RegionValueInvalid", problems: [{ path: "weights.us-east" }] })
    const zero = await failure(s.setWeights("us-west", { "us-west": 0 }, { by: "a", mode: "replace" }))
    expect(zero).toMatchObject({ _tag: "RegionValueInvalid", problems: [{ path: "weights" }] })
    const caller = await failure(s.setWeights("us.west", { "us-east": 1 }, { by: "a", mode: "merge" }))
    expect(caller).toMatchObject({ _tag: "RegionValueInvalid", problems: [{ path: "caller" }] })
    expect(await fx.kv.get("weights.us-west")).toBeNull()
  })

  it("lane shares: merged, checked, in the table, the history and rollback", async () => {
    const s = store()
    const first = await run(s.setLaneShares("us-west", { canary: 5 }, { by: "ana", reason: "intake v2", mode: "merge" }))
    const second = await run(s.setLaneShares("us-west", { blue: 0 }, { by: "ana", mode: "merge" }))
    expect(second.value.kind === "lanes" && second.value.value.shares).toEqual({ canary: 5, blue: 0 })
    expect(Object.fromEntries((await run(s.list)).table.lanes.get("us-west") ?? [])).toEqual({ canary: 5, blue: 0 })
    for (const [shares, path] of [[{ main: 5 }, "shares.main"], [{ "can.ary": 5 }, "shares.can.ary"], [{ canary: 101 }, "shares.canary"], [{ a: 60, b: 50 }, "shares"]] as const) {
      const refused = await failure(s.setLaneShares("us-east", shares, { by: "a", mode: "replace" }))
      expect(refused, JSON.stringify(shares)).toMatchObject({ _tag: "RegionValueInvalid", problems: [{ path }] })
    }
    expect(await fx.kv.get("lanes.us-east")).toBeNull()
    const history = await run(s.history({ region: "us-west" }))
    expect(history.entries.map((h) => [h.key, h.revision])).toEqual([["lanes.us-west", second.revision], ["lanes.us-west", first.revision]])
    const back = await run(s.rollback("lanes.us-west", first.revision, { by: "bo" }))
    expect(back.value.kind === "lanes" && back.value.value).toMatchObject({ shares: { canary: 5 }, by: "bo", reason: `rollback to rev ${first.revision}` })
  })

  it("drains and undrains as audited changes", async () => {
    const s = store()
    await run(s.setDrained("eu-central", true, { by: "ana", reason: "maintenance" }))
    expect([...(await run(s.list)).table.drained]).toEqual(["eu-central"])
    await run(s.setDrained("eu-central", false, { by: "ana" }))
    expect((await run(s.list)).table.drained.size).toBe(0)
    const history = await run(s.history())
    expect(history.entries.map((h) => [h.key, h.value && "drained" in h.value ? h.value.drained : undefined])).toEqual([
      ["drain.eu-central", false],
      ["drain.eu-central", true]
    ])
    expect(history.depth).toBe(64)
  })

  it("a stale expected revision is a conflict and writes nothing", async () => {
    const s = store()
    const a = await run(s.setWeights("us-west", { "us-east": 1 }, { by: "a", mode: "merge" }))
    await run(s.setWeights("us-west", { "us-east": 2 }, { by: "b", mode: "merge", expectedRevision: a.revision }))
    const conflict = await failure(s.setWeights("us-west", { "us-east": 5 }, { by: "c", mode: "merge", expectedRevision: a.revision }))
    expect(conflict).toMatchObject({ _tag: "RevisionConflict", key: "weights.us-west", expected: a.revision })
    expect(JSON.parse((await fx.kv.get("weights.us-west"))?.string() ?? "").weights["us-east"]).toBe(2)
  })

  it("racing writers: each either lands or gets a conflict, and no landed change is lost", async () => {
    const s = store()
    const writers = Array.from({ length: 8 }, (_, i) =>
      Effect.runPromiseExit(s.setWeights("us-west", { [REGIONS[i % 3] ?? "us-west"]: i + 1 }, { by: `w${i}`, mode: "merge" })))
    const exits = await Promise.all(writers)
    const landed = exits.filter(Exit.isSuccess)
    const conflicts = exits.filter((e) => Exit.isFailure(e) && String(e.cause).includes("RevisionConflict"))
    expect(landed.length + conflicts.length).toBe(8)
    expect(landed.length).toBeGreaterThanOrEqual(1)
    // every landed write has its own revision, so the history holds each one
    const history = await run(s.history({ region: "us-west" }))
    expect(history.entries.filter((h) => h.key === "weights.us-west").length).toBe(landed.length)
  })

  it("history: newest first, with who and when, filtered by region", async () => {
    const s = store()
    await run(s.setWeights("us-west", { "us-east": 1 }, { by: "a", mode: "merge" }))
    await run(s.setDrained("us-east", true, { by: "b" }))
    await run(s.setWeights("eu-central", { "eu-central": 1 }, { by: "c", mode: "merge" }))
    const all = await run(s.history())
    expect(all.entries.map((h) => h.key)).toEqual(["weights.eu-central", "drain.us-east", "weights.us-west"])
    expect(all.entries.map((h) => h.value?.by)).toEqual(["c", "b", "a"])
    const revisions = all.entries.map((h) => h.revision)
    expect([...revisions].sort((x, y) => y - x)).toEqual(revisions)
    // us-east: its drain key and the weights that name it as a target
    expect((await run(s.history({ region: "us-east" }))).entries.map((h) => h.key)).toEqual(["drain.us-east", "weights.us-west"])
  })

  it("rollback writes the old value as a new audited revision", async () => {
    const s = store()
    const v1 = await run(s.setWeights("us-west", { "us-east": 1 }, { by: "a", mode: "merge" }))
    await run(s.setWeights("us-west", { "us-east": 9, "us-west": 0 }, { by: "b", mode: "merge" }))
    const back = await run(s.rollback("us-west", v1.revision, { by: "ops@host" }))
    expect(back.revision).toBeGreaterThan(v1.revision + 1)
    const stored = JSON.parse((await fx.kv.get("weights.us-west"))?.string() ?? "")
    expect(stored).toMatchObject({ weights: { "us-west": 1, "us-east": 1 }, by: "ops@host", reason: `rollback to rev ${v1.revision}` })
    const history = await run(s.history())
    expect(history.entries.length).toBe(3)
    expect(history.entries[0]?.value?.reason).toBe(`rollback to rev ${v1.revision}`)

    const drain = await run(s.setDrained("us-east", true, { by: "a" }))
    await run(s.setDrained("us-east", false, { by: "a" }))
    await run(s.rollback(`drain.us-east`, drain.revision, { by: "a" }))
    expect((await run(s.list)).table.drained.has("us-east")).toBe(true)
  })

  it("rollback to a revision of another key, or one not in history, says so", async () => {
    const s = store()
    const w = await run(s.setWeights("us-west", { "us-east": 1 }, { by: "a", mode: "merge" }))
    await run(s.setDrained("us-east", true, { by: "a" }))
    expect(await failure(s.rollback("drain.us-east", w.revision, { by: "a" }))).toMatchObject({ _tag: "RevisionNotFound" })
    expect(await failure(s.rollback("us-west", 999, { by: "a" }))).toMatchObject({ _tag: "RevisionNotFound" })
    expect(await failure(s.rollback("markets.sf", 1, { by: "a" }))).toMatchObject({ _tag: "RegionValueInvalid" })
  })

  it("a malformed value in KV is listed as invalid, not fatal", async () => {
    await fx.kv.put("weights.us-east", "{not json")
    await fx.kv.put("drain.eu-central", JSON.stringify({ v: 1, drained: "yes", by: "x", at: 1 }))
    const listing = await run(store().list)
    expect(listing.entries).toEqual([])
    expect(listing.invalid.map((i) => [i.key, i.problems[0]?.path])).toEqual([["weights.us-east", "$"], ["drain.eu-central", "drained"]])
  })
})

describe("history depth", () => {
  it("is the engine's bucket setting", async () => {
    const { CONFIG_HISTORY_DEPTH } = await import("../../src/regions/config-bucket.ts")
    expect(CONFIG_HISTORY_DEPTH).toBe(64)
  })
})
