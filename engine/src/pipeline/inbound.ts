/**
 * A message as the pipeline sees it, whatever transport brought it: its bytes, where it came
 * from, and the hooks that settle it. The shape is a structural subset of nats.js's `JsMsg`,
 * so a JetStream message enters the pipeline as it is (no wrapper per message); the
 * in-process transport makes its own.
 */
export interface InboundMessage {
  readonly subject: string
  readonly data: Uint8Array
  /** `traceparent` (W3C) of the producer lives here when it sent one, and `Dispatch-Lane` (lanes.ts) for a lane's order. */
  readonly headers?: { get(key: string): string } | undefined
  /** deliveryCount is 1 on first delivery; more after a crash, a nak or an ack timeout. */
  readonly info: {
    readonly deliveryCount: number
    /** Position in its stream (JetStream), when it has one: `--clock sim` ticks wait for it. */
    readonly streamSequence?: number | undefined
  }
  /** Done with it: never deliver again. */
  ack(): void
  /** Not now: deliver again after `millis`. */
  nak(millis?: number): void
  /** Unusable (it went to the DLQ): never deliver again. */
  term(): void
  /** Still working on it: push the redelivery deadline back. */
  working(): void
}

export const traceparentOf = (message: InboundMessage): string | undefined => message.headers?.get("traceparent") || undefined
