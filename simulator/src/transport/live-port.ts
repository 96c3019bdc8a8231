/**
 * Live mode (`dispatch simulate --mode live`): the simulation drives a RUNNING `dispatch engine`
 * on the wall clock, as real riders and drivers would: orders and driver states are published
 * to NATS when their simulated time comes, decisions come back when the engine takes them. The
 * local stack (`dispatch stack up`) feeds its engine and dashboards this way.
 *
 * Simulated time t is wall time `wallStart + (t − start) ÷ speed`: every call first waits for
 * its wall time (the port paces the run), times on the wire are mapped to the wall clock and
 * back, and so is the rider's `maxWaitMs` (÷ speed) so that the engine's expiry keeps its
 * simulated meaning. Unlike NATS mode nothing is deterministic: decisions arrive when they
 * arrive, and a call returns those that have.
 *
 * Order ids on the wire get a per-run prefix: the same trips replayed twice against one server
 * are new orders, not duplicates JetStream would drop.
 */
import { kvKeys, MAX_MAX_WAIT_MS, MIN_MAX_WAIT_MS, redactUrls, subjects, type Decision, type DriverState, type OrderCancelled, type OrderRequested } from "#engine"
import type { DispatchPort } from "../runner/dispatch-port.ts"
import { WorkerChannel } from "./worker-channel.ts"

/** How often (wall ms) the run looks for decisions while orders wait. */
const POLL_WALL_MS = 100
/** With orders waiting and no decision at all for this long (wall ms), the engine is gone. */
const STALL_WALL_MS = 60_000

export interface LivePortOptions {
  readonly natsUrl: string
  /** The nkey seed file to connect with (a server with Dispatch's users: the simulator role's). */
  readonly nkeyFile?: string | undefined
  readonly market: string
  /** Simulation start (epoch ms), mapped to the wall clock's now. */
  readonly start: number
  /** Simulated ms per wall ms. */
  readonly speed: number
  /** Orders through the API gateway at this URL (gateway-orders.ts) instead of straight to NATS. */
  readonly apiUrl?: string | undefined
}

export class LiveDispatchPort implements DispatchPort {
  readonly transport: string
  readonly #channel: WorkerChannel
  readonly #options: LivePortOptions
  /** Set once the worker is connected: its start-up is not simulated time. */
  readonly #wallStart: number
  readonly #runTag = `live${Date.now().toString(36)}`
  /** Wire order id -> the simulation's id and request time, for orders without a decision yet. */
  readonly #open = new Map<string, { readonly orderId: string; readonly requestedAt: number }>()
  readonly #sleeper = new Int32Array(new SharedArrayBuffer(4))
  #now: number
  #lastHeard = Date.now()

  private constructor(options: LivePortOptions) {
    this.#options = options
    this.#now = options.start
    this.#channel = new WorkerChannel("live mode", { mode: "live", apiUrl: options.apiUrl, natsUrl: options.natsUrl, nkeyFile: options.nkeyFile, market: options.market, engineArgs: [], start: options.start })
    this.#wallStart = Date.now()
    this.transport = `${this.#channel.opened.transport ?? "live"}, x${options.speed}`
  }

  static open(options: LivePortOptions): LiveDispatchPort {
    return new LiveDispatchPort(options)
  }

  /** While orders wait, the next look for their decisions. */
  get nextDeadline(): number | undefined {
    return this.#open.size === 0 ? undefined : this.#now + Math.max(1, Math.round(POLL_WALL_MS * this.#options.speed))
  }

  request(message: OrderRequested, now: number): Array<Decision> {
    this.#pace(now)
    const wireId = this.#wireId(message.orderId)
    this.#open.set(wireId, { orderId: message.orderId, requestedAt: message.requestedAt })
    const maxWaitMs = Math.min(MAX_MAX_WAIT_MS, Math.max(MIN_MAX_WAIT_MS, Math.round(message.maxWaitMs / this.#options.speed)))
    const wire: OrderRequested = { ...message, orderId: wireId, requestedAt: this.#toWall(message.requestedAt), maxWaitMs }
    return this.#call({ op: "order", subject: subjects.orderRequested(message.market), msgID: wireId, data: JSON.stringify(wire), now })
  }

  cancel(message: OrderCancelled, now: number): Array<Decision> {
    this.#pace(now)
    const wireId = this.#wireId(message.orderId)
    // A rider who gave up while a driver declined cancels an attempt that was never requested.
    // The engine answers that too (`unmatched: cancelled`, a cancellation before its request
    // wins): wait for it like any answer, or the run ends with the ride undecided.
    if (!this.#open.has(wireId)) this.#open.set(wireId, { orderId: message.orderId, requestedAt: message.at })
    const wire: OrderCancelled = { ...message, orderId: wireId, at: this.#toWall(message.at) }
    return this.#call({ op: "order", subject: subjects.orderCancelled(message.market), msgID: `${wireId}.cancelled`, data: JSON.stringify(wire), now })
  }

  tick(now: number): Array<Decision> {
    this.#pace(now)
    return this.#call({ op: "tick", now })
  }

  driverState(state: DriverState): void {
    this.#pace(state.at)
    this.#channel.post({ op: "driver", key: kvKeys.driver(state.market, state.driverId), data: JSON.stringify({ ...state, at: this.#toWall(state.at) }) })
  }

  isOpen(orderId: string): boolean {
    return this.#open.has(this.#wireId(orderId))
  }

  /** The engine forgets on its own clock. */
  forgetDecisionsBefore(_before: number): number {
    return 0
  }

  close(): Promise<void> {
    return this.#channel.close()
  }


  #wireId(orderId: string): string {
    return `${this.#runTag}-${orderId}`
  }

  #toWall(t: number): number {
    return Math.round(this.#wallStart + (t - this.#options.start) / this.#options.speed)
  }

  #toSim(wall: number): number {
    return Math.round(this.#options.start + (wall - this.#wallStart) * this.#options.speed)
  }

  /** Blocks until the wall clock reaches simulated time `t` (the worker keeps doing I/O meanwhile). */
  #pace(t: number): void {
    this.#now = Math.max(this.#now, t)
    const wait = this.#toWall(t) - Date.now()
    if (wait > 0) Atomics.wait(this.#sleeper, 0, 0, wait)
  }

  #call(command: Parameters<WorkerChannel["call"]>[0]): Array<Decision> {
    const decisions: Array<Decision> = []
    for (const d of this.#channel.call(command).decisions) {
      const order = this.#open.get(d.orderId)
      // Decisions of other producers' orders share the subject: not ours.
      if (order === undefined) continue
      this.#open.delete(d.orderId)
      // Never in the simulation's future, never before the request (the wall clock maps to whole ms).
      decisions.push({ ...d, orderId: order.orderId, decidedAt: Math.min(this.#now, Math.max(order.requestedAt, this.#toSim(d.decidedAt))) })
    }
    if (decisions.length > 0 || this.#open.size === 0) this.#lastHeard = Date.now()
    else if (Date.now() - this.#lastHeard > STALL_WALL_MS) {
      throw new Error(`live mode: ${this.#open.size} orders and no decision for ${STALL_WALL_MS / 1000} s: is \`npx dispatch engine\` running on ${redactUrls(this.#options.natsUrl)} and serving market ${this.#options.market}?`)
    }
    return decisions
  }
}
