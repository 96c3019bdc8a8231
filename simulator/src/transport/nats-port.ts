/**
 * NATS mode (`dispatch simulate --mode nats`): the simulation's `DispatchPort` answered by a
 * real `dispatch engine --clock sim` over a real nats-server, with the engine following the
 * simulation clock (docs/simulator.md, "NATS mode").
 *
 * The simulation's event loop is synchronous, and so is this port: the NATS work happens on a
 * worker thread (nats-worker.ts), and each call that returns decisions blocks on
 * `Atomics.wait` until the worker has the engine's tick acknowledgement, after which every
 * decision of that step has arrived. Driver states are sent without waiting (the next order or
 * tick carries their KV revision, and the engine applies them first).
 */
import { kvKeys, subjects, type Decision, type DriverState, type OrderCancelled, type OrderRequested } from "#engine"
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads"
import type { DispatchPort } from "../runner/dispatch-port.ts"
import type { Command, Reply, WorkerSetup } from "./nats-worker.ts"

/** Longest a call waits for the worker (ms): a tick's own timeout plus slack. */
const CALL_TIMEOUT_MS = 60_000

export interface NatsPortOptions {
  /** An existing NATS server; undefined: a private nats-server started and stopped here. */
  readonly natsUrl: string | undefined
  readonly market: string
  /** Extra `dispatch engine` flags: `--policy`, `--batch-window-ms`, `--market-file`. */
  readonly engineArgs: ReadonlyArray<string>
  /** Simulation start (epoch ms): the engine's clock starts there. */
  readonly start: number
}

export class NatsDispatchPort implements DispatchPort {
  /** What the run used, for the summary and run.json. */
  readonly transport: string
  readonly #worker: Worker
  readonly #port: MessagePort
  readonly #flag: Int32Array
  readonly #open = new Set<string>()
  #nextDeadline: number | undefined = undefined
  #closed = false

  private constructor(options: NatsPortOptions) {
    const { port1, port2 } = new MessageChannel()
    this.#port = port1
    this.#flag = new Int32Array(new SharedArrayBuffer(4))
    const setup: WorkerSetup = { port: port2, flag: this.#flag, natsUrl: options.natsUrl, market: options.market, engineArgs: options.engineArgs, start: options.start }
    this.#worker = new Worker(new URL("./nats-worker.ts", import.meta.url), { workerData: setup, transferList: [port2] })
    this.#worker.unref()
    const first = this.#wait("open")
    this.transport = first.transport ?? "NATS"
  }

  /** Starts (or connects to) NATS and the engine; blocks until the engine answers ticks. */
  static open(options: NatsPortOptions): NatsDispatchPort {
    return new NatsDispatchPort(options)
  }

  get nextDeadline(): number | undefined {
    return this.#nextDeadline
  }

  request(message: OrderRequested, now: number): Array<Decision> {
    this.#open.add(message.orderId)
    return this.#call({ op: "order", subject: subjects.orderRequested(message.market), msgID: message.orderId, data: JSON.stringify(message), now })
  }

  cancel(message: OrderCancelled, now: number): Array<Decision> {
    return this.#call({ op: "order", subject: subjects.orderCancelled(message.market), msgID: `${message.orderId}.cancelled`, data: JSON.stringify(message), now })
  }

  tick(now: number): Array<Decision> {
    return this.#call({ op: "tick", now })
  }

  driverState(state: DriverState): void {
    this.#port.postMessage({ op: "driver", key: kvKeys.driver(state.market, state.driverId), data: JSON.stringify(state) } satisfies Command)
  }

  isOpen(orderId: string): boolean {
    return this.#open.has(orderId)
  }

  /** The engine forgets on its own (its housekeeping runs on the simulation clock). */
  forgetDecisionsBefore(_before: number): number {
    return 0
  }

  /** Stops the engine and the private server, and the worker. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    try {
      this.#call({ op: "close" })
    } finally {
      await this.#worker.terminate()
    }
  }

  #call(command: Command): Array<Decision> {
    this.#port.postMessage(command)
    const reply = this.#wait(command.op)
    for (const decision of reply.decisions) this.#open.delete(decision.orderId)
    this.#nextDeadline = reply.nextDeadline ?? undefined
    return reply.decisions
  }

  #wait(what: string): Extract<Reply, { ok: true }> {
    const outcome = Atomics.wait(this.#flag, 0, 0, CALL_TIMEOUT_MS)
    Atomics.store(this.#flag, 0, 0)
    const message = receiveMessageOnPort(this.#port)
    if (outcome === "timed-out" || message === undefined) throw new Error(`NATS mode: no answer to ${what} within ${CALL_TIMEOUT_MS / 1000} s`)
    const reply = message.message as Reply
    if (!reply.ok) throw new Error(`NATS mode: ${reply.error}`)
    return reply
  }
}
