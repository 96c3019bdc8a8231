/**
 * Request decoding failures (params, headers, body) as a JSON 400 naming the field, instead of
 * Effect's empty 400, each counted in `dispatch_orders_rejected_total{reason}`. A response that
 * fails its own schema is our bug: a 500 with a JSON body, and logged.
 */
import { Effect, Layer } from "effect"
import { HttpApiMiddleware } from "effect/http-api"
import { fieldProblems } from "#engine"
import { GatewayMetrics } from "./gateway-metrics.ts"
import { errorAt, errorResponse } from "./problems.ts"

export class RequestValidation extends HttpApiMiddleware.Service<RequestValidation>()("dispatch/RequestValidation", {
  error: [errorAt(400), errorAt(500)]
}) {}

/** The message Effect's JSON payload decoder gives text that is not JSON. */
const NOT_JSON = "Expected a valid JSON body"

const SLOT_NAMES = { Params: "path parameter", Headers: "header", Query: "query parameter", Payload: "body", Body: "response", ResponseHeaders: "response header" } as const

export const layerRequestValidation = Layer.unwrap(Effect.gen(function*() {
  const { metrics } = yield* GatewayMetrics
  return HttpApiMiddleware.layerSchemaErrorTransform(RequestValidation, (error) => {
    if (error.kind === "Body" || error.kind === "ResponseHeaders") {
      return Effect.logError("response failed its schema").pipe(
        Effect.annotateLogs({ detail: error.cause.message }),
        Effect.as(errorResponse(500, "internal", "the gateway produced an invalid response"))
      )
    }
    const first = fieldProblems(error.cause)[0]
    const path = first?.path ?? "$"
    const notJson = error.kind === "Payload" && path === "$" && first?.message === NOT_JSON
    const code = notJson ? "not_json" : "invalid"
    metrics.ordersRejected.inc({ reason: code })
    const message = notJson ? "the body is not valid JSON" : `${SLOT_NAMES[error.kind]} ${path === "$" ? "" : `${path}: `}${first?.message ?? "is invalid"}`
    return Effect.succeed(errorResponse(400, code, message, path))
  })
}))
