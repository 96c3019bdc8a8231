/**
 * The in-process transport: what ORDERS, RESULTS and the DLQ do, in memory, for the demo when
 * no nats-server is installed, the simulator's engine runs, and pipeline tests.
 *
 * It keeps JetStream's contract where the pipeline relies on it: a nak'ed message comes back
 * after its delay with a higher delivery count, an acked or terminated one never does, and
 * RESULTS keeps one decision per order id (a second publish reports `duplicate`).
 */
import { encodeMessage } from "../../domain/codec.ts"
import type { DeadLetter, Decision, OrderEvent } from "../../domain/messages.ts"
import { subjects } from "../../domain/subjects.ts"
import type { InboundMessage } from "../../pipeline/inbound.ts"
import type { PartitionPorts } from "../../pipeline/partition.ts"

export class MemoryBus {
  /** RESULTS: the stored decision of each order, in arrival order. */
  readonly decisions = new Map<string, Decision>()
  readonly deadLetters: Array<DeadLetter> = []
  /** Inputs still unsettled (neither acked nor terminated). */
  unsettled = 0
  readonly #listeners = new Set<(decision: Decision) => void>()
  readonly #timers = new Set<ReturnType<typeof setTimeout>>()
  #closed = false

  /** Where messages go: the partition's `deliver` or `enqueue`; set before publishing. */
  deliver: (message: InboundMessage) => void = () => {
    throw new Error("MemoryBus: no consumer attached")
  }

  readonly ports: PartitionPorts = {
    publishDecision: (decision) => {
      if (this.decisions.has(decision.orderId)) return Promise.resolve("duplicate")
      this.decisions.set(decision.orderId, decision)
      for (const listener of this.#listeners) listener(decision)
      return Promise.resolve("stored")
    },
    publishDeadLetter: (_market, letter) => {
      this.deadLetters.push(letter)
      return Promise.resolve()
    }
  }

  onDecision(listener: (decision: Decision) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Publishes an order event, as a producer would to ORDERS. */
  publishEvent(event: OrderEvent, traceparent?: string): void {
    const subject = event.type === "order.requested" ? subjects.orderRequested(event.market) : subjects.orderCancelled(event.market)
    this.publishRaw(subject, encodeMessage(event), traceparent)
  }

  /** Publishes any bytes on any subject: for malformed-input tests. */
  publishRaw(subject: string, data: Uint8Array, traceparent?: string): void {
    this.unsettled++
    this.#send(subject, data, traceparent, 1)
  }

  /** Stops redeliveries (pending timers are cleared). */
  close(): void {
    this.#closed = true
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
  }

  #send(subject: string, data: Uint8Array, traceparent: string | undefined, deliveryCount: number): void {
    if (this.#closed) return
    let settled = false
    const settle = () => {
      if (settled) return false
      settled = true
      return true
    }
    const message: InboundMessage = {
      subject,
      data,
      headers: traceparent === undefined ? undefined : { get: (key) => (key === "traceparent" ? traceparent : "") },
      info: { deliveryCount },
      ack: () => {
        if (settle()) this.unsettled--
      },
      term: () => {
        if (settle()) this.unsettled--
      },
      nak: (millis = 0) => {
        if (!settle()) return
        const timer = setTimeout(() => {
          this.#timers.delete(timer)
          this.#send(subject, data, traceparent, deliveryCount + 1)
        }, millis)
        this.#timers.add(timer)
      },
      working: () => {}
    }
    this.deliver(message)
  }
}
