/**
 * Batch solve time per window: `solveWindow` end to end (candidate graph from the H3 index,
 * components, exact assignment) for windows of 10, 100, 500 and 1000 orders with as many
 * drivers, uniform in the SF city box; and the solver alone on the very same component
 * matrices, munkres@2.0.4 (the one `assignment.ts` wraps) against a reference Hungarian on
 * Float64Array written here. p50 / p99 over many windows (each a fresh draw).
 *
 * Run alone: node_modules/.bin/node engine/bench/assignment.bench.ts
 */
import { munkres } from "munkres"
import { H3DriverIndex } from "../src/index/h3-driver-index.ts"
import { DEFAULT_ETA_PARAMETERS, GreatCircleEta } from "../src/eta/great-circle-eta.ts"
import { penalizedCosts } from "../src/matching/assignment.ts"
import { componentCosts, DEFAULT_CANDIDATES_PER_ORDER, solveWindow } from "../src/matching/batch.ts"
import { buildCandidateGraph, connectedComponents } from "../src/matching/candidates.ts"
import type { OrderRequest } from "../src/matching/types.ts"
import { EVENING, median, percentile, PICKUP_RADIUS_METERS, printTable, randomPoint, seededRandom, SF_CITY_MARKET, timeEach } from "./fixtures.ts"

/** Windows drawn per size: enough for a p99 at small sizes, within the time budget at large ones. */
const WINDOWS: ReadonlyArray<readonly [size: number, windows: number]> = [[10, 300], [100, 100], [500, 20], [1000, 10]]

/** Windows solved, untimed, before timing: they fill the ring cache as a running engine has. */
const WARM_UP_WINDOWS = 3

/**
 * Reference Hungarian (shortest augmenting paths with potentials, O(rows² · cols)), rows <=
 * cols, on a row-major Float64Array. Returns row -> column.
 */
export const referenceHungarian = (a: Float64Array, rows: number, cols: number): Int32Array => {
  if (rows > cols) {
    const t = new Float64Array(rows * cols)
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c]!
    const colToRow = referenceHungarian(t, cols, rows)
    const rowToCol = new Int32Array(rows).fill(-1)
    colToRow.forEach((r, c) => {
      if (r >= 0) rowToCol[r] = c
    })
    return rowToCol
  }
  const u = new Float64Array(rows + 1), v = new Float64Array(cols + 1)
  const p = new Int32Array(cols + 1), way = new Int32Array(cols + 1)
  const minv = new Float64Array(cols + 1), used = new Uint8Array(cols + 1)
  for (let i = 1; i <= rows; i++) {
    p[0] = i
    let j0 = 0
    minv.fill(Number.POSITIVE_INFINITY)
    used.fill(0)
    do {
      used[j0] = 1
      const i0 = p[j0]!
      let delta = Number.POSITIVE_INFINITY, j1 = 0
      for (let j = 1; j <= cols; j++) {
        if (used[j]) continue
        const cur = a[(i0 - 1) * cols + j - 1]! - u[i0]! - v[j]!
        if (cur < minv[j]!) {
          minv[j] = cur
          way[j] = j0
        }
        if (minv[j]! < delta) {
          delta = minv[j]!
          j1 = j
        }
      }
      for (let j = 0; j <= cols; j++) {
        if (used[j]) {
          u[p[j]!]! += delta
          v[j]! -= delta
        } else minv[j]! -= delta
      }
      j0 = j1
    } while (p[j0] !== 0)
    do {
      const j1 = way[j0]!
      p[j0] = p[j1]!
      j0 = j1
    } while (j0 !== 0)
  }
  const rowToCol = new Int32Array(rows).fill(-1)
  for (let j = 1; j <= cols; j++) if (p[j] !== 0) rowToCol[p[j]! - 1] = j - 1
  return rowToCol
}

const total = (a: Float64Array, cols: number, rowToCol: ArrayLike<number>): number => {
  let sum = 0
  for (let r = 0; r < rowToCol.length; r++) if (rowToCol[r]! >= 0) sum += a[r * cols + rowToCol[r]!]!
  return sum
}

export interface AssignmentRow {
  readonly orders: number
  readonly windows: number
  readonly components: number
  readonly largest: string
  readonly window: { readonly p50: number; readonly p99: number }
  readonly munkres: { readonly p50: number; readonly p99: number }
  readonly reference: { readonly p50: number; readonly p99: number }
  readonly sameOptimum: boolean
}

const p50p99 = (samples: ReadonlyArray<number>) => ({ p50: median(samples), p99: percentile(samples, 0.99) })

export const runAssignmentBench = (): Array<AssignmentRow> => {
  const model = new GreatCircleEta(DEFAULT_ETA_PARAMETERS, "America/Los_Angeles")
  const params = { maxRadiusMeters: PICKUP_RADIUS_METERS, candidatesPerOrder: DEFAULT_CANDIDATES_PER_ORDER }
  const rows: Array<AssignmentRow> = []
  for (const [size, windows] of WINDOWS) {
    const random = seededRandom(size)
    const draws = Array.from({ length: windows + WARM_UP_WINDOWS }, () => ({
      orders: Array.from({ length: size }, (_, i): OrderRequest => ({ orderId: `o${i}`, pickup: randomPoint(random), requestedAt: EVENING, maxWaitMs: 60_000 })),
      drivers: Array.from({ length: size }, (_, i) => ({ driverId: `d${i}`, ...randomPoint(random), status: "available" as const }))
    }))
    // The SF market's resolution (8): at these densities (0.06–6 drivers/km²) finer cells only add rings.
    const index = H3DriverIndex.forMarket(SF_CITY_MARKET)
    const windowMs = draws.flatMap((draw, w) => {
      index.restore({ drivers: draw.drivers })
      const ms = timeEach(1, () => solveWindow(draw.orders, index, model, EVENING, params))
      return w < WARM_UP_WINDOWS ? [] : ms
    })
    let components = 0, largestRows = 0, largestCols = 0, sameOptimum = true
    const munkresMs: Array<number> = [], referenceMs: Array<number> = []
    for (const draw of draws) {
      index.restore({ drivers: draw.drivers })
      const graph = buildCandidateGraph(draw.orders, index, model, EVENING, params.candidatesPerOrder, params.maxRadiusMeters)
      const matrices = connectedComponents(graph).map((c) => ({
        rows: c.orders.length,
        cols: c.drivers.length,
        ...penalizedCosts(componentCosts(graph, c), c.orders.length, c.drivers.length)
      }))
      components += matrices.length
      for (const m of matrices) if (m.rows * m.cols > largestRows * largestCols) [largestRows, largestCols] = [m.rows, m.cols]
      let munkresTotal = 0, referenceTotal = 0
      munkresMs.push(...timeEach(1, () => {
        for (const m of matrices) {
          const rowToCol = new Int32Array(m.rows).fill(-1)
          for (const [r, c] of munkres(Array.from({ length: m.rows }, (_, r) => m.matrix.subarray(r * m.cols, (r + 1) * m.cols)))) rowToCol[r] = c
          munkresTotal += total(m.matrix, m.cols, rowToCol)
        }
      }))
      referenceMs.push(...timeEach(1, () => {
        for (const m of matrices) referenceTotal += total(m.matrix, m.cols, referenceHungarian(m.matrix, m.rows, m.cols))
      }))
      if (munkresTotal !== referenceTotal) sameOptimum = false
    }
    rows.push({
      orders: size,
      windows,
      components: components / draws.length,
      largest: `${largestRows}×${largestCols}`,
      window: p50p99(windowMs),
      munkres: p50p99(munkresMs.slice(WARM_UP_WINDOWS)),
      reference: p50p99(referenceMs.slice(WARM_UP_WINDOWS)),
      sameOptimum
    })
  }
  const ms = (x: { p50: number; p99: number }) => `${x.p50.toFixed(2)} / ${x.p99.toFixed(2)}`
  printTable(
    `Batch window solve, ms p50 / p99 (orders = drivers, uniform in the SF city box, ${DEFAULT_CANDIDATES_PER_ORDER} candidates per order, radius ${PICKUP_RADIUS_METERS} m)`,
    ["orders", "windows", "components/window", "largest", "solveWindow", "solver: munkres", "solver: reference", "same optimum"],
    rows.map((r) => [String(r.orders), String(r.windows), r.components.toFixed(1), r.largest, ms(r.window), ms(r.munkres), ms(r.reference), r.sameOptimum ? "yes" : "NO"])
  )
  return rows
}

if (import.meta.main) runAssignmentBench()
