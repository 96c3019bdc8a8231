/**
 * The admin HTTP API: read and change region weights, drains and lane shares, read their audited history,
 * roll a key back, and see every target's breaker. Routes on the gateway's `HttpRouter` (a
 * layer the gateway merges next to its `HttpApiBuilder` layer); docs/regions.md has the
 * reference with curl examples.
 *
 * Plain router routes rather than an `HttpApiGroup` because authentication must answer first,
 * with its own JSON 401/503, before any body is decoded, and every write goes through the same
 * `RegionStore` as the CLI, whose typed errors map to 409/404/422 here (admin-problems.ts).
 *
 * Every route: 503 `admin_disabled` when no token is configured; 401 `unauthorized` without the
 * right `Authorization: Bearer <token>`. Writes are recorded as `admin-api`, or as the
 * `X-Dispatch-Actor` header when it is a valid token (anything else is a 400).
 */
import { Data, Effect, Layer, Result, Schema } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse as Res } from "effect/http"
import { fieldProblems, Token } from "#engine"
import { BreakerBoard } from "../balancer/breaker-board.ts"
import type { RegionStoreError } from "../regions/errors.ts"
import { RegionStore } from "../regions/region-store.ts"
import { entryView, historyView, listingView } from "../regions/region-views.ts"
import { Reason } from "../regions/region-values.ts"
import { AdminAuth } from "./admin-auth.ts"
import { adminError, storeErrorResponse } from "./admin-problems.ts"

/** Actor recorded for admin API changes without an `X-Dispatch-Actor` header. */
export const ADMIN_ACTOR = "admin-api"
export const ACTOR_HEADER = "x-dispatch-actor"
/** Largest admin request body (bytes): a weights map of a few regions is ~200 B. */
export const MAX_ADMIN_BODY_BYTES = 16 * 1024

const Revision = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0, { message: "must be an integer >= 0" }))

const ChangeFields = {
  reason: Schema.optionalKey(Reason),
  /** The revision the client based its change on (from GET /admin/regions); 0 = the key did not exist. */
  expectedRevision: Schema.optionalKey(Revision)
}
export const WeightsBody = Schema.Struct({ weights: Schema.Record(Schema.String, Schema.Number), ...ChangeFields })
export const LanesBody = Schema.Struct({ shares: Schema.Record(Schema.String, Schema.Number), ...ChangeFields })
export const DrainBody = Schema.Struct(ChangeFields)
/** The store checks the numbers (422 naming `limit.burst` / `limit.perSecond`); null clears the limit. */
export const LimitBody = Schema.Struct({ limit: Schema.NullOr(Schema.Struct({ burst: Schema.Number, perSecond: Schema.Number })), ...ChangeFields })
export const RollbackBody = Schema.Struct({ key: Schema.String, revision: Revision, ...ChangeFields })

/** A request the admin API refuses before reaching the store. */
class BadRequest extends Data.TaggedError("BadRequest")<{ readonly status: number; readonly code: "invalid" | "not_json"; readonly message: string; readonly path: string }> {}

const decodeBody = <S extends Schema.Decoder<unknown>>(schema: S, optional: boolean) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const text = yield* request.text.pipe(Effect.mapError(() => new BadRequest({ status: 400, code: "invalid", message: "could not read the body", path: "$" })))
    if (Buffer.byteLength(text) > MAX_ADMIN_BODY_BYTES) {
      return yield* new BadRequest({ status: 413, code: "invalid", message: `body over ${MAX_ADMIN_BODY_BYTES} bytes`, path: "$" })
    }
    let json: unknown = {}
    if (text.trim().length > 0 || !optional) {
      try {
        json = JSON.parse(text)
      } catch (e) {
        return yield* new BadRequest({ status: 400, code: "not_json", message: `body is not JSON: ${e instanceof Error ? e.message : String(e)}`, path: "$" })
      }
    }
    const decoded = Schema.decodeUnknownResult(schema)(json, { errors: "all" })
    if (Result.isSuccess(decoded)) return decoded.success as S["Type"]
    const first = fieldProblems(decoded.failure)[0]
    return yield* new BadRequest({ status: 400, code: "invalid", message: decoded.failure.message, path: first?.path ?? "$" })
  })

const actorOf = (request: HttpServerRequest.HttpServerRequest) => {
  const header = request.headers[ACTOR_HEADER]
  if (header === undefined) return Effect.succeed(ADMIN_ACTOR)
  return Result.isSuccess(Schema.decodeUnknownResult(Token)(header))
    ? Effect.succeed(header)
    : Effect.fail(new BadRequest({ status: 400, code: "invalid", message: `${ACTOR_HEADER} must be a token ([A-Za-z0-9_-], 1-128 characters)`, path: ACTOR_HEADER }))
}

export const layerAdminRoutes = HttpRouter.use((router) =>
  Effect.gen(function*() {
    const auth = yield* AdminAuth
    const store = yield* RegionStore
    const board = yield* BreakerBoard

    /** Authentication first, then the handler; every failure becomes a JSON answer. */
    const route = (handler: (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<Res.HttpServerResponse, RegionStoreError | BadRequest, HttpServerRequest.HttpServerRequest | HttpRouter.RouteContext>) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        switch (auth.check(request.headers["authorization"])) {
          case "disabled":
            return adminError(503, "admin_disabled", "the admin API is off: set DISPATCH_ADMIN_TOKEN on the gateway to turn it on")
          case "missing":
            return adminError(401, "unauthorized", "send Authorization: Bearer <DISPATCH_ADMIN_TOKEN>", "authorization", { "www-authenticate": "Bearer" })
          case "wrong":
            return adminError(401, "unauthorized", "wrong admin token", "authorization", { "www-authenticate": "Bearer" })
          case "ok":
            return yield* handler(request).pipe(
              Effect.catchTag("BadRequest", (e) => Effect.succeed(adminError(e.status, e.code, e.message, e.path))),
              Effect.catch((e) => Effect.succeed(storeErrorResponse(e)))
            )
        }
      })

    const param = (name: string) => Effect.map(HttpRouter.params, (p) => p[name] ?? "")
    const ok = (body: unknown) => Res.jsonUnsafe(body, { headers: { "cache-control": "no-store" } })
    const change = (request: HttpServerRequest.HttpServerRequest, body: { readonly reason?: string; readonly expectedRevision?: number }) =>
      Effect.map(actorOf(request), (by) => ({ by, reason: body.reason, expectedRevision: body.expectedRevision }))

    yield* router.add("GET", "/admin/regions", route(() => Effect.map(store.list, (l) => ok(listingView(l)))))

    yield* router.add("PUT", "/admin/regions/weights/:caller", route((request) =>
      Effect.gen(function*() {
        const body = yield* decodeBody(WeightsBody, false)
        const entry = yield* store.setWeights(yield* param("caller"), body.weights, { ...yield* change(request, body), mode: "replace" })
        return ok(entryView(entry))
      })))

    yield* router.add("PUT", "/admin/regions/lanes/:caller", route((request) =>
      Effect.gen(function*() {
        const body = yield* decodeBody(LanesBody, false)
        const entry = yield* store.setLaneShares(yield* param("caller"), body.shares, { ...yield* change(request, body), mode: "replace" })
        return ok(entryView(entry))
      })))

    yield* router.add("PUT", "/admin/regions/limits/:scope", route((request) =>
      Effect.gen(function*() {
        const body = yield* decodeBody(LimitBody, false)
        return ok(entryView(yield* store.setLimit(yield* param("scope"), body.limit, yield* change(request, body))))
      })))

    for (const [action, drained] of [["drain", true], ["undrain", false]] as const) {
      yield* router.add("POST", `/admin/regions/:region/${action}`, route((request) =>
        Effect.gen(function*() {
          const body = yield* decodeBody(DrainBody, true)
          const entry = yield* store.setDrained(yield* param("region"), drained, yield* change(request, body))
          return ok(entryView(entry))
        })))
    }

    yield* router.add("GET", "/admin/regions/history", route((request) =>
      Effect.gen(function*() {
        const region = new URL(request.url, "http://admin").searchParams.get("region") ?? undefined
        return ok(historyView(yield* store.history({ region })))
      })))

    yield* router.add("POST", "/admin/regions/rollback", route((request) =>
      Effect.gen(function*() {
        const body = yield* decodeBody(RollbackBody, false)
        return ok(entryView(yield* store.rollback(body.key, body.revision, yield* change(request, body))))
      })))

    yield* router.add("GET", "/admin/breakers", route(() => Effect.map(board.snapshot, ok)))
  })
)

/** The admin routes with the token from the environment; the gateway provides RegionStore and BreakerBoard. */
export const layerAdmin = layerAdminRoutes.pipe(Layer.provide(AdminAuth.layerConfig))
