/**
 * The batch policy's pure step: solve one window of orders at once.
 *
 * Orders past their deadline leave as `expired`. For the rest, the candidate graph (each
 * order's best-ETA drivers within the radius, candidates.ts) is split into connected
 * components, and each component is solved exactly (assignment.ts): the most orders matched,
 * then the least total pickup ETA. Matched drivers become busy at once; unmatched orders are
 * carried to the next window, and expire there once their deadline has passed. When to run a
 * window (time and/or count) is the pipeline's business.
 *
 * Exactness: optimal over the candidate graph, and each order keeps min(candidatesPerOrder,
 * orders in the window) candidates; when that is the number of orders, the window's optimum is
 * exact over every available driver in range, by an exchange argument (docs/matching.md,
 * "Batch objective").
 */
import type { DriverIndex } from "../index/driver-index.ts"
import type { Eta } from "../eta/eta-model.ts"
import { assign } from "./assignment.ts"
import { buildCandidateGraph, type CandidateGraph, type Component, connectedComponents } from "./candidates.ts"
import { type Decision, isExpired, type Matched, type OrderRequest, unmatched } from "./types.ts"

export interface BatchParams {
  /** The market's `maxPickupRadiusMeters`. */
  readonly maxRadiusMeters: number
  /**
   * Most candidate drivers kept per order (edges of the graph). Each order keeps
   * min(this, orders in the window): enough for the window's optimum to be exact.
   */
  readonly candidatesPerOrder: number
}

/**
 * Cap on candidates per order. Below it, windows are solved exactly (each order keeps as many
 * candidates as the window has orders). The quality sweep (engine/bench/quality.bench.ts,
 * docs/performance.md) shows why a small fixed k is not enough: with 10 candidates, batch
 * matched 8 points fewer orders than greedy when supply equals demand, because remote drivers
 * were nobody's candidate. The cap only bounds the work of windows above 100 orders.
 */
export const DEFAULT_CANDIDATES_PER_ORDER = 100

export interface WindowOutcome {
  /** Expired orders first, then matches in the orders' input order. */
  readonly decisions: Array<Decision>
  /** Orders still open, in input order, for the next window. */
  readonly carried: Array<OrderRequest>
}

export const solveWindow = (
  orders: ReadonlyArray<OrderRequest>,
  index: DriverIndex,
  model: Eta,
  now: number,
  params: BatchParams
): WindowOutcome => {
  const decisions: Array<Decision> = []
  const open: Array<OrderRequest> = []
  for (const order of orders) {
    if (isExpired(order, now)) decisions.push(unmatched(order.orderId, "expired", now))
    else open.push(order)
  }
  const candidates = Math.min(params.candidatesPerOrder, open.length)
  const graph = buildCandidateGraph(open, index, model, now, candidates, params.maxRadiusMeters)
  const matchOf: Array<Matched | undefined> = open.map(() => undefined)
  for (const component of connectedComponents(graph)) {
    const assigned = assign(componentCosts(graph, component), component.orders.length, component.drivers.length)
    component.orders.forEach((o, r) => {
      const col = assigned[r]!
      if (col < 0) return
      const driver = component.drivers[col]!
      const edge = graph.edges[o]!.find((e) => e.driver === driver)!
      matchOf[o] = {
        _tag: "Matched",
        orderId: open[o]!.orderId,
        driverId: edge.driverId,
        etaSeconds: edge.etaSeconds,
        distanceMeters: edge.distanceMeters,
        policy: "batch",
        decidedAt: now
      }
    })
  }
  const carried: Array<OrderRequest> = []
  open.forEach((order, o) => {
    const match = matchOf[o]
    if (match === undefined) {
      carried.push(order)
    } else {
      index.setStatus(match.driverId, "busy")
      decisions.push(match)
    }
  })
  return { decisions, carried }
}

/** A component's ETA matrix (orders × drivers, row-major), +Infinity where there is no edge. */
export const componentCosts = (graph: CandidateGraph, component: Component): Float64Array => {
  const cols = component.drivers.length
  const columnOf = new Map(component.drivers.map((d, c) => [d, c]))
  const costs = new Float64Array(component.orders.length * cols).fill(Number.POSITIVE_INFINITY)
  component.orders.forEach((o, r) => {
    for (const e of graph.edges[o]!) costs[r * cols + columnOf.get(e.driver)!] = e.etaSeconds
  })
  return costs
}
