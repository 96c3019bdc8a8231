/**
 * The batch policy's pure step: solve one window of orders at once.
 *
 * Orders past their deadline leave as `expired`. For the rest: the most orders matched, then
 * the least total pickup ETA, over the candidate graph, solved exactly by sparse shortest
 * augmenting paths (assignment.ts). Matched drivers become busy at once; unmatched orders are
 * carried to the next window, and expire there once their deadline has passed. When to run a
 * window (time and/or count) is the pipeline's business.
 *
 * The graph is grown only where it matters (docs/matching.md, "Batch objective"):
 *
 * 1. Each order starts with its `initialCandidates` best-ETA drivers in range, plus the driver
 *    greedy would give it in the window's order. With greedy's whole assignment inside the
 *    graph, the optimum over the graph is never worse than greedy on the same window.
 * 2. After a solve, the solver's row dual u(o) says whether a driver left out could help: any
 *    driver not among o's k best has an ETA of at least the k-th best, c_k(o), and a column dual
 *    ≤ 0, so its reduced cost is ≥ c_k(o) − u(o). If u(o) ≤ c_k(o) for every order whose list
 *    was cut, the duals are feasible for the graph of *all* available drivers in range and the
 *    answer is the optimum over all of them. Otherwise the orders that fail get `GROWTH` times
 *    as many candidates (an order left unmatched: straight to `candidatesPerOrder`, the cap)
 *    and the window is solved again.
 *
 * In a city with drivers to spare, uncontested orders pass the test at once (u(o) is their best
 * ETA) and one round suffices; contested ones grow their lists only as far as the competition
 * reaches.
 */
import type { DriverIndex } from "../index/driver-index.ts"
import type { Eta } from "../eta/eta.ts"
import { assignSparse, solverCost } from "./assignment.ts"
import { bestEtaCandidates, type Candidate, CandidateGraph, searchCandidates } from "./candidates.ts"
import type { WindowDecisions, WindowPolicy } from "./policy.ts"
import { type Decision, isExpired, type Matched, type OrderRequest, unmatched } from "./types.ts"

export interface BatchParams {
  /** The market's `maxPickupRadiusMeters`. */
  readonly maxRadiusMeters: number
  /**
   * Most candidate drivers an order's list may grow to (edges of the graph). It bounds the
   * work of windows short of supply; below it, the window's optimum is proven exact over every
   * available driver in range (the dual test above), and it is always exact when the window
   * has no more orders than this (exchange argument, docs/matching.md).
   */
  readonly candidatesPerOrder: number
  /**
   * Candidates each order starts with. Default: `DEFAULT_INITIAL_CANDIDATES` when the index has
   * at least `SCARCE_SUPPLY_RATIO` available drivers per order, else the cap (where supply is
   * scarce most lists would grow to it anyway, and one round is cheaper than several).
   */
  readonly initialCandidates?: number | undefined
}

/** Cap on candidates per order (see `BatchParams.candidatesPerOrder`). */
export const DEFAULT_CANDIDATES_PER_ORDER = 100

/**
 * Candidates each order starts with. The answer is the same for any value (the dual test grows
 * lists until it is proven); this only trades first-round work against further rounds. Chosen
 * with engine/bench/quality.bench.ts and assignment.bench.ts (docs/performance.md).
 */
export const DEFAULT_INITIAL_CANDIDATES = 8

/**
 * Available drivers per order below which lists start at the cap. Measured with
 * engine/bench/assignment.bench.ts: with as many drivers as orders, starting at 8 took 3–4
 * rounds and ~2× the solver work of one round at 100; with 40 drivers per order, 1 round at 8.
 */
export const SCARCE_SUPPLY_RATIO = 4

/** How much longer a failing order's list gets per round. */
const GROWTH = 4

export interface WindowStats {
  /** Solves run (1 when the first graph was already enough). */
  readonly rounds: number
  /** Edges of the last graph (greedy's picks included). */
  readonly edges: number
  /** Candidates fetched from the index over all rounds (the work of growing lists). */
  readonly fetched: number
  /** Edges relaxed by the solver over all rounds (its work). */
  readonly relaxed: number
  /**
   * The dual test passed for every order: the answer is the optimum over every available
   * driver in range, not only over the graph. False only when some list hit the cap.
   */
  readonly provenOverAllDrivers: boolean
}

/** Decisions: expired orders first, then matches in the orders' input order. */
export interface WindowOutcome extends WindowDecisions {
  readonly stats: WindowStats
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
  const radius = params.maxRadiusMeters
  const cap = Math.max(1, params.candidatesPerOrder)
  const initial = params.initialCandidates ?? (index.availableCount < SCARCE_SUPPLY_RATIO * open.length ? cap : DEFAULT_INITIAL_CANDIDATES)
  const first = Math.max(1, Math.min(cap, initial))
  const asked = open.map(() => first)
  // First lists prove only each order's best ETA (a greedy order's search) and say, in their
  // floor, what any driver left out costs at least; that is all the dual test needs, and the
  // ring of the k-th best is several times larger with road ETAs. Where supply is scarce lists
  // start at the cap, exact, as before.
  const prove = first < cap ? 1 : first
  const searched = open.map((order) => searchCandidates(order.pickup, index, model, now, first, prove, radius))
  const lists = searched.map((s) => s.candidates)
  const floors = searched.map((s) => s.floor)
  const exact = open.map(() => prove === first)
  let fetched = 0
  for (const list of lists) fetched += list.length
  const greedyPicks = greedyAssignment(open, lists, floors, exact, index, model, now, radius)
  const graph = new CandidateGraph(open.length)
  lists.forEach((list, o) => graph.setCandidates(o, withPick(list, greedyPicks[o])))

  let rounds = 0, relaxed = 0
  for (;;) {
    rounds++
    const costs = graph.costs()
    const { rowToCol, rowDual, relaxed: work } = assignSparse(costs)
    relaxed += work
    const grow: Array<number> = []
    let proven = true
    lists.forEach((_, o) => {
      // Every driver left out of o's list costs at least its floor (+Infinity: none left out).
      if (rowDual[o]! <= solverCost(floors[o]!)) return
      if (asked[o]! >= cap && exact[o]) proven = false
      else grow.push(o)
    })
    if (grow.length === 0) {
      const carried: Array<OrderRequest> = []
      open.forEach((order, o) => {
        const col = rowToCol[o]!
        if (col < 0) return carried.push(order)
        const edge = graph.candidateOf(o, col)!
        const match: Matched = {
          _tag: "Matched",
          orderId: order.orderId,
          driverId: edge.driverId,
          etaSeconds: edge.etaSeconds,
          distanceMeters: edge.distanceMeters,
          policy: "batch",
          decidedAt: now
        }
        index.setStatus(match.driverId, "busy")
        decisions.push(match)
      })
      return { decisions, carried, stats: { rounds, edges: costs.rowStart[open.length]!, fetched, relaxed, provenOverAllDrivers: proven } }
    }
    for (const o of grow) {
      // A first list failing its floor is searched again exactly, and longer unless at the cap.
      asked[o] = rowToCol[o]! < 0 ? cap : Math.min(cap, asked[o]! * GROWTH)
      const grown = searchCandidates(open[o]!.pickup, index, model, now, asked[o]!, asked[o]!, radius)
      lists[o] = grown.candidates
      floors[o] = grown.floor
      exact[o] = true
      fetched += lists[o]!.length
      graph.setCandidates(o, withPick(lists[o]!, greedyPicks[o]))
    }
  }
}

/** The list with greedy's pick appended when it is not already in it. */
const withPick = (list: ReadonlyArray<Candidate>, pick: Candidate | undefined): ReadonlyArray<Candidate> =>
  pick === undefined || list.some((c) => c.driverId === pick.driverId) ? list : [...list, pick]

/**
 * What greedy would give each order, taking them in the window's order: the best-ETA available
 * driver not taken before it. Read off the candidate lists when they tell: the first one not
 * taken, if the list is the exact k best (then every driver left out comes after it in (ETA,
 * id) order) or if its ETA is below the list's floor; a list with nothing left out (floor
 * +Infinity) tells in any case. Otherwise asked of the index with the drivers taken so far set
 * busy for the time of the question, and set back afterwards.
 */
const greedyAssignment = (
  open: ReadonlyArray<OrderRequest>,
  lists: ReadonlyArray<ReadonlyArray<Candidate>>,
  floors: ReadonlyArray<number>,
  exact: ReadonlyArray<boolean>,
  index: DriverIndex,
  model: Eta,
  now: number,
  radius: number
): Array<Candidate | undefined> => {
  const taken = new Set<string>()
  let hidden = false
  const picks = open.map((order, o) => {
    const list = lists[o]!, floor = floors[o]!
    let pick = list.find((c) => !taken.has(c.driverId))
    const tells = floor === Infinity || (pick !== undefined && (exact[o] || pick.etaSeconds < floor))
    if (!tells) {
      if (!hidden) for (const id of taken) index.setStatus(id, "busy")
      hidden = true
      pick = bestEtaCandidates(order.pickup, index, model, now, 1, radius)[0]
    }
    if (pick !== undefined) {
      taken.add(pick.driverId)
      if (hidden) index.setStatus(pick.driverId, "busy")
    }
    return pick
  })
  if (hidden) for (const id of taken) index.setStatus(id, "available")
  return picks
}

export const batchPolicy = {
  kind: "window",
  name: "batch",
  description: "orders gathered over a window get the most matches at the least total pickup ETA (optimal assignment); unmatched ones wait for the next window",
  settings: ["--batch-window-ms", "--batch-max-orders"],
  solve: solveWindow
} as const satisfies WindowPolicy
