/**
 * What every request goes through, before and after its route: the body size limit, and the
 * promise that bad input never gets a 500 or an empty answer.
 *
 * - A body over `MAX_BODY_BYTES` is refused with 413 before it is read when Content-Length says
 *   so, and while it is read otherwise (chunked): Effect raises that as a defect inside the
 *   payload decoder (a 500 by default); here it becomes the 413.
 * - A JSON body, a path parameter or a query parameter that is not valid UTF-8 is refused
 *   with 400 `not_utf8` naming it (`$`, `id`, `reason`), as the wire contract refuses such
 *   payloads. Effect decodes bodies and find-my-way decodes parameters leniently: a bad byte
 *   became U+FFFD and was stored (issue 15, D4), and a bad path id was a 404. The body is read
 *   here once; the payload decoder reads the same cached bytes.
 * - A route that takes a JSON body (`POST /v1/rides`, `PUT /v1/drivers/:id/state`) refuses a
 *   request whose Content-Type is not `application/json` (parameters such as `charset`
 *   allowed) with 415, a missing one included: Effect decoded an undeclared body as JSON, so
 *   any web page could send a ride request cross-site without a CORS preflight (issue 15, D3).
 *   It is checked before authentication, which a cross-site form could not pass anyway.
 * - Any other error answer without a JSON body (Effect's empty 404 for an unknown route, its
 *   415 text for a wrong content type, an empty 400 from a request parse error) is rewritten
 *   to the gateway's JSON error shape, with the code its status stands for.
 * - A known path asked with a method it does not serve (`DELETE /v1/rides`) is 405 with an
 *   `Allow` header listing the methods it serves (RFC 9110 §15.5.6), not the router's 404.
 * - An unexpected defect is logged and answered 500 with a JSON body; the server stays up.
 * - Every answer is counted by route template, method and status, and timed.
 */
import { ByteSize, Cause, Effect, Layer } from "effect"
import { HttpRouter, HttpServerError, HttpServerRequest, HttpServerRespondable, HttpServerResponse } from "effect/http"
import { GatewayMetrics } from "./gateway-metrics.ts"
import { codeOfStatus, errorResponse, type ErrorCode } from "./problems.ts"

/** Largest request body accepted (bytes): a ride request is ~200 B; the wire contract's own limit. */
export const MAX_BODY_BYTES = 16 * 1024

/**
 * Route templates, for metric labels (never the raw path: ids would explode the label set),
 * and the methods each serves, for a 405's `Allow`.
 * gateway-http.test.ts holds this table to the OpenAPI document and the admin routes.
 */
const ROUTES: ReadonlyArray<readonly [RegExp, string, ReadonlyArray<string>]> = [
  [/^\/v1\/rides$/, "/v1/rides", ["POST"]],
  [/^\/v1\/rides\/[^/]+$/, "/v1/rides/:id", ["GET"]],
  [/^\/v1\/rides\/[^/]+\/cancel$/, "/v1/rides/:id/cancel", ["POST"]],
  [/^\/v1\/drivers\/[^/]+\/state$/, "/v1/drivers/:id/state", ["PUT"]],
  [/^\/(healthz|readyz|metrics|openapi\.json)$/, "", ["GET"]],
  [/^\/admin\/(regions|breakers|regions\/history)$/, "", ["GET"]],
  [/^\/admin\/regions\/rollback$/, "", ["POST"]],
  [/^\/admin\/regions\/weights\/[^/]+$/, "/admin/regions/weights/:caller", ["PUT"]],
  [/^\/admin\/regions\/limits\/[^/]+$/, "/admin/regions/limits/:scope", ["PUT"]],
  [/^\/admin\/regions\/[^/]+\/(drain|undrain)$/, "/admin/regions/:region/$1", ["POST"]]
]

type RouteMatch = { readonly route: string; readonly methods: ReadonlyArray<string> }

/**
 * Paths that are their own route template (`/v1/rides`, `/healthz`): matched once, then looked
 * up, since every ride request would otherwise run the patterns. Bounded by the route table
 * (a path with an id, or unmatched, is not kept).
 */
const staticRoutes = new Map<string, RouteMatch>()

const routeOf = (url: string): RouteMatch => {
  const query = url.indexOf("?")
  const path = query < 0 ? url : url.slice(0, query)
  const known = staticRoutes.get(path)
  if (known !== undefined) return known
  for (const [pattern, template, methods] of ROUTES) {
    if (!pattern.test(path)) continue
    const match = { route: template === "" ? path : path.replace(pattern, template), methods }
    if (match.route === path) staticRoutes.set(path, match)
    return match
  }
  return { route: "unmatched", methods: [] }
}

/** The methods a request's path is served with, as an `Allow` value, when not `method`; undefined if it is (or the path is unknown). */
const allowedOtherwise = (method: string, methods: ReadonlyArray<string>): string | undefined =>
  methods.length === 0 || methods.includes(method) ? undefined : methods.join(", ")

const isJson = (response: HttpServerResponse.HttpServerResponse) => (response.headers["content-type"] ?? "").includes("json")

const utf8 = new TextDecoder("utf-8", { fatal: true })
const encoder = new TextEncoder()

/** Whether `bytes` are valid UTF-8 (no stray, truncated, overlong or surrogate sequences). */
const isUtf8 = (bytes: Uint8Array): boolean => {
  try {
    utf8.decode(bytes)
    return true
  } catch {
    return false
  }
}

/**
 * Whether a raw URL component decodes to valid UTF-8: its percent-escapes taken as bytes, as
 * RFC 3986 says. A malformed escape (`%G1`) is not a UTF-8 question: the router answers it.
 */
const componentIsUtf8 = (raw: string): boolean => {
  if (!raw.includes("%")) return true
  const bytes: Array<number> = []
  for (let i = 0; i < raw.length; i++) {
    const hex = raw[i] === "%" ? raw.slice(i + 1, i + 3) : ""
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16))
      i += 2
    } else {
      bytes.push(...encoder.encode(raw[i]!))
    }
  }
  return isUtf8(Uint8Array.from(bytes))
}

const decodedOr = (raw: string): string => {
  try {
    return decodeURIComponent(raw.replaceAll("+", " "))
  } catch {
    return raw
  }
}

/** The first path or query parameter of `url` that is not UTF-8, by the name a client knows it by. */
const nonUtf8Parameter = (url: string, route: string): { readonly path: string; readonly message: string } | undefined => {
  const [rawPath = "", rawQuery = ""] = url.split("?", 2)
  const segments = rawPath.split("/")
  const template = route === "unmatched" ? [] : route.split("/")
  for (let i = 0; i < segments.length; i++) {
    if (componentIsUtf8(segments[i]!)) continue
    const name = template[i]?.startsWith(":") === true ? template[i]!.slice(1) : "$path"
    return { path: name, message: `path parameter ${name} is not valid UTF-8 (after percent-decoding)` }
  }
  for (const pair of rawQuery === "" ? [] : rawQuery.split("&")) {
    const [key = "", value = ""] = pair.split("=", 2)
    if (componentIsUtf8(key) && componentIsUtf8(value)) continue
    const name = componentIsUtf8(key) ? decodedOr(key) : "$query"
    return { path: name, message: `query parameter ${name} is not valid UTF-8 (after percent-decoding)` }
  }
  return undefined
}

/** The routes whose body is JSON, by method and route template. */
const JSON_BODY_ROUTES = new Set(["POST /v1/rides", "PUT /v1/drivers/:id/state"])

/** Whether the Content-Type's media type (RFC 9110 §8.3.1, case-insensitive) is `application/json`. */
const declaresJson = (contentType: string | undefined): boolean =>
  contentType !== undefined && contentType.split(";", 1)[0]!.trim().toLowerCase() === "application/json"

/** A request that carries a JSON body (other media types get the API's 415 instead). */
const hasJsonBody = (request: HttpServerRequest.HttpServerRequest): boolean =>
  (request.headers["content-type"] ?? "").includes("json") &&
  (Number(request.headers["content-length"] ?? "0") > 0 || request.headers["transfer-encoding"] !== undefined)

const isBodyTooLarge = (u: unknown): boolean =>
  (HttpServerError.isHttpServerError(u) && u.reason._tag === "RequestParseError" && u.reason.reason === "BodyTooLarge") ||
  (typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "RequestParseError" && (u as { reason?: unknown }).reason === "BodyTooLarge") ||
  (u instanceof Error && u.name === "MaxBytesError")

export const layerRequestGuard = Layer.unwrap(Effect.gen(function*() {
  const { metrics } = yield* GatewayMetrics
  const reject = (status: number, code: ErrorCode, message: string, path?: string) => {
    if (status < 500 && code !== "not_found" && code !== "method_not_allowed") metrics.ordersRejected.inc({ reason: code })
    return errorResponse(status, code, message, path)
  }

  // A body refused before it was read leaves its bytes in the socket, so Node closes the
  // connection after the answer; saying so keeps a keep-alive client from sending its next
  // request on that socket and getting ECONNRESET (seen under load in the hostile-input test).
  const tooLarge = (message: string) =>
    HttpServerResponse.setHeader(reject(413, "too_large", message, "$"), "connection", "close")

  const guard = <E, R>(inner: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const started = performance.now()
      const { route, methods } = routeOf(request.url)
      const declared = Number(request.headers["content-length"] ?? "0")
      let response: HttpServerResponse.HttpServerResponse
      if (declared > MAX_BODY_BYTES) {
        response = tooLarge(`the body is ${declared} bytes; the limit is ${MAX_BODY_BYTES}`)
      } else {
        const utf8Checked = Effect.gen(function*() {
          if (JSON_BODY_ROUTES.has(`${request.method} ${route}`) && !declaresJson(request.headers["content-type"])) {
            const given = request.headers["content-type"]
            return reject(415, "unsupported_media_type", `the body must be sent as Content-Type: application/json${given === undefined ? " (none was given)" : `, not ${JSON.stringify(given)}`}`, "content-type")
          }
          const parameter = nonUtf8Parameter(request.url, route)
          if (parameter !== undefined) return reject(400, "not_utf8", parameter.message, parameter.path)
          if (hasJsonBody(request) && !isUtf8(new Uint8Array(yield* request.arrayBuffer))) return reject(400, "not_utf8", "the body is not valid UTF-8", "$")
          return yield* inner
        })
        response = yield* utf8Checked.pipe(
          Effect.provideService(HttpServerRequest.MaxBodySize, ByteSize.bytes(MAX_BODY_BYTES)),
          Effect.catchCause((cause) => {
            if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause)
            const failure = Cause.findErrorOption(cause)
            if (isBodyTooLarge(Cause.squash(cause))) return Effect.succeed(tooLarge(`the body is over the limit of ${MAX_BODY_BYTES} bytes`))
            if (failure._tag === "Some" && HttpServerRespondable.isRespondable(failure.value)) return HttpServerRespondable.toResponse(failure.value)
            return Effect.logError("request failed").pipe(
              Effect.annotateLogs({ route, cause: Cause.pretty(cause) }),
              Effect.as(errorResponse(500, "internal", "internal error"))
            )
          })
        )
        const allow = response.status === 404 && !isJson(response) ? allowedOtherwise(request.method, methods) : undefined
        if (allow !== undefined) {
          response = HttpServerResponse.setHeader(reject(405, "method_not_allowed", `${request.method} is not served on ${route}; it serves ${allow}`), "allow", allow)
        } else if (response.status >= 400 && !isJson(response)) {
          const code = codeOfStatus(response.status)
          response = reject(response.status, code, code === "not_found" ? `no route ${request.method} ${route === "unmatched" ? request.url.split("?")[0] : route}` : `request refused (${response.status})`)
        }
      }
      const labels = { route, method: request.method }
      metrics.httpRequests.inc({ ...labels, status: String(response.status) })
      metrics.httpRequestDuration.observe(labels, (performance.now() - started) / 1000)
      return response
    })

  return HttpRouter.middleware(guard as never, { global: true }) as unknown as Layer.Layer<never, never, HttpRouter.HttpRouter>
}))
