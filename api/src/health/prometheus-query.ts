/**
 * One instant query against Prometheus's HTTP API (`GET /api/v1/query?query=...`), with a
 * timeout, its answer decoded by a Schema: the highest value of the samples it returned, or
 * none (no data). Everything else (refused connection, timeout, an `error` answer, a body that
 * is not Prometheus's JSON) is a `PrometheusQueryFailed` naming which.
 */
import { Effect, Schema } from "effect"
import { PrometheusQueryFailed } from "./errors.ts"

/** `[unix seconds, "value"]`: Prometheus sends values as strings (`"NaN"`, `"+Inf"` too). */
const SampleValue = Schema.Tuple([Schema.Number, Schema.String])

const QueryAnswer = Schema.Union([
  Schema.Struct({
    status: Schema.Literal("success"),
    data: Schema.Union([
      Schema.Struct({ resultType: Schema.Literal("vector"), result: Schema.Array(Schema.Struct({ value: SampleValue })) }),
      Schema.Struct({ resultType: Schema.Literal("scalar"), result: SampleValue })
    ])
  }),
  Schema.Struct({ status: Schema.Literal("error"), errorType: Schema.String, error: Schema.String })
])
const decodeAnswer = Schema.decodeUnknownEffect(Schema.fromJsonString(QueryAnswer))

/** Prometheus's float text: `NaN`, `+Inf` and `-Inf` are not JavaScript's spellings. */
const parseValue = (text: string): number => (text === "+Inf" ? Infinity : text === "-Inf" ? -Infinity : Number(text))

/**
 * The highest value `query` has now; undefined when it returned no sample, or only NaN (a
 * ratio of two zero rates: no calls, no data).
 */
export const queryPrometheus = (baseUrl: string, query: string, timeoutMs: number): Effect.Effect<number | undefined, PrometheusQueryFailed> => {
  const url = `${baseUrl.replace(/\/+$/, "")}/api/v1/query?query=${encodeURIComponent(query)}`
  const failed = (failure: PrometheusQueryFailed["failure"], detail: string) => new PrometheusQueryFailed({ failure, query, detail })
  return Effect.gen(function*() {
    const response = yield* Effect.tryPromise({
      // Interruption (the timeout) aborts the request through `signal`.
      try: (signal) => fetch(url, { signal }).then(async (r) => ({ status: r.status, body: await r.text() })),
      catch: (e) => failed("unreachable", e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e))
    })
    const answer = yield* decodeAnswer(response.body).pipe(
      Effect.mapError(() => failed("error", `HTTP ${response.status}, not a Prometheus query answer: ${response.body.slice(0, 200)}`))
    )
    if (answer.status === "error") return yield* failed("error", `${answer.errorType}: ${answer.error}`)
    const texts = answer.data.resultType === "scalar" ? [answer.data.result[1]] : answer.data.result.map((s) => s.value[1])
    const values = texts.map(parseValue).filter((v) => !Number.isNaN(v))
    return values.length === 0 ? undefined : Math.max(...values)
  }).pipe(
    Effect.timeoutOrElse({ duration: timeoutMs, orElse: () => Effect.fail(failed("timeout", `no answer within ${timeoutMs} ms`)) })
  )
}
