/**
 * What the gateway's balancer knows about each target region at one moment: its breaker's
 * state and window, whether outlier detection has it ejected, whether it is drained. The admin
 * API serves it as `GET /admin/breakers`; the balancer (targets.ts) is its implementation.
 * Read-only: changing weights or draining goes through RegionConfig, never through the board.
 */
import { Context, type Effect } from "effect"
import type { BreakerState } from "../breaker/circuit-breaker.ts"
import type { FleetHealthView } from "../health/fleet-health.ts"

export interface TargetSnapshot {
  readonly target: string
  readonly state: BreakerState
  /** Held open by the fleet-health trigger (docs/balancer.md, "Fleet-wide trigger"). */
  readonly forcedOpen: boolean
  /** Calls, failures and slow calls in the breaker's current window (closed: the sliding window; half-open: the probes). */
  readonly calls: number
  readonly failures: number
  readonly slowCalls: number
  /** failures / calls and slowCalls / calls in percent; 0 with no calls. */
  readonly failureRatePercent: number
  readonly slowCallRatePercent: number
  /** ms until an open breaker lets a probe through; 0 when it admits now; null when half-open with every probe out. */
  readonly retryAfterMs: number | null
  /** Epoch ms until which outlier detection keeps the target out; null when not ejected. */
  readonly ejectedUntil: number | null
  readonly drained: boolean
  /** Epoch ms of the breaker's last transition; null if it never left closed. */
  readonly lastTransitionAt: number | null
}

export interface BreakerBoardSnapshot {
  /** Epoch ms the snapshot was taken. */
  readonly at: number
  readonly targets: ReadonlyArray<TargetSnapshot>
  /** The fleet-health trigger's last evaluation; null when it is off (no --health-prometheus). */
  readonly fleetHealth: FleetHealthView | null
}

export class BreakerBoard extends Context.Service<BreakerBoard, {
  readonly snapshot: Effect.Effect<BreakerBoardSnapshot>
}>()("dispatch/BreakerBoard") {}
