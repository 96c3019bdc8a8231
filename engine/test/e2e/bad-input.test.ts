/**
 * Bad input against the engine process: 1,000 malformed messages from fast-check (junk bytes,
 * broken JSON, JSON that is not an object, wrong types, out-of-range coordinates and waits,
 * unknown markets, pickups elsewhere, wrong `v` or `type`, payloads over 16 KiB, ids with
 * whitespace and market ids with `.`, `*`, `>` or spaces), interleaved with good orders (some
 * with `.`, `*` and `>` in their ids, which opaque ids may hold).
 *
 * Every bad message must land in the DLQ exactly once with the reason its defect calls for (the
 * histogram of reasons must equal the expected one), every good order must be decided, the
 * engine must stay up, and a second batch of 1,000 must not grow its memory.
 */
import fc from "fast-check"
import { afterAll, beforeAll, expect, it } from "vitest"
import { describeWithNats, LocalNatsServer } from "#engine/testing"
import { encodeMessage, MAX_PAYLOAD_BYTES } from "../../src/domain/codec.ts"
import type { DeadLetter } from "../../src/domain/messages.ts"
import { STREAMS, subjects } from "../../src/domain/subjects.ts"
import { audit, driverState, inWindows, newTraceparent, orderRequested, pointIn, prng, sleep, TestClient } from "./client.ts"
import { EngineProcess, metricValue, stopAllEngines } from "./engine-process.ts"

type Reason = DeadLetter["reason"]

interface Bad {
  readonly category: string
  readonly subject: string
  readonly data: Uint8Array
  readonly reason: Reason
}

const BAD_PER_BATCH = 1_000
const GOOD_PER_BATCH = 300
/**
 * Growth allowed over the second batch of bad input: the live heap plus external memory
 * (measured after a full GC forced through the engine's inspector, so garbage is not counted)
 * and the RSS. The second
 * batch carries about 1.8 MB of payloads, so keeping each message (its bytes and a JsMsg)
 * would add about 3 MB; the measured growth is about 0.4 MB.
 */
const HEAP_GROWTH_LIMIT = 2 * 1024 * 1024
const RSS_GROWTH_LIMIT = 50 * 1024 * 1024

const text = (s: string) => new TextEncoder().encode(s)
const json = (value: unknown) => text(JSON.stringify(value))
const requestedSubject = subjects.orderRequested("sf")

/** A valid order as a plain object, to be broken one field at a time. */
const validOrder = fc.record({
  id: fc.nat(),
  lat: fc.double({ min: 37.77, max: 37.8, noNaN: true }),
  lng: fc.double({ min: -122.43, max: -122.4, noNaN: true })
}).map(({ id, lat, lng }) => orderRequested(`junk-${id}`, Date.now(), { lat, lng }) as unknown as Record<string, unknown>)

const withField = (field: string, values: fc.Arbitrary<unknown>) =>
  fc.tuple(validOrder, values).map(([order, value]) => ({ ...order, [field]: value }))

const bad = (category: string, reason: Reason, data: fc.Arbitrary<Uint8Array>, subject: fc.Arbitrary<string> = fc.constant(requestedSubject)): fc.Arbitrary<Bad> =>
  fc.tuple(data, subject).map(([d, s]) => ({ category, subject: s, data: d, reason }))

const badMessage: fc.Arbitrary<Bad> = fc.oneof(
  // 0xFF never occurs in UTF-8.
  bad("junk bytes", "not_utf8", fc.uint8Array({ minLength: 0, maxLength: 300 }).map((b) => Uint8Array.from([0xff, ...b]))),
  bad("junk text", "not_json", fc.string({ maxLength: 200 }).map((s) => text(`~${s}`))),
  bad("truncated JSON", "not_json", fc.tuple(validOrder, fc.double({ min: 0, max: 1, noNaN: true })).map(([o, f]) => {
    const full = JSON.stringify(o)
    return text(full.slice(0, Math.max(1, Math.floor(f * (full.length - 1)))))
  })),
  bad("JSON not an object", "invalid", fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.boolean(), fc.array(fc.integer(), { maxLength: 5 })).map(json)),
  bad("wrong types", "invalid", fc.oneof(
    withField("orderId", fc.oneof(fc.integer(), fc.constant(null), fc.constant([]))),
    withField("pickup", fc.oneof(fc.string(), fc.integer(), fc.constant(null))),
    withField("requestedAt", fc.oneof(fc.string(), fc.double({ min: 0.1, max: 0.9 }), fc.constant(-1))),
    withField("maxWaitMs", fc.oneof(fc.string(), fc.constant(1500.5), fc.constant(true))),
    withField("riderId", fc.oneof(fc.constant(null), fc.integer())),
    withField("market", fc.oneof(fc.integer(), fc.constant({})))
  ).map(json)),
  bad("coordinates out of range", "invalid", fc.oneof(
    fc.tuple(validOrder, fc.double({ min: 90.000001, max: 1e9, noNaN: true }), fc.boolean()).map(([o, lat, neg]) => ({ ...o, pickup: { lat: neg ? -lat : lat, lng: -122.41 } })),
    fc.tuple(validOrder, fc.double({ min: 180.000001, max: 1e9, noNaN: true }), fc.boolean()).map(([o, lng, neg]) => ({ ...o, dropoff: { lat: 37.78, lng: neg ? -lng : lng } }))
  ).map(json)),
  bad("huge number (Infinity)", "invalid", validOrder.map((o) => text(JSON.stringify(o).replace(/"lat":[^,}]+/, '"lat":1e999')))),
  bad("maxWaitMs out of range", "invalid", withField("maxWaitMs", fc.oneof(fc.integer({ min: -1_000, max: 999 }), fc.integer({ min: 3_600_001, max: 2 ** 31 }))).map(json)),
  bad("unknown market", "unknown_market", withField("market", fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/).filter((m) => m !== "sf")).map(json)),
  bad("pickup outside the market", "outside_market", fc.tuple(validOrder, fc.double({ min: -89, max: 36, noNaN: true }), fc.double({ min: -179, max: 179, noNaN: true }))
    .map(([o, lat, lng]) => json({ ...o, pickup: { lat, lng } }))),
  bad("wrong v", "invalid", withField("v", fc.oneof(fc.constant(0), fc.constant(2), fc.constant("1"), fc.constant(null), fc.constant(1.5))).map(json)),
  bad("missing v", "invalid", validOrder.map(({ v: _, ...rest }) => json(rest))),
  bad("wrong type", "invalid", withField("type", fc.oneof(fc.constant("order.matched"), fc.constant("driver.state"), fc.string({ maxLength: 20 }))).map(json)),
  bad("over 16 KiB", "too_large", fc.tuple(validOrder, fc.integer({ min: 1, max: 4_000 })).map(([o, extra]) => {
    const base = JSON.stringify(o)
    return json({ ...o, pad: "x".repeat(MAX_PAYLOAD_BYTES - base.length + extra) })
  })),
  bad("junk over 16 KiB", "too_large", fc.integer({ min: MAX_PAYLOAD_BYTES + 1, max: MAX_PAYLOAD_BYTES + 2_000 }).map((n) => new Uint8Array(n).fill(0x7b))),
  bad("order id with whitespace", "invalid", withField("orderId", fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), fc.constantFrom(" ", "\t", "\n", "\u0000", "\u00a0"), fc.string({ maxLength: 10 }))
    .map(([a, ws, b]) => `${a}${ws}${b}`)).map(json)),
  bad("market id with . * > or space", "invalid", withField("market", fc.tuple(fc.stringMatching(/^[a-z]{0,4}$/), fc.constantFrom(".", "*", ">", " "), fc.stringMatching(/^[a-z]{0,4}$/))
    .map(([a, c, b]) => `${a}${c}${b}`)).map(json)),
  bad("empty payload", "not_json", fc.constant(new Uint8Array(0))),
  bad("bad cancellation", "invalid", fc.tuple(fc.nat(), fc.integer({ min: 201, max: 400 }))
    .map(([id, n]) => json({ v: 1, type: "order.cancelled", orderId: `c-${id}`, market: "sf", at: Date.now(), reason: "r".repeat(n) })), fc.constant(subjects.orderCancelled("sf"))),
  // Another subject under the market's `order.>`: the engine consumes it, so it must judge it too.
  bad("junk on another order subject", "not_json", fc.string({ maxLength: 50 }).map((s) => text(`<${s}`)), fc.constant("dispatch.sf.order.other"))
)

const histogram = (reasons: Iterable<string>) => {
  const h: Record<string, number> = {}
  for (const r of reasons) h[r] = (h[r] ?? 0) + 1
  return h
}

describeWithNats("engine on bad input (separate process, real NATS)", () => {
  let server: LocalNatsServer
  let client: TestClient
  let engine: EngineProcess
  let goodSeq = 0
  const random = prng(21)

  beforeAll(async () => {
    server = await LocalNatsServer.start()
    client = await TestClient.connect(server.url)
    await client.ensureStreams()
    const now = Date.now()
    await client.putDrivers(Array.from({ length: 2 * GOOD_PER_BATCH }, (_, i) => driverState(`d${i}`, now, pointIn(random))))
    engine = await EngineProcess.start({ natsUrl: server.url, inspect: true })
  })
  afterAll(async () => {
    await stopAllEngines()
    await client?.close()
    await server?.dispose()
  })

  /** Publishes `bads` interleaved with good orders; waits for the DLQ to hold `dlqBefore + bads` and every good order to be decided. */
  const feed = async (bads: ReadonlyArray<Bad>) => {
    const dlqBefore = await client.streamCount(STREAMS.dlq)
    const resultsBefore = await client.streamCount(STREAMS.results)
    const goodIds: Array<string> = []
    const traceIds = new Map<string, string>()
    const items: Array<() => Promise<void>> = []
    const every = Math.floor(bads.length / GOOD_PER_BATCH)
    bads.forEach((b, i) => {
      const n = goodSeq + i
      items.push(() => client.publish(b.subject, b.data, `bad-${n}`))
      if (i % every === 0 && goodIds.length < GOOD_PER_BATCH) {
        // Opaque ids may hold '.', '*' and '>': these are good orders.
        const orderId = `good.${n}*>`
        const { traceId, traceparent } = newTraceparent()
        goodIds.push(orderId)
        traceIds.set(orderId, traceId)
        const order = orderRequested(orderId, Date.now(), pointIn(random))
        items.push(() => client.publish(requestedSubject, encodeMessage(order), orderId, traceparent))
      }
    })
    goodSeq += bads.length
    await inWindows(items, 100, (f) => f())
    expect(await client.waitForCount(STREAMS.dlq, dlqBefore + bads.length, 60_000)).toBeGreaterThanOrEqual(dlqBefore + bads.length)
    expect(await client.waitForCount(STREAMS.results, resultsBefore + goodIds.length, 60_000)).toBeGreaterThanOrEqual(resultsBefore + goodIds.length)
    await sleep(300) // nothing more may arrive
    const letters = (await client.readStream(STREAMS.dlq, undefined, 1)).slice(dlqBefore)
    const decisions = (await client.decisions()).filter((r) => traceIds.has(r.decision.orderId))
    return { letters, decisions, goodIds, traceIds }
  }

  it("1,000 malformed messages: each in the DLQ with its reason, good orders decided, engine up, memory flat", async () => {
    const first = fc.sample(badMessage, { numRuns: BAD_PER_BATCH, seed: 42 })
    const categories = histogram(first.map((b) => b.category))
    console.log(`[bad-input] categories ${JSON.stringify(categories)}`)
    expect(Object.keys(categories).length).toBeGreaterThanOrEqual(18) // every kind of defect is in the sample

    const { letters, decisions, goodIds, traceIds } = await feed(first)
    const parsed = letters.map((m) => JSON.parse(new TextDecoder().decode(m.data)) as DeadLetter)

    // Exactly one dead letter per bad message, with the expected reasons.
    expect(parsed.length).toBe(BAD_PER_BATCH)
    expect(await client.streamCount(STREAMS.dlq)).toBe(BAD_PER_BATCH)
    expect(histogram(parsed.map((l) => l.reason))).toEqual(histogram(first.map((b) => b.reason)))
    for (const m of letters) expect(m.subject).toBe(subjects.deadLetter("sf"))
    for (const l of parsed) {
      expect(l.type).toBe("dead.letter")
      expect(l.detail.length).toBeGreaterThan(0)
      expect(l.payload.length).toBeLessThanOrEqual(4 * 2_048) // the first 2 KiB (base64 is longer)
    }
    // A few reasons in detail.
    const large = parsed.filter((l) => l.reason === "too_large")
    expect(large.every((l) => l.payloadBytes > MAX_PAYLOAD_BYTES && /limit is 16384/.test(l.detail))).toBe(true)
    // Not UTF-8: kept as base64, never as an empty or trimmed string.
    expect(parsed.filter((l) => l.reason === "not_utf8").every((l) => l.payloadEncoding === "base64" && Buffer.from(l.payload, "base64")[0] === 0xff)).toBe(true)
    expect(parsed.filter((l) => l.reason === "unknown_market").every((l) => /is not served here/.test(l.detail))).toBe(true)
    expect(parsed.some((l) => l.reason === "invalid" && /^v:|expected 1/.test(l.detail))).toBe(true)
    expect(parsed.filter((l) => l.subject === "dispatch.sf.order.other").length).toBe(categories["junk on another order subject"])
    expect(parsed.filter((l) => l.subject === subjects.orderCancelled("sf")).length).toBe(categories["bad cancellation"])

    // Every good order decided once, with its trace.
    const a = audit(goodIds, decisions, traceIds)
    expect(a.lost).toBe(0)
    expect(a.duplicates).toBe(0)
    expect(a.traceMismatches).toBe(0)
    expect(a.matched).toBe(goodIds.length)

    await engine.collectGarbage()
    const metricsBefore = await engine.metricsText()
    expect(metricValue(metricsBefore, "dispatch_dead_letters_total")).toBe(BAD_PER_BATCH)
    expect((await engine.get("/healthz")).status).toBe(200)
    expect(engine.running).toBe(true)

    // A second batch: memory must not grow with it (a leak per message would show here).
    const second = fc.sample(badMessage, { numRuns: BAD_PER_BATCH, seed: 43 })
    const again = await feed(second)
    expect(again.letters.length).toBe(BAD_PER_BATCH)
    expect(audit(again.goodIds, again.decisions, again.traceIds).lost).toBe(0)
    await engine.collectGarbage()
    const metricsAfter = await engine.metricsText()
    const rss = [metricValue(metricsBefore, "process_resident_memory_bytes")!, metricValue(metricsAfter, "process_resident_memory_bytes")!]
    // Live JS heap plus external memory (buffers live outside the V8 heap), after a full GC.
    const live = (text: string) => metricValue(text, "nodejs_heap_size_used_bytes")! + metricValue(text, "nodejs_external_memory_bytes")!
    const heap = [live(metricsBefore), live(metricsAfter)]
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1)
    const payloadMb = mb(second.reduce((n, b) => n + b.data.byteLength, 0))
    console.log(`[bad-input] dead letters ${BAD_PER_BATCH} + ${BAD_PER_BATCH} (second batch ${payloadMb} MB of payloads), reasons ${JSON.stringify(histogram(parsed.map((l) => l.reason)))}; rss ${mb(rss[0]!)} -> ${mb(rss[1]!)} MB, heap used + external after GC ${mb(heap[0]!)} -> ${mb(heap[1]!)} MB`)
    expect(rss[1]! - rss[0]!).toBeLessThan(RSS_GROWTH_LIMIT)
    expect(heap[1]! - heap[0]!).toBeLessThan(HEAP_GROWTH_LIMIT)
    expect(metricValue(metricsAfter, "dispatch_dead_letters_total")).toBe(2 * BAD_PER_BATCH)
    expect((await engine.get("/healthz")).status).toBe(200)
    expect(engine.logs.filter((l) => l.level === "ERROR" || l.level === "FATAL")).toEqual([])
  })
})
