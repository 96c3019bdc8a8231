/**
 * The admin HTTP API over a real nats-server (RegionStore on KV), served through Effect's web
 * handler: authentication (off, missing, wrong, right token; the constant-time compare is the
 * one used), every route, and errors as JSON bodies naming the field.
 */
import { Effect, Layer, Redacted } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import crypto from "node:crypto"
import { afterEach, describe, expect, it, vi } from "vitest"
import { describeWithNats } from "#engine/testing"
import { AdminAuth, bearerToken, makeAdminAuth } from "../../src/admin/admin-auth.ts"
import { layerAdminRoutes } from "../../src/admin/admin-routes.ts"
import { BreakerBoard, type BreakerBoardSnapshot } from "../../src/balancer/breaker-board.ts"
import { makeRegionStore, RegionStore } from "../../src/regions/region-store.ts"
import { REGIONS, useNatsFixture } from "../regions/nats-fixture.ts"

const TOKEN = "s3cret-admin-token-for-tests"
const BOARD: BreakerBoardSnapshot = {
  at: 1_700_000_000_000,
  targets: [{ target: "us-east", state: "open", calls: 10, failures: 6, slowCalls: 0, failureRatePercent: 60, slowCallRatePercent: 0, retryAfterMs: 1200, ejectedUntil: null, drained: false, lastTransitionAt: 1_699_999_999_000, forcedOpen: false }],
  fleetHealth: null
}

describe("admin token check", () => {
  afterEach(() => vi.restoreAllMocks())

  it("is off without a token, and with an empty one", () => {
    expect(makeAdminAuth(undefined).check(`Bearer ${TOKEN}`)).toBe("disabled")
    expect(makeAdminAuth(Redacted.make("")).enabled).toBe(false)
  })

  it("tells missing, wrong and right apart", () => {
    const auth = makeAdminAuth(Redacted.make(TOKEN))
    expect(auth.check(undefined)).toBe("missing")
    expect(auth.check("Basic abc")).toBe("missing")
    expect(auth.check(`Bearer ${TOKEN}x`)).toBe("wrong")
    expect(auth.check("Bearer s")).toBe("wrong")
    expect(auth.check(`Bearer ${TOKEN}`)).toBe("ok")
    expect(auth.check(`bearer  ${TOKEN}`)).toBe("ok")
    expect(bearerToken("Bearer a b")).toBeUndefined()
  })

  it("compares with crypto.timingSafeEqual on equal-length digests, whatever length was sent", () => {
    const spy = vi.spyOn(crypto, "timingSafeEqual")
    const auth = makeAdminAuth(Redacted.make(TOKEN))
    for (const presented of ["x", TOKEN.slice(0, -1), TOKEN, `${TOKEN}${"y".repeat(500)}`]) auth.check(`Bearer ${presented}`)
    expect(spy).toHaveBeenCalledTimes(4)
    for (const [a, b] of spy.mock.calls) {
      expect((a as Buffer).length).toBe(32)
      expect((b as Buffer).length).toBe(32)
    }
  })
})

describeWithNats("admin HTTP API", () => {
  const fx = useNatsFixture()

  const serve = (token: string | undefined) => {
    const app = layerAdminRoutes.pipe(
      Layer.provide(Layer.succeed(AdminAuth, makeAdminAuth(token === undefined ? undefined : Redacted.make(token)))),
      Layer.provide(Layer.succeed(RegionStore, makeRegionStore(fx.kv, REGIONS))),
      Layer.provide(Layer.succeed(BreakerBoard, { snapshot: Effect.succeed(BOARD) })),
      Layer.provide(HttpServer.layerServices)
    )
    const { handler, dispose } = HttpRouter.toWebHandler(app, { disableLogger: true })
    const call = async (method: string, path: string, options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {}) => {
      const headers: Record<string, string> = { ...options.headers }
      if (options.token !== null) headers["authorization"] = `Bearer ${options.token ?? TOKEN}`
      if (options.body !== undefined) headers["content-type"] = "application/json"
      const init: RequestInit = { method, headers }
      if (options.body !== undefined) init.body = typeof options.body === "string" ? options.body : JSON.stringify(options.body)
      const response = await handler(new Request(`http://gateway${path}`, init))
      const text = await response.text()
      return { status: response.status, headers: response.headers, body: text.length > 0 ? JSON.parse(text) : undefined, text }
    }
    return { call, dispose }
  }

  it("is off (503, JSON) when no token is configured, even with a token sent", async () => {
    const api = serve(undefined)
    try {
      for (const [method, path] of [["GET", "/admin/regions"], ["POST", "/admin/regions/us-east/drain"], ["GET", "/admin/breakers"]] as const) {
        const r = await api.call(method, path)
        expect(r.status).toBe(503)
        expect(r.body.error.code).toBe("admin_disabled")
      }
      expect(await fx.kv.get("drain.us-east")).toBeNull()
    } finally {
      await api.dispose()
    }
  })

  it("answers 401 with a JSON body to a missing or wrong token, and never echoes it", async () => {
    const api = serve(TOKEN)
    try {
      const missing = await api.call("GET", "/admin/regions", { token: null })
      expect(missing.status).toBe(401)
      expect(missing.body.error).toMatchObject({ code: "unauthorized", path: "authorization" })
      expect(missing.headers.get("www-authenticate")).toBe("Bearer")
      const wrong = await api.call("POST", "/admin/regions/us-east/drain", { token: "guess-guess-guess" })
      expect(wrong.status).toBe(401)
      expect(wrong.text).not.toContain("guess")
      expect(wrong.text).not.toContain(TOKEN)
      expect(await fx.kv.get("drain.us-east")).toBeNull()
    } finally {
      await api.dispose()
    }
  })

  it("with the token: set weights, drain, list, history, rollback, breakers", async () => {
    const api = serve(TOKEN)
    try {
      const set = await api.call("PUT", "/admin/regions/weights/us-west", { body: { weights: { "us-west": 3, "us-east": 1 }, reason: "shift" } })
      expect(set.status).toBe(200)
      expect(set.body).toMatchObject({ key: "weights.us-west", value: { v: 1, weights: { "us-west": 3, "us-east": 1 }, by: "admin-api", reason: "shift" } })

      const drain = await api.call("POST", "/admin/regions/eu-central/drain", { headers: { "x-dispatch-actor": "oncall-ana" } })
      expect(drain.status).toBe(200)
      expect(drain.body.value).toMatchObject({ drained: true, by: "oncall-ana" })

      const list = await api.call("GET", "/admin/regions")
      expect(list.status).toBe(200)
      expect(list.body.weights["us-west"]).toEqual({ "us-west": 3, "us-east": 1 })
      expect(list.body.weights["us-east"]).toEqual({ "us-east": 1 })
      expect(list.body.drained).toEqual(["eu-central"])
      expect(list.body.keys.map((k: { key: string }) => k.key)).toEqual(["drain.eu-central", "weights.us-west"])

      const again = await api.call("PUT", "/admin/regions/weights/us-west", { body: { weights: { "us-east": 1 } } })
      const history = await api.call("GET", "/admin/regions/history?region=us-west")
      expect(history.body.depth).toBe(64)
      expect(history.body.entries.map((e: { revision: number }) => e.revision)).toEqual([again.body.revision, set.body.revision])

      const back = await api.call("POST", "/admin/regions/rollback", { body: { key: "us-west", revision: set.body.revision } })
      expect(back.status).toBe(200)
      expect(back.body.value).toMatchObject({ weights: { "us-west": 3, "us-east": 1 }, by: "admin-api", reason: `rollback to rev ${set.body.revision}` })

      const undrain = await api.call("POST", "/admin/regions/eu-central/undrain", { body: { reason: "done" } })
      expect(undrain.body.value).toMatchObject({ drained: false, reason: "done" })

      const lanes = await api.call("PUT", "/admin/regions/lanes/us-west", { body: { shares: { canary: 5 }, reason: "intake v2" } })
      expect(lanes.status).toBe(200)
      expect(lanes.body).toMatchObject({ key: "lanes.us-west", value: { shares: { canary: 5 }, by: "admin-api", reason: "intake v2" } })
      expect((await api.call("GET", "/admin/regions")).body.lanes).toEqual({ "us-west": { canary: 5 } })
      const tooMuch = await api.call("PUT", "/admin/regions/lanes/us-west", { body: { shares: { canary: 80, blue: 30 } } })
      expect(tooMuch.status).toBe(422)
      expect(tooMuch.body.error.path).toBe("shares")

      const breakers = await api.call("GET", "/admin/breakers")
      expect(breakers.status).toBe(200)
      expect(breakers.body).toEqual(BOARD)
    } finally {
      await api.dispose()
    }
  })

  it("sets and clears a rate limit (a region or the default), audited, and refuses a bad one naming the field", async () => {
    const api = serve(TOKEN)
    try {
      const set = await api.call("PUT", "/admin/regions/limits/us-east", { body: { limit: { burst: 20, perSecond: 5 }, reason: "protect east" } })
      expect(set.status).toBe(200)
      expect(set.body).toMatchObject({ key: "limits.us-east", value: { v: 1, limit: { burst: 20, perSecond: 5 }, by: "admin-api", reason: "protect east" } })
      const def = await api.call("PUT", "/admin/regions/limits/default", { body: { limit: null } })
      expect(def.body).toMatchObject({ key: "limits.default", value: { limit: null } })
      const history = await api.call("GET", "/admin/regions/history?region=us-east")
      expect(history.body.entries.map((e: { key: string }) => e.key)).toEqual(["limits.us-east"])
      const zero = await api.call("PUT", "/admin/regions/limits/us-east", { body: { limit: { burst: 0, perSecond: 5 } } })
      expect(zero.status).toBe(422)
      expect(zero.body.error.path).toBe("limit.burst")
      const mars = await api.call("PUT", "/admin/regions/limits/mars", { body: { limit: null } })
      expect(mars.status).toBe(422)
      const shape = await api.call("PUT", "/admin/regions/limits/us-east", { body: { limit: { burst: "many" } } })
      expect(shape.status).toBe(400)
    } finally {
      await api.dispose()
    }
  })

  it("refuses bad input with 400/409/404/422 and a JSON body naming the field", async () => {
    const api = serve(TOKEN)
    try {
      const notJson = await api.call("PUT", "/admin/regions/weights/us-west", { body: "{oops" })
      expect(notJson.status).toBe(400)
      expect(notJson.body.error).toMatchObject({ code: "not_json", path: "$" })

      const shape = await api.call("PUT", "/admin/regions/weights/us-west", { body: { weights: { "us-east": "lots" } } })
      expect(shape.status).toBe(400)
      expect(shape.body.error.path).toBe("weights.us-east")

      const negative = await api.call("PUT", "/admin/regions/weights/us-west", { body: { weights: { "us-east": -2 } } })
      expect(negative.status).toBe(422)
      expect(negative.body.error.path).toBe("weights.us-east")

      const unknown = await api.call("PUT", "/admin/regions/weights/us-west", { body: { weights: { "us-west": 1, "moon": 1 } } })
      expect(unknown.status).toBe(422)
      expect(unknown.body.error.path).toBe("weights.moon")

      const zero = await api.call("PUT", "/admin/regions/weights/us-west", { body: { weights: { "us-west": 0 } } })
      expect(zero.status).toBe(422)
      expect(zero.body.error.path).toBe("weights")

      const badCaller = await api.call("POST", "/admin/regions/mars/drain")
      expect(badCaller.status).toBe(422)
      expect(badCaller.body.error.path).toBe("region")

      const actor = await api.call("POST", "/admin/regions/us-east/drain", { headers: { "x-dispatch-actor": "not a token" } })
      expect(actor.status).toBe(400)
      expect(actor.body.error.path).toBe("x-dispatch-actor")

      const first = await api.call("PUT", "/admin/regions/weights/us-east", { body: { weights: { "us-east": 1 }, expectedRevision: 0 } })
      expect(first.status).toBe(200)
      const stale = await api.call("PUT", "/admin/regions/weights/us-east", { body: { weights: { "us-east": 2 }, expectedRevision: 0 } })
      expect(stale.status).toBe(409)
      expect(stale.body.error).toMatchObject({ code: "conflict", path: "expectedRevision", actual: first.body.revision })

      const gone = await api.call("POST", "/admin/regions/rollback", { body: { key: "weights.us-east", revision: 9999 } })
      expect(gone.status).toBe(404)
      expect(gone.body.error.path).toBe("revision")

      const badRollback = await api.call("POST", "/admin/regions/rollback", { body: { key: "weights.us-east" } })
      expect(badRollback.status).toBe(400)
      expect(badRollback.body.error.path).toBe("revision")
    } finally {
      await api.dispose()
    }
  })
})
