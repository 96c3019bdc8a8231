/**
 * What a matching policy is, declared once: its name (on the wire, in metric labels, KPI files
 * and report legends), a description for help and docs, the settings it reads, and its step.
 *
 * Two kinds, because the pipeline drives them differently:
 * - a per-order policy decides each order as it arrives, and may keep one it could not match
 *   waiting for supply (greedy; greedy-once answers at once);
 * - a window policy is handed the orders gathered over a window, plus those it carried from
 *   earlier windows, and says which it decides now and which it carries on (batch).
 *
 * A policy is pure over its inputs: the driver index is the only state it touches (a matched
 * driver is set busy at once), time is passed in. The registry is policies.ts; adding a policy
 * is one module and a line there (docs/matching.md, "Adding a policy").
 */
import type { Eta } from "../eta/eta.ts"
import type { DriverIndex } from "../index/driver-index.ts"
import type { Decision, OrderRequest } from "./types.ts"

/** What the dispatcher hands every policy besides the orders. */
export interface PolicyParams {
  /** The market's `maxPickupRadiusMeters` (or the engine's override). */
  readonly maxRadiusMeters: number
  /** Most candidate drivers an order's list may grow to. */
  readonly candidatesPerOrder: number
}

interface PolicyInfo {
  /** A token (`[A-Za-z0-9_-]`): it becomes a metric label and the wire's `policy` field. */
  readonly name: string
  /** One line for `--help` and the docs. */
  readonly description: string
  /** The engine flags it reads besides the shared ones, for `--help` and the docs. */
  readonly settings: ReadonlyArray<string>
}

export interface PerOrderPolicy extends PolicyInfo {
  readonly kind: "per-order"
  /**
   * An order `decide` answers `no_supply` is not answered: it waits, open, and is offered
   * again, oldest first, once an available driver has appeared or moved (checked at the next
   * order's arrival and every re-offer interval), until its deadline expires it. False: the
   * first answer is final.
   */
  readonly waits: boolean
  readonly decide: (order: OrderRequest, index: DriverIndex, model: Eta, now: number, params: PolicyParams) => Decision
}

/** A window's answer: what is decided now, and what waits for the next window. */
export interface WindowDecisions {
  /** Terminal decisions, each order at most once. */
  readonly decisions: Array<Decision>
  /** Orders still open, in input order. */
  readonly carried: Array<OrderRequest>
}

export interface WindowPolicy extends PolicyInfo {
  readonly kind: "window"
  readonly solve: (orders: ReadonlyArray<OrderRequest>, index: DriverIndex, model: Eta, now: number, params: PolicyParams) => WindowDecisions
}

export type Policy = PerOrderPolicy | WindowPolicy
