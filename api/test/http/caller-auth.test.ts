/**
 * Caller authentication of `/v1` against a real nats-server and real region intakes, with a
 * gateway verifying HS256 tokens from a shared secret: 401 for no, forged, expired or
 * misaddressed tokens (with WWW-Authenticate), 403 for the wrong role or another driver, 404
 * for another rider's ride (read and cancel, indistinguishable from an unknown one), idempotency
 * keys scoped per rider, 415 for a body that is not declared JSON, and every refusal counted.
 */
import { randomBytes } from "node:crypto"
import { expect, it } from "vitest"
import { describeWithNats } from "#engine/testing"
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from "../../src/auth/auth-settings.ts"
import { mintCallerToken, type Caller } from "../../src/auth/caller-token.ts"
import { useGatewayWorld } from "../support/gateway-world.ts"

const PICKUP = { lat: 37.78, lng: -122.41 }
const DROPOFF = { lat: 37.79, lng: -122.42 }
const ride = (riderId: string) => ({ riderId, pickup: PICKUP, dropoff: DROPOFF })
const SECRET = randomBytes(32)
const claims = { issuer: DEFAULT_ISSUER, audience: DEFAULT_AUDIENCE }

const tokenFor = (caller: Caller, options: { readonly secret?: Uint8Array; readonly ttlSeconds?: number; readonly now?: number; readonly issuer?: string; readonly audience?: string } = {}) =>
  mintCallerToken(options.secret ?? SECRET, caller, { ...claims, ...options, ttlSeconds: options.ttlSeconds ?? 600 })
const bearer = async (caller: Caller, options?: Parameters<typeof tokenFor>[1]) => ({ authorization: `Bearer ${await tokenFor(caller, options)}` })
const rider = (sub: string): Caller => ({ sub, role: "rider" })
const driver = (sub: string): Caller => ({ sub, role: "driver" })

describeWithNats("caller authentication on /v1", () => {
  const world = useGatewayWorld({ auth: { keys: { _tag: "Secret", key: SECRET, source: "secret:TEST" }, claims } })

  const authFailures = async () => {
    const text = await fetch(`${world.url()}/metrics`).then((r) => r.text())
    return Object.fromEntries([...text.matchAll(/^dispatch_auth_failures_total\{reason="(\w+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]))
  }

  it("answers 401 with WWW-Authenticate and a problem body on every /v1 route without a token, and leaves ops routes open", async () => {
    for (const [method, path, body] of [
      ["POST", "/v1/rides", ride("r-a")],
      ["GET", "/v1/rides/r_x", undefined],
      ["POST", "/v1/rides/r_x/cancel", undefined],
      ["PUT", "/v1/drivers/d-1/state", { ...PICKUP, status: "available" }]
    ] as const) {
      for (const headers of [{}, { authorization: "Basic dXNlcjpwdw==" }]) {
        const r = await world.request(method, path, body, headers)
        expect({ path, status: r.status, error: r.json.error }).toEqual({ path, status: 401, error: { code: "unauthorized", message: expect.stringContaining("no bearer token"), path: "authorization" } })
        expect(r.headers.get("www-authenticate")).toBe(`Bearer realm="dispatch"`)
      }
    }
    expect((await world.request("GET", "/healthz")).status).toBe(200)
    expect((await world.request("GET", "/readyz")).status).toBe(200)
    expect((await world.request("GET", "/openapi.json")).status).toBe(200)
  })

  it("answers 401 invalid_token for a forged, expired, misaddressed, malformed or role-less token", async () => {
    const nowS = Math.floor(Date.now() / 1000)
    const cases: ReadonlyArray<readonly [string, string, string]> = [
      ["another key", await tokenFor(rider("r-a"), { secret: randomBytes(32) }), "bad_signature"],
      ["expired an hour ago", await tokenFor(rider("r-a"), { now: nowS - 7_200, ttlSeconds: 3_600 }), "expired"],
      ["another issuer", await tokenFor(rider("r-a"), { issuer: "evil" }), "bad_claims"],
      ["another audience", await tokenFor(rider("r-a"), { audience: "other-api" }), "bad_claims"],
      ["not a JWT", "not.a.jwt", "malformed"],
      ["no role", await tokenFor({ sub: "r-a", role: "admin" } as unknown as Caller), "bad_claims"]
    ]
    const before = await authFailures()
    for (const [what, token] of cases) {
      const r = await world.request("POST", "/v1/rides", ride("r-a"), { authorization: `Bearer ${token}` })
      expect({ what, status: r.status, code: r.json.error.code }).toEqual({ what, status: 401, code: "unauthorized" })
      expect(r.headers.get("www-authenticate")).toMatch(/^Bearer realm="dispatch", error="invalid_token", error_description="[^"]+"$/)
    }
    const after = await authFailures()
    for (const reason of ["bad_signature", "expired", "bad_claims", "malformed"]) {
      const expected = cases.filter((c) => c[2] === reason).length
      expect({ reason, counted: (after[reason] ?? 0) - (before[reason] ?? 0) }).toEqual({ reason, counted: expected })
    }
  })

  it("answers 403 for a token of the wrong role, a riderId that is not the token's and another driver's state", async () => {
    const before = await authFailures()
    const driverBooks = await world.request("POST", "/v1/rides", ride("d-1"), await bearer(driver("d-1")))
    expect({ status: driverBooks.status, code: driverBooks.json.error.code }).toEqual({ status: 403, code: "forbidden" })
    const riderDrives = await world.request("PUT", "/v1/drivers/r-a/state", { ...PICKUP, status: "available" }, await bearer(rider("r-a")))
    expect({ status: riderDrives.status, code: riderDrives.json.error.code }).toEqual({ status: 403, code: "forbidden" })
    const impersonates = await world.request("POST", "/v1/rides", ride("r-b"), await bearer(rider("r-a")))
    expect(impersonates.status).toBe(403)
    expect(impersonates.json.error).toMatchObject({ code: "forbidden", path: "riderId" })
    const otherDriver = await world.request("PUT", "/v1/drivers/d-2/state", { ...PICKUP, status: "available" }, await bearer(driver("d-1")))
    expect(otherDriver.status).toBe(403)
    expect(otherDriver.json.error).toMatchObject({ code: "forbidden", path: "id" })
    const own = await world.request("PUT", "/v1/drivers/d-1/state", { ...PICKUP, status: "available" }, await bearer(driver("d-1")))
    expect(own.status).toBe(200)
    expect(own.json).toEqual({ driverId: "d-1", market: "sf" })
    const after = await authFailures()
    expect((after["wrong_role"] ?? 0) - (before["wrong_role"] ?? 0)).toBe(2)
    expect((after["wrong_subject"] ?? 0) - (before["wrong_subject"] ?? 0)).toBe(2)
  })

  it("shows and cancels a rider's own ride, and answers another rider's like an unknown one (404), leaving it untouched", async () => {
    const owner = await bearer(rider("r-owner"))
    const other = await bearer(rider("r-other"))
    const created = await world.request("POST", "/v1/rides", ride("r-owner"), owner)
    expect(created.status).toBe(201)
    const id = encodeURIComponent(created.json.orderId as string)
    const unknownRead = await world.request("GET", "/v1/rides/r_no-such-ride", undefined, other)
    const read = await world.request("GET", `/v1/rides/${id}`, undefined, other)
    const cancel = await world.request("POST", `/v1/rides/${id}/cancel`, undefined, other)
    for (const r of [read, cancel, unknownRead]) {
      expect(r.status).toBe(404)
      expect(r.json.error).toMatchObject({ code: "not_found", path: "id" })
    }
    // Same words as for an id that exists nowhere, but for the id itself.
    expect(read.json.error.message.replace(created.json.orderId, "ID")).toBe(unknownRead.json.error.message.replace("r_no-such-ride", "ID"))
    const mine = await world.request("GET", `/v1/rides/${id}`, undefined, owner)
    expect(mine.status).toBe(200)
    expect(mine.json.status).not.toBe("cancelling")
    const cancelled = await world.request("POST", `/v1/rides/${id}/cancel`, undefined, owner)
    expect([200, 202]).toContain(cancelled.status)
  })

  it("scopes an Idempotency-Key per rider: the same key from two riders makes two orders, a retry by one the same", async () => {
    const key = { "idempotency-key": "shared-key-1" }
    const a = await world.request("POST", "/v1/rides", ride("r-idem-a"), { ...key, ...(await bearer(rider("r-idem-a"))) })
    const b = await world.request("POST", "/v1/rides", ride("r-idem-b"), { ...key, ...(await bearer(rider("r-idem-b"))) })
    const again = await world.request("POST", "/v1/rides", ride("r-idem-a"), { ...key, ...(await bearer(rider("r-idem-a"))) })
    expect([a.status, b.status, again.status]).toEqual([201, 201, 201])
    expect(b.json.orderId).not.toBe(a.json.orderId)
    expect(b.headers.get("idempotent-replayed")).toBeNull()
    expect(again.json).toEqual(a.json)
    expect(again.headers.get("idempotent-replayed")).toBe("true")
  })

  it("answers 415 for a POST or PUT whose body is not declared application/json", async () => {
    const auth = await bearer(rider("r-415"))
    // Bytes, not a string: fetch would declare a string `text/plain` itself.
    const body = new TextEncoder().encode(JSON.stringify(ride("r-415")))
    for (const contentType of [undefined, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const res = await fetch(`${world.url()}/v1/rides`, { method: "POST", body, headers: { ...auth, ...(contentType === undefined ? {} : { "content-type": contentType }) } })
      const json = (await res.json()) as { error: { code: string } }
      expect({ contentType, status: res.status, code: json.error.code }).toEqual({ contentType, status: 415, code: "unsupported_media_type" })
    }
    const put = await fetch(`${world.url()}/v1/drivers/d-415/state`, { method: "PUT", body: JSON.stringify({ ...PICKUP, status: "available" }), headers: { ...(await bearer(driver("d-415"))), "content-type": "text/plain" } })
    expect(put.status).toBe(415)
    const ok = await world.request("POST", "/v1/rides", ride("r-415"), { ...auth, "content-type": "application/json; charset=utf-8" })
    expect(ok.status).toBe(201)
  })
})
