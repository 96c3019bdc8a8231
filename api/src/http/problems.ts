/**
 * The gateway's error answers: one JSON shape for every 4xx and 5xx, `{ "error": { code,
 * message, path? } }`, where `path` names the field at fault (`pickup.lat`, `x-region`, `id`,
 * `$` for the whole body). Effect's HTTP layers answer a failed decode with an empty 400, a
 * too-large body with an empty 413 (or a 500, when the limit trips inside a handler's body
 * read) and an unknown route with an empty 404; request-guard.ts turns all of those into this.
 */
import { Schema } from "effect"
import { HttpServerResponse as Res } from "effect/http"
import { HttpApiSchema } from "effect/http-api"

/**
 * Stable codes, also the `reason` label of `dispatch_orders_rejected_total` (except
 * `unauthorized` and `forbidden`, counted by reason in `dispatch_auth_failures_total`).
 */
export const ERROR_CODES = [
  "invalid", "not_json", "not_utf8", "too_large", "unknown_region", "unknown_lane", "outside_market", "not_found", "unsupported_media_type",
  "method_not_allowed", "unauthorized", "forbidden", "rate_limited", "unavailable", "internal"
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

export const ErrorDetail = Schema.Struct({
  code: Schema.Literals(ERROR_CODES),
  message: Schema.String,
  path: Schema.optionalKey(Schema.String)
})
export const ErrorBody = Schema.Struct({ error: ErrorDetail })
export type ErrorBody = typeof ErrorBody.Type

const ERROR_STATUSES = [400, 401, 403, 404, 413, 415, 422, 500, 503] as const
type ErrorStatus = (typeof ERROR_STATUSES)[number]
const errorSchemas = new Map(ERROR_STATUSES.map((status) => [status, ErrorBody.annotate({ identifier: `Error${status}` }).pipe(HttpApiSchema.status(status))]))

/** The 429 and its fields, for the OpenAPI document (docs/balancer.md, "Rate limits"; the answer itself
 * is built by api/src/http/caller-limits.ts). */
export const rateLimitedError = HttpApiSchema.WithHeaders(ErrorBody.annotate({ identifier: "Error429", description: "The caller's rate limit for the request's region is used up" }), {
  "retry-after": Schema.String.annotate({ description: "Seconds until the caller's next token (rounded up, at least 1)" }),
  "ratelimit-policy": Schema.String.annotate({ description: 'draft-ietf-httpapi-ratelimit-headers-10: `"<region>";q=<burst>;w=<seconds an empty bucket takes to fill>`' }),
  "ratelimit": Schema.String.annotate({ description: 'draft-ietf-httpapi-ratelimit-headers-10: `"<region>";r=<tokens left>;t=<seconds until full>`' })
}).pipe(HttpApiSchema.status(429))

/** The error body at each status an endpoint may answer with, for the OpenAPI document (one schema per status). */
export const errorAt = (status: ErrorStatus) => errorSchemas.get(status)!

export const errorResponse = (status: number, code: ErrorCode, message: string, path?: string, headers?: Record<string, string>) =>
  Res.jsonUnsafe({ error: path === undefined ? { code, message } : { code, message, path } } satisfies ErrorBody, {
    status,
    ...(headers === undefined ? {} : { headers })
  })

/** The code an error status stands for when nothing more specific is known. */
export const codeOfStatus = (status: number): ErrorCode => {
  switch (status) {
    case 401: return "unauthorized"
    case 403: return "forbidden"
    case 404: return "not_found"
    case 405: return "method_not_allowed"
    case 413: return "too_large"
    case 415: return "unsupported_media_type"
    case 422: return "outside_market"
    case 429: return "rate_limited"
    case 503: return "unavailable"
    default: return status >= 500 ? "internal" : "invalid"
  }
}
