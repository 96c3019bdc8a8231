/**
 * The gateway's HTTP contract against a real nats-server and real region intakes: each route's
 * happy path, 4xx bodies that name the field, idempotent POST, unknown regions, the size limit,
 * and hostile input (fast-check) that must get a 4xx with a JSON body, never a 500, never reach
 * a NATS subject, and leave the server up.
 */
import { OpenApi } from "effect/http-api"
import fc from "fast-check"
import { expect, it } from "vitest"
import { KV_BUCKETS, kvKeys, STREAMS } from "#engine"
import { describeWithNats } from "#engine/testing"
import { DispatchApi } from "../../src/http/api.ts"
import { useGatewayWorld } from "../support/gateway-world.ts"

const PICKUP = { lat: 37.78, lng: -122.41 }
const DROPOFF = { lat: 37.79, lng: -122.42 }
const ride = (riderId = "rider-1") => ({ riderId, pickup: PICKUP, dropoff: DROPOFF })

describeWithNats("gateway HTTP", () => {
  const world = useGatewayWorld()

  it("accepts a ride (201), finds it (GET), cancels it, and answers 404 for an unknown one", async () => {
    const created = await world.request("POST", "/v1/rides", ride())
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ market: "sf", status: "pending" })
    const id = created.json.orderId as string
    const got = await world.request("GET", `/v1/rides/${encodeURIComponent(id)}`)
    expect(got.status).toBe(200)
    expect(got.json).toMatchObject({ orderId: id, market: "sf" })
    expect(["pending", "matched", "unmatched"]).toContain(got.json.status)
    const cancelled = await world.request("POST", `/v1/rides/${encodeURIComponent(id)}/cancel`)
    expect([200, 202]).toContain(cancelled.status)
    expect(cancelled.json.orderId).toBe(id)
    const cancelledWithReason = await world.request("POST", `/v1/rides/${encodeURIComponent(id)}/cancel?reason=changed%20my%20mind`)
    expect([200, 202]).toContain(cancelledWithReason.status)
    const unknown = await world.request("GET", "/v1/rides/no-such-ride")
    expect(unknown.status).toBe(404)
    expect(unknown.json.error).toMatchObject({ code: "not_found", path: "id" })
  })

  it("stores a driver's state in KV drivers (PUT), keyed by market and driver", async () => {
    const put = await world.request("PUT", "/v1/drivers/d-42/state", { ...PICKUP, status: "available" })
    expect(put.status).toBe(200)
    expect(put.json).toEqual({ driverId: "d-42", market: "sf" })
    const kv = await world.client().kvm.open(KV_BUCKETS.drivers)
    const entry = await kv.get(kvKeys.driver("sf", "d-42"))
    expect(entry?.json()).toMatchObject({ type: "driver.state", driverId: "d-42", status: "available", lat: PICKUP.lat })
  })

  it("answers a wrong method on a known path 405 with Allow, and the Allow table matches the OpenAPI document", async () => {
    const cases: ReadonlyArray<readonly [string, string, string]> = [
      ["DELETE", "/v1/rides", "POST"],
      ["GET", "/v1/rides", "POST"],
      ["DELETE", "/v1/rides/r-1", "GET"],
      ["GET", "/v1/rides/r-1/cancel", "POST"],
      ["POST", "/v1/drivers/d-1/state", "PUT"],
      ["POST", "/healthz", "GET"],
      ["DELETE", "/admin/breakers", "GET"]
    ]
    const openapi = OpenApi.fromApi(DispatchApi) as { paths: Record<string, Record<string, unknown>> }
    for (const [method, path, allow] of cases) {
      const r = await world.request(method, path)
      expect({ method, path, status: r.status, allow: r.headers.get("allow"), code: r.json?.error?.code }).toEqual({ method, path, status: 405, allow, code: "method_not_allowed" })
      const documented = Object.entries(openapi.paths).find(([template]) => new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path))
      if (documented !== undefined) expect(Object.keys(documented[1]).map((m) => m.toUpperCase())).toEqual([allow])
    }
    // Every documented path and method is in the table: asked another way, each answers 405 naming it.
    for (const [template, operations] of Object.entries(openapi.paths)) {
      const path = template.replace(/\{[^}]+\}/g, "x1")
      const r = await world.request("PATCH", path)
      expect({ path, status: r.status, allow: r.headers.get("allow") }).toEqual({ path, status: 405, allow: Object.keys(operations).map((m) => m.toUpperCase()).join(", ") })
    }
    expect((await world.request("DELETE", "/v1/nothing")).status).toBe(404)
  })

  it("serves /healthz, /readyz, /metrics and /openapi.json", async () => {
    expect((await world.request("GET", "/healthz")).json).toEqual({ status: "ok" })
    expect((await world.request("GET", "/readyz")).json).toMatchObject({ ready: true, nats: "connected" })
    const metrics = await fetch(`${world.url()}/metrics`).then((r) => r.text())
    expect(metrics).toContain("dispatch_http_requests_total")
    expect(metrics).toContain("dispatch_breaker_state")
    const openapi = (await world.request("GET", "/openapi.json")).json as { paths: Record<string, unknown> }
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(["/v1/rides", "/v1/rides/{id}", "/v1/rides/{id}/cancel", "/v1/drivers/{id}/state"]))
    // The document openapi-lint.test.ts lints.
    expect(openapi).toEqual(OpenApi.fromApi(DispatchApi))
  })

  it("answers a retried POST with the same Idempotency-Key with the first answer, and stores one order", async () => {
    const headers = { "idempotency-key": "idem-1" }
    const first = await world.request("POST", "/v1/rides", ride("rider-idem"), headers)
    const retries = await Promise.all(Array.from({ length: 5 }, () => world.request("POST", "/v1/rides", ride("rider-idem"), headers)))
    expect(first.status).toBe(201)
    for (const r of retries) {
      expect(r.status).toBe(201)
      expect(r.json).toEqual(first.json)
      expect(r.headers.get("idempotent-replayed")).toBe("true")
    }
    const other = await world.request("POST", "/v1/rides", ride("rider-idem"), { "idempotency-key": "idem-2" })
    expect(other.json.orderId).not.toBe(first.json.orderId)
    // Exactly one ORDERS message carries the first order's id.
    const consumer = await world.client().js.consumers.get(STREAMS.orders, { filter_subjects: "dispatch.sf.order.requested" })
    let count = 0
    for (;;) {
      const m = await consumer.next({ expires: 1_000 })
      if (m === null) break
      if ((m.json() as { orderId: string }).orderId === first.json.orderId) count++
      if (m.info.pending === 0) break
    }
    expect(count).toBe(1)
  })

  it("refuses bad input with a 4xx whose JSON body names the field", async () => {
    const cases: Array<[string, string, unknown, Record<string, string>, number, string, string | undefined]> = [
      ["POST", "/v1/rides", { ...ride(), pickup: { lat: 95, lng: 0 } }, {}, 400, "invalid", "pickup.lat"],
      ["POST", "/v1/rides", { pickup: PICKUP, dropoff: DROPOFF }, {}, 400, "invalid", "riderId"],
      ["POST", "/v1/rides", { ...ride(), maxWaitMs: 5 }, {}, 400, "invalid", "maxWaitMs"],
      ["POST", "/v1/rides", "{\"riderId\":", {}, 400, "not_json", "$"],
      ["POST", "/v1/rides", ride(), { "x-region": "mars" }, 400, "unknown_region", "x-region"],
      ["POST", "/v1/rides", ride(), { "x-region": "dispatch.>" }, 400, "invalid", "x-region"],
      ["POST", "/v1/rides", ride(), { "idempotency-key": "has space" }, 400, "invalid", "idempotency-key"],
      ["POST", "/v1/rides", { ...ride(), pickup: { lat: 1, lng: 1 } }, {}, 422, "outside_market", "pickup"],
      ["PUT", "/v1/drivers/a.b/state", { ...PICKUP, status: "available" }, {}, 400, "invalid", "id"],
      ["PUT", "/v1/drivers/d1/state", { ...PICKUP, status: "asleep" }, {}, 400, "invalid", "status"],
      ["GET", `/v1/rides/${"x".repeat(129)}`, undefined, {}, 400, "invalid", "id"],
      ["GET", "/v1/nothing", undefined, {}, 404, "not_found", undefined]
    ]
    for (const [method, path, body, headers, status, code, field] of cases) {
      const r = await world.request(method, path, body, headers)
      expect({ path, status: r.status, code: r.json?.error?.code, field: r.json?.error?.path }).toEqual({ path, status, code, field })
      expect(typeof r.json.error.message).toBe("string")
    }
  })

  it("refuses a body, a path id or a query parameter that is not valid UTF-8 with 400 not_utf8 naming it, and stores nothing", async () => {
    const bytes = (...parts: Array<string | ReadonlyArray<number>>) =>
      new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...new TextEncoder().encode(p)] : [...p])))
    const send = async (method: string, path: string, body?: Uint8Array) => {
      const res = await fetch(`${world.url()}${path}`, { method, ...(body === undefined ? {} : { body, headers: { "content-type": "application/json" } }) })
      return { status: res.status, json: (await res.json()) as { error?: { code?: string; path?: string; message?: string } } }
    }
    const rideBody = (...riderId: Array<string | ReadonlyArray<number>>) =>
      bytes(`{"riderId":"`, ...riderId, `","pickup":{"lat":37.78,"lng":-122.41},"dropoff":{"lat":37.79,"lng":-122.42}}`)
    const ridesBefore = (await world.client().jsm.streams.info(STREAMS.orders)).state.messages
    const cases: Array<[string, string, Uint8Array | undefined, string]> = [
      ["POST", "/v1/rides", rideBody("rider-", [0xff]), "$"], // a byte that is never UTF-8
      ["POST", "/v1/rides", rideBody("rider-", [0xe2, 0x82]), "$"], // a truncated sequence
      ["POST", "/v1/rides", rideBody("rider-", [0xed, 0xa0, 0x80]), "$"], // an encoded surrogate
      ["POST", "/v1/rides", rideBody("rider-", [0xc0, 0xaf]), "$"], // an overlong "/"
      // Even in a field the schema would drop.
      ["PUT", "/v1/drivers/d-utf8/state", bytes(`{"lat":37.78,"lng":-122.41,"status":"available","note":"`, [0xc3, 0x28], `"}`), "$"],
      ["GET", "/v1/rides/r_%FF", undefined, "id"],
      ["POST", "/v1/rides/r_%C3%28/cancel", undefined, "id"],
      ["POST", "/v1/rides/r_1/cancel?reason=%FF", undefined, "reason"],
      ["PUT", "/v1/drivers/d%E2%82/state", bytes(`{"lat":37.78,"lng":-122.41,"status":"available"}`), "id"]
    ]
    for (const [method, path, body, field] of cases) {
      const r = await send(method, path, body)
      expect({ method, path, status: r.status, code: r.json.error?.code, field: r.json.error?.path }).toEqual({ method, path, status: 400, code: "not_utf8", field })
      expect(r.json.error?.message).toMatch(/not valid UTF-8/)
    }
    expect((await world.client().jsm.streams.info(STREAMS.orders)).state.messages).toBe(ridesBefore)
    const kv = await world.client().kvm.open(KV_BUCKETS.drivers)
    expect(await kv.get(kvKeys.driver("sf", "d-utf8"))).toBeNull()
    // Valid multi-byte UTF-8 is fine where the schema allows it, and a malformed escape is the router's.
    expect((await send("POST", "/v1/rides", rideBody("rider-é€𝄞"))).status).toBe(201)
    expect((await send("GET", "/v1/rides/r_%C3%A9")).json.error?.code).toBe("not_found")
    expect((await send("POST", "/v1/rides/r_1/cancel?reason=%G1")).json.error?.code).not.toBe("not_utf8")
  })

  it("refuses a body over 16 KiB with 413, with or without Content-Length", async () => {
    const big = JSON.stringify({ ...ride(), riderId: "x".repeat(20_000) })
    const declared = await world.request("POST", "/v1/rides", big)
    expect(declared.status).toBe(413)
    expect(declared.json.error.code).toBe("too_large")
    expect(declared.headers.get("connection")).toBe("close")
    // A streamed body has no Content-Length: the limit trips while it is read.
    const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(big)); c.close() } })
    const chunked = await fetch(`${world.url()}/v1/rides`, { method: "POST", body: stream, headers: { "content-type": "application/json" }, duplex: "half" } as RequestInit)
    expect(chunked.status).toBe(413)
    expect(((await chunked.json()) as { error: { code: string } }).error.code).toBe("too_large")
  })

  it("answers hostile bodies, ids and headers with a 4xx JSON error, never a 500, and stays up", async () => {
    const nasty = fc.oneof(
      fc.constantFrom("dispatch.>", "*", ">", "a b", "a.b", "us-west.*", "\u0000", "%2e%2e", "..", "\u202e", "x".repeat(300)),
      fc.string({ maxLength: 40 }),
      fc.string({ unit: "binary", maxLength: 40 })
    )
    const deep = (n: number): unknown => (n === 0 ? 1 : { a: deep(n - 1) })
    const body = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.record({ riderId: nasty, pickup: fc.anything(), dropoff: fc.anything() }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 200 }),
      fc.integer({ min: 100, max: 3_000 }).map((n) => JSON.stringify(deep(n))),
      // Nesting as deep as 16 KiB allows, where a field is expected.
      fc.integer({ min: 1_000, max: 8_000 }).map((n) => `{"riderId":"a","pickup":${"[".repeat(n)}${"]".repeat(n)},"dropoff":{"lat":1,"lng":1}}`),
      fc.constant(JSON.stringify({ ...ride(), riderId: "r".repeat(15_000) }))
    )
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("POST /v1/rides", "PUT /v1/drivers/:id/state", "GET /v1/rides/:id", "POST /v1/rides/:id/cancel"), nasty, body, nasty, async (route, id, payload, region) => {
        const [method, template] = route.split(" ") as [string, string]
        const path = template.replace(":id", encodeURIComponent(id))
        let headerValue = region
        // fetch refuses header values it cannot send; those never reach a server anyway.
        if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(headerValue) || headerValue !== headerValue.trim()) headerValue = "bad region"
        const r = await world.request(method, path, method === "GET" ? undefined : payload, { "x-region": headerValue })
        expect(r.status, `${method} ${path} -> ${r.status} ${JSON.stringify(r.json)}`).toBeGreaterThanOrEqual(400)
        expect(r.status).toBeLessThan(500)
        expect(typeof r.json?.error?.code).toBe("string")
      }),
      { numRuns: 150 }
    )
    expect((await world.request("GET", "/healthz")).status).toBe(200)
  }, 120_000)

  it("never lets an id or region reach a NATS subject: no subject outside the contract ever carries traffic", async () => {
    const seen = new Set<string>()
    const sub = world.client().nc.subscribe(">", { callback: (_e, m) => void seen.add(m.subject) })
    for (const id of ["dispatch.>", "*", "a.b.c", "us-east.ride-request"]) {
      await world.request("GET", `/v1/rides/${encodeURIComponent(id)}`, undefined, { "x-region": "us-east" })
      await world.request("PUT", `/v1/drivers/${encodeURIComponent(id)}/state`, { ...PICKUP, status: "available" })
    }
    await world.request("POST", "/v1/rides", ride("dispatch.>"), { "idempotency-key": "*.>" })
    await world.client().nc.flush()
    sub.unsubscribe()
    const allowed = [/^dispatch\.rpc\.(us-west|us-east|eu-central)\.(ride-request|ride-status|ride-cancel|driver-state)$/, /^_INBOX\./, /^\$JS\./, /^\$KV\.(drivers|dispatch_rides)\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?$/, /^dispatch\.sf\.order\.requested$/, /^_JS_/]
    const strangers = [...seen].filter((s) => !allowed.some((re) => re.test(s)))
    expect(strangers).toEqual([])
  })

  // Last: it stops the server under the gateway.
  it("answers 503 with Retry-After when neither a region nor the fallback can take a ride (NATS down), and recovers", async () => {
    await world.server().stop()
    const started = performance.now()
    const down = await world.request("POST", "/v1/rides", ride("rider-503"))
    console.log(`NATS down: ${down.status} after ${(performance.now() - started).toFixed(0)} ms, Retry-After ${down.headers.get("retry-after")}`)
    expect(down.status).toBe(503)
    expect(down.json.error.code).toBe("unavailable")
    expect(Number(down.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
    await world.server().restart()
    let back = 0
    for (let i = 0; i < 100 && back !== 201; i++) {
      back = (await world.request("POST", "/v1/rides", ride("rider-back"))).status
      if (back !== 201) await new Promise((r) => setTimeout(r, 200))
    }
    expect(back).toBe(201)
  }, 60_000)
})
