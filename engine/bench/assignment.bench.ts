/**
 * Batch solve time per window: `solveWindow` end to end (candidates from the H3 index, greedy's
 * picks, sparse solves until the dual test passes) for windows of 10, 100, 500 and 1000 orders
 * with as many drivers, and 500 orders against 20,000 drivers (the engine bench's drain), all
 * uniform in the SF city box. Then the solver alone on the very graphs `solveWindow` solves
 * first: the sparse solver (assignment.ts) against munkres@2.0.4, the dense Hungarian it
 * replaced, run on the same graph as a penalized dense matrix (same optimum checked). p50 / p99
 * over many windows (each a fresh draw).
 *
 * Run alone: node_modules/.bin/node engine/bench/assignment.bench.ts
 */
import { munkres } from "munkres"
import { H3DriverIndex } from "../src/index/h3-driver-index.ts"
import { DEFAULT_ETA_PARAMETERS, GreatCircleEta } from "../src/eta/great-circle-eta.ts"
import { assignSparse, type SparseCosts, solverCost } from "../src/matching/assignment.ts"
import { DEFAULT_CANDIDATES_PER_ORDER, DEFAULT_INITIAL_CANDIDATES, SCARCE_SUPPLY_RATIO, solveWindow, type WindowStats } from "../src/matching/batch.ts"
import { bestEtaCandidates, buildCandidateGraph } from "../src/matching/candidates.ts"
import type { OrderRequest } from "../src/matching/types.ts"
import { EVENING, median, percentile, PICKUP_RADIUS_METERS, printTable, randomPoint, seededRandom, SF_CITY_MARKET, timeEach } from "./fixtures.ts"

/** Windows drawn per (orders, drivers): enough for a p99 at small sizes, within the time budget at large ones. */
const WINDOWS: ReadonlyArray<readonly [orders: number, drivers: number, windows: number]> = [
  [10, 10, 300],
  [100, 100, 100],
  [500, 500, 20],
  [1000, 1000, 10],
  [500, 20_000, 20]
]

/** Windows solved, untimed, before timing: they fill the ring cache as a running engine has. */
const WARM_UP_WINDOWS = 3

/** The sparse graph as a dense penalized matrix (disallowed pairs and "unassigned" at P), for munkres. */
const denseForMunkres = (g: SparseCosts): { rows: Array<Float64Array>; penalty: number } => {
  let maxCost = 0
  for (const c of g.edgeCost) maxCost = Math.max(maxCost, solverCost(c))
  const penalty = Math.min(g.rows, g.cols) * maxCost + 1
  const rows = Array.from({ length: g.rows }, (_, r) => {
    const row = new Float64Array(g.cols).fill(penalty)
    for (let e = g.rowStart[r]!; e < g.rowStart[r + 1]!; e++) row[g.edgeCol[e]!] = solverCost(g.edgeCost[e]!)
    return row
  })
  return { rows, penalty }
}

/** Lexicographic score in solver units: pairs, then total cost. */
const sparseScore = (g: SparseCosts, rowToCol: Int32Array): string => {
  let pairs = 0, total = 0
  rowToCol.forEach((c, r) => {
    if (c < 0) return
    for (let e = g.rowStart[r]!; e < g.rowStart[r + 1]!; e++) if (g.edgeCol[e] === c) total += solverCost(g.edgeCost[e]!)
    pairs++
  })
  return `${pairs}/${total}`
}

export interface AssignmentRow {
  readonly orders: number
  readonly drivers: number
  readonly windows: number
  readonly rounds: number
  readonly edgesPerOrder: number
  readonly proven: number
  readonly window: { readonly p50: number; readonly p99: number }
  readonly sparse: { readonly p50: number; readonly p99: number }
  readonly munkres: { readonly p50: number; readonly p99: number } | undefined
  readonly sameOptimum: boolean
}

const p50p99 = (samples: ReadonlyArray<number>) => ({ p50: median(samples), p99: percentile(samples, 0.99) })

export const runAssignmentBench = (): Array<AssignmentRow> => {
  const model = new GreatCircleEta(DEFAULT_ETA_PARAMETERS, "America/Los_Angeles")
  const params = { maxRadiusMeters: PICKUP_RADIUS_METERS, candidatesPerOrder: DEFAULT_CANDIDATES_PER_ORDER }
  const rows: Array<AssignmentRow> = []
  for (const [size, driverCount, windows] of WINDOWS) {
    const random = seededRandom(size * 7 + driverCount)
    // The SF market's resolution (8).
    const index = H3DriverIndex.forMarket(SF_CITY_MARKET)
    const windowMs: Array<number> = [], sparseMs: Array<number> = [], munkresMs: Array<number> = []
    let rounds = 0, edges = 0, proven = 0, sameOptimum = true
    for (let w = 0; w < windows + WARM_UP_WINDOWS; w++) {
      const orders = Array.from({ length: size }, (_, i): OrderRequest => ({ orderId: `o${i}`, pickup: randomPoint(random), requestedAt: EVENING, maxWaitMs: 60_000 }))
      const drivers = Array.from({ length: driverCount }, (_, i) => ({ driverId: `d${i}`, ...randomPoint(random), status: "available" as const }))
      index.restore({ drivers })
      let stats: WindowStats | undefined
      const ms = timeEach(1, () => {
        stats = solveWindow(orders, index, model, EVENING, params).stats
      })
      if (w < WARM_UP_WINDOWS) continue
      windowMs.push(...ms)
      rounds += stats!.rounds
      edges += stats!.edges
      if (stats!.provenOverAllDrivers) proven++
      // The solver alone, on the first round's graph (the initial candidates solveWindow takes; greedy's picks left out).
      index.restore({ drivers })
      const initial = driverCount < SCARCE_SUPPLY_RATIO * size ? DEFAULT_CANDIDATES_PER_ORDER : DEFAULT_INITIAL_CANDIDATES
      const graph = buildCandidateGraph(orders.map((o) => bestEtaCandidates(o.pickup, index, model, EVENING, initial, params.maxRadiusMeters))).costs()
      let sparse = ""
      sparseMs.push(...timeEach(1, () => {
        sparse = sparseScore(graph, assignSparse(graph).rowToCol)
      }))
      if (graph.cols <= 5_000) {
        const dense = denseForMunkres(graph)
        let viaMunkres = ""
        munkresMs.push(...timeEach(1, () => {
          const rowToCol = new Int32Array(graph.rows).fill(-1)
          for (const [r, c] of munkres(dense.rows)) if (dense.rows[r]![c] !== dense.penalty) rowToCol[r] = c
          viaMunkres = sparseScore(graph, rowToCol)
        }))
        if (viaMunkres !== sparse) sameOptimum = false
      }
    }
    rows.push({
      orders: size,
      drivers: driverCount,
      windows,
      rounds: rounds / windows,
      edgesPerOrder: edges / windows / size,
      proven: proven / windows,
      window: p50p99(windowMs),
      sparse: p50p99(sparseMs),
      munkres: munkresMs.length === 0 ? undefined : p50p99(munkresMs),
      sameOptimum
    })
  }
  const ms = (x: { p50: number; p99: number } | undefined) => (x === undefined ? "—" : `${x.p50.toFixed(2)} / ${x.p99.toFixed(2)}`)
  printTable(
    `Batch window solve, ms p50 / p99 (uniform in the SF city box; initial candidates ${DEFAULT_INITIAL_CANDIDATES}, or the cap ${DEFAULT_CANDIDATES_PER_ORDER} under ${SCARCE_SUPPLY_RATIO} drivers per order; radius ${PICKUP_RADIUS_METERS} m)`,
    ["orders", "drivers", "windows", "rounds", "edges/order", "proven over all drivers", "solveWindow", "solver: sparse", "solver: munkres (dense)", "same optimum"],
    rows.map((r) => [
      String(r.orders), String(r.drivers), String(r.windows), r.rounds.toFixed(2), r.edgesPerOrder.toFixed(1), `${(r.proven * 100).toFixed(0)}%`,
      ms(r.window), ms(r.sparse), ms(r.munkres), r.sameOptimum ? "yes" : "NO"
    ])
  )
  return rows
}

if (import.meta.main) runAssignmentBench()
