/**
 * The runner's seam to the engine: what `Simulation` asks of a dispatcher. The in-process
 * transport is the engine's `Dispatcher` itself; NATS mode (transport/nats-port.ts) answers
 * the same calls through a `dispatch engine --clock sim` over a real nats-server. Both are
 * synchronous: every call returns the decisions it caused, as the in-process one does.
 */
import type { Decision, DriverState, OrderCancelled, OrderRequested } from "#engine"

export interface DispatchPort {
  request(message: OrderRequested, now: number): Array<Decision>
  cancel(message: OrderCancelled, now: number): Array<Decision>
  /** Runs what is due at `now`: the batch window when it closes. */
  tick(now: number): Array<Decision>
  /** When `tick` next has work (epoch ms), if ever. */
  readonly nextDeadline: number | undefined
  driverState(state: DriverState): void
  isOpen(orderId: string): boolean
  forgetDecisionsBefore(before: number): number
}
