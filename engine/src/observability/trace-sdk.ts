/**
 * The OpenTelemetry SDK, wired only when the user asks for traces with the standard variables
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; the exporter reads
 * the rest of its `OTEL_*` settings itself). Without them nothing is registered and every span
 * in Dispatch is the API's no-op span (tracing.ts), which keeps the producer's trace flowing.
 *
 * No context manager is installed: Dispatch passes each span's parent explicitly (from the
 * `traceparent` header), so nothing depends on an ambient active span.
 */
import { trace } from "@opentelemetry/api"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { resourceFromAttributes } from "@opentelemetry/resources"
import { BatchSpanProcessor, type SpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace"
import { Effect, Layer } from "effect"
import { setSpansRecorded } from "./tracing.ts"

const ENDPOINT_VARIABLES = ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"] as const

/** Whether the environment configures a trace exporter. */
export const tracesConfigured = (env: NodeJS.ProcessEnv = process.env): boolean =>
  ENDPOINT_VARIABLES.some((name) => (env[name] ?? "").trim().length > 0)

/**
 * Registers a tracer provider with `processors` as the global one for the current scope;
 * flushes and unregisters it when the scope closes (so no span is lost at shutdown).
 * `OTEL_SERVICE_NAME` overrides `serviceName`, as the OpenTelemetry spec says.
 */
export const installTracerProvider = (serviceName: string, processors: ReadonlyArray<SpanProcessor>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const provider = new TracerProvider({
        resource: resourceFromAttributes({ "service.name": process.env["OTEL_SERVICE_NAME"] || serviceName }),
        spanProcessors: [...processors]
      })
      trace.setGlobalTracerProvider(provider)
      setSpansRecorded(true)
      return provider
    }),
    (provider) =>
      Effect.promise(() => provider.shutdown().catch(() => undefined)).pipe(
        Effect.ensuring(Effect.sync(() => {
          setSpansRecorded(false)
          trace.disable()
        }))
      )
  )

/** A process's tracing: an OTLP/HTTP exporter when configured, else nothing at all. */
export const layerTracing = (serviceName: string): Layer.Layer<never> =>
  Layer.effectDiscard(
    tracesConfigured()
      ? Effect.asVoid(installTracerProvider(serviceName, [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })]))
      : Effect.void
  )
