/**
 * One trace per order, carried in the W3C `traceparent` NATS header across every hop.
 *
 * Only `@opentelemetry/api` is used here: with no SDK registered (no exporter configured) a
 * span is a no-op object that keeps its parent's context, so the cost is a header parse and
 * the trace still flows: the decision carries the producer's `traceparent` unchanged. With an
 * SDK the engine's span is a child in the same trace and the decision carries the child.
 */
import { context, isSpanContextValid, trace, TraceFlags, type Span, type SpanContext } from "@opentelemetry/api"

const TRACER_NAME = "dispatch-engine"
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

/** Parses a version-00 `traceparent`; anything else is ignored, as the W3C spec requires. */
export const parseTraceparent = (header: string | undefined): SpanContext | undefined => {
  const match = header === undefined ? null : TRACEPARENT.exec(header.trim())
  if (match === null) return undefined
  const spanContext: SpanContext = { traceId: match[1]!, spanId: match[2]!, traceFlags: parseInt(match[3]!, 16), isRemote: true }
  return isSpanContextValid(spanContext) ? spanContext : undefined
}

export const formatTraceparent = (spanContext: SpanContext): string =>
  `00-${spanContext.traceId}-${spanContext.spanId}-${(spanContext.traceFlags & TraceFlags.SAMPLED ? 1 : 0).toString(16).padStart(2, "0")}`

/**
 * Starts the engine's span for an order under the producer's context, and gives the
 * `traceparent` to write on the decision (the new span's, or the producer's when no SDK is
 * recording). Without a producer context the order starts a new trace.
 */
export const startOrderSpan = (name: string, traceparent: string | undefined, attributes: Record<string, string>): { readonly span: Span; readonly traceparent: string | undefined } => {
  const parent = parseTraceparent(traceparent)
  const parentContext = parent === undefined ? context.active() : trace.setSpanContext(context.active(), parent)
  const span = trace.getTracer(TRACER_NAME).startSpan(name, { attributes }, parentContext)
  const own = span.spanContext()
  // A header that did not parse is not passed on: the W3C spec says to start afresh.
  return { span, traceparent: isSpanContextValid(own) ? formatTraceparent(own) : parent === undefined ? undefined : traceparent }
}
