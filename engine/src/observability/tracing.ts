/**
 * One trace per order, carried in the W3C `traceparent` NATS header across every hop.
 *
 * Only `@opentelemetry/api` is used here: with no SDK registered (no exporter configured) a
 * span is a no-op object that keeps its parent's context, so the cost is a header parse and
 * the trace still flows: the decision carries the producer's `traceparent` unchanged. With an
 * SDK the engine's span is a child in the same trace and the decision carries the child.
 */
import { context, INVALID_SPAN_CONTEXT, isSpanContextValid, trace, TraceFlags, type Span, type SpanContext } from "@opentelemetry/api"

const TRACER_NAME = "dispatch-engine"
/** The one span handed out while no SDK records: ending it does nothing. */
const NOOP_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT)
/** Set by trace-sdk.ts while a provider is installed; until then spans cost a header check only. */
let recording = false

export const setSpansRecorded = (on: boolean): void => {
  recording = on
}
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/
/** The same test without captures or allocation (all-zero ids are invalid, as isSpanContextValid says). */
const VALID_TRACEPARENT = /^\s*00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}\s*$/

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
  if (!recording) return { span: NOOP_SPAN, traceparent: traceparent !== undefined && VALID_TRACEPARENT.test(traceparent) ? traceparent : undefined }
  const parent = parseTraceparent(traceparent)
  const parentContext = parent === undefined ? context.active() : trace.setSpanContext(context.active(), parent)
  const span = trace.getTracer(TRACER_NAME).startSpan(name, { attributes }, parentContext)
  const own = span.spanContext()
  // A header that did not parse is not passed on: the W3C spec says to start afresh.
  return { span, traceparent: isSpanContextValid(own) ? formatTraceparent(own) : parent === undefined ? undefined : traceparent }
}
