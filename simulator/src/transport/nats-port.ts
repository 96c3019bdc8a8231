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
import type { DispatchPort } from "../runner/dispatch-port.ts"
import type { Command } from "./nats-worker.ts"
import { WorkerChannel } from "./worker-channel.ts"

export interface NatsPortOptions {
  /** An existing NATS server; undefined: a private nats-server started and stopped here. */
  readonly natsUrl: string | undefined
  readonly market: string
  /** Extra `dispatch engine` flags: `--policy`, `--batch-window-ms`, `--batch-max-orders`, `--market-file`. */
  readonly engineArgs: ReadonlyArray<string>
  /** Simulation start (epoch ms): the engine's clock starts there. */
  readonly start: number
}

export class NatsDispatchPort implements DispatchPort {
  /** What the run used, for the summary and run.json. */
  readonly transport: string
  readonly #channel: WorkerChannel
  readonly #open = new Set<string>()
  #nextDeadline: number | undefined = undefined

  private constructor(options: NatsPortOptions) {
    this.#channel = new WorkerChannel("NATS mode", { mode: "lockstep", natsUrl: options.natsUrl, market: options.market, engineArgs: options.engineArgs, start: options.start })
    this.transport = this.#channel.opened.transport ?? "NATS"
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
    this.#channel.post({ op: "driver", key: kvKeys.driver(state.market, state.driverId), data: JSON.stringify(state) })
  }

  isOpen(orderId: string): boolean {
    return this.#open.has(orderId)
  }

  /** The engine forgets on its own (its housekeeping runs on the simulation clock). */
  forgetDecisionsBefore(_before: number): number {
    return 0
  }

  /** Stops the engine and the private server, and the worker. */
  close(): Promise<void> {
    return this.#channel.close()
  }

  #call(command: Command): Array<Decision> {
    const reply = this.#channel.call(command)
    for (const decision of reply.decisions) this.#open.delete(decision.orderId)
    this.#nextDeadline = reply.nextDeadline ?? undefined
    return reply.decisions
  }
}
