/**
 * What tracing costs per order, as the engine does it (tracing.ts `startOrderSpan` from a
 * producer's `traceparent`, then `end`): with no SDK (the default: the API's no-op span), and
 * with the SDK wired as `OTEL_EXPORTER_OTLP_ENDPOINT` wires it (a batch processor) but an
 * exporter that drops everything, so only the in-process cost is measured. Compared with the
 * engine's per-order budget at its measured drain rate (docs/performance.md).
 *
 * Run: node_modules/.bin/node engine/bench/tracing.bench.ts
 */
import { ExportResultCode } from "@opentelemetry/core"
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace"
import { Effect, Exit, Scope } from "effect"
import { randomBytes } from "node:crypto"
import { installTracerProvider } from "../src/observability/trace-sdk.ts"
import { startOrderSpan } from "../src/observability/tracing.ts"

const ORDERS = 200_000
const ROUNDS = 5
const parents = Array.from({ length: 1_024 }, () => `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01`)
const attributes = { "dispatch.market": "sf", "dispatch.policy": "greedy" }

/** ns per order, best of ROUNDS (the least disturbed by the machine's other work). */
const measure = () => {
  let best = Number.POSITIVE_INFINITY
  let sink = 0
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = performance.now()
    for (let i = 0; i < ORDERS; i++) {
      const { span, traceparent } = startOrderSpan("dispatch.order", parents[i & 1023], attributes)
      sink += traceparent?.length ?? 0
      span.end()
    }
    best = Math.min(best, ((performance.now() - t0) * 1e6) / ORDERS)
  }
  if (sink === 0) throw new Error("nothing measured")
  return best
}

const dropAll: SpanExporter = {
  export: (_spans: Array<ReadableSpan>, done) => done({ code: ExportResultCode.SUCCESS }),
  shutdown: () => Promise.resolve()
}

const noop = measure()
const scope = Effect.runSync(Scope.make())
await Effect.runPromise(Scope.provide(installTracerProvider("bench", [new BatchSpanProcessor({ exporter: dropAll, maxQueueSize: 65_536 })]), scope))
const sdk = measure()
await Effect.runPromise(Scope.close(scope, Exit.void))

/** The engine's greedy drain rate measured in engine.bench.ts (orders/s), for the share of its per-order time. */
const ENGINE_ORDERS_PER_SECOND = 12_000
const budgetNs = 1e9 / ENGINE_ORDERS_PER_SECOND
const row = (label: string, ns: number) => `| ${label} | ${ns.toFixed(0)} | ${((ns / budgetNs) * 100).toFixed(2)} % |`
console.log(`| tracing per order | ns | share of an order's time at ${ENGINE_ORDERS_PER_SECOND / 1000}k orders/s |`)
console.log("| --- | ---: | ---: |")
console.log(row("no SDK (default): no-op span from the producer's traceparent", noop))
console.log(row("SDK wired (batch processor, exporter dropping spans)", sdk))
