/**
 * A synchronous call into a worker thread: the simulation's event loop is synchronous, so a
 * port that talks to NATS posts a command to its worker and blocks on `Atomics.wait` until the
 * worker's reply (nats-worker.ts `reply`) is on the channel. The worker does the I/O on its
 * own event loop, which a blocked main thread cannot stop.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads"
import type { Command, Reply, WorkerSetup } from "./nats-worker.ts"

/** Longest a call waits for the worker (ms): a tick's own timeout plus slack. */
const CALL_TIMEOUT_MS = 60_000

export type WorkerOptions = Omit<WorkerSetup, "port" | "flag">

export class WorkerChannel {
  readonly #worker: Worker
  readonly #port: MessagePort
  readonly #flag = new Int32Array(new SharedArrayBuffer(4))
  readonly #label: string
  #closed = false

  /** Starts the worker and blocks until it has opened (its first reply). */
  constructor(label: string, options: WorkerOptions) {
    const { port1, port2 } = new MessageChannel()
    this.#label = label
    this.#port = port1
    this.#worker = new Worker(new URL("./nats-worker.ts", import.meta.url), { workerData: { ...options, port: port2, flag: this.#flag } satisfies WorkerSetup, transferList: [port2] })
    this.#worker.unref()
    this.opened = this.#wait("open")
  }

  /** The worker's first reply. */
  readonly opened: Extract<Reply, { ok: true }>

  call(command: Command): Extract<Reply, { ok: true }> {
    this.#port.postMessage(command)
    return this.#wait(command.op)
  }

  /** A command without a reply (the worker handles commands in order). */
  post(command: Command): void {
    this.#port.postMessage(command)
  }

  /** Asks the worker to close (it stops what it started) and ends it; safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    try {
      this.call({ op: "close" })
    } finally {
      await this.#worker.terminate()
    }
  }

  #wait(what: string): Extract<Reply, { ok: true }> {
    const outcome = Atomics.wait(this.#flag, 0, 0, CALL_TIMEOUT_MS)
    Atomics.store(this.#flag, 0, 0)
    const message = receiveMessageOnPort(this.#port)
    if (outcome === "timed-out" || message === undefined) throw new Error(`${this.#label}: no answer to ${what} within ${CALL_TIMEOUT_MS / 1000} s`)
    const reply = message.message as Reply
    if (!reply.ok) throw new Error(`${this.#label}: ${reply.error}`)
    return reply
  }
}
