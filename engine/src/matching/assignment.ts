/**
 * Minimum-cost assignment of rows (orders) to columns (drivers) where some pairs are not
 * allowed and rows may stay unassigned: the exact solver behind the batch policy.
 *
 * Objective, lexicographic: first the most assigned pairs, then the least total cost among
 * those. It is solved as one rectangular Hungarian problem (munkres@2.0.4, measured fastest:
 * docs/limits.md §4 and engine/bench/assignment.bench.ts) where a disallowed pair costs a
 * penalty P. P exceeds any difference of total allowed cost between two assignments
 * (P > min(rows, cols) × max allowed cost), so one more real pair always beats any saving in
 * cost; pairs at P are then dropped, which is "unassigned".
 *
 * Costs are rounded to thousandths of their unit (milliseconds for ETA seconds) and solved as
 * integers: the solver compares sums for equality, which is exact on integers and not on
 * floating-point fractions. The optimum returned is therefore exact for the rounded costs and
 * within rows × 0.0005 units of the exact-cost optimum.
 */
import { munkres } from "munkres"

/** Cost units per solver unit: thousandths. */
const COST_SCALE = 1000

/**
 * Assigns rows to columns. `costs` is row-major (`rows × cols`); a non-finite entry means
 * "not allowed". Returns, per row, its column or -1.
 */
export const assign = (costs: Float64Array, rows: number, cols: number): Int32Array => {
  const result = new Int32Array(rows).fill(-1)
  if (rows === 0 || cols === 0) return result
  const { matrix, penalty } = penalizedCosts(costs, rows, cols)
  const views = Array.from({ length: rows }, (_, r) => matrix.subarray(r * cols, (r + 1) * cols))
  for (const [row, col] of munkres(views)) {
    if (matrix[row * cols + col] !== penalty) result[row] = col
  }
  return result
}

/**
 * The integer matrix the solver sees: costs in thousandths, disallowed pairs at the penalty.
 * Exported for the solver benchmark, which runs other solvers on the very same matrices.
 */
export const penalizedCosts = (costs: Float64Array, rows: number, cols: number): { readonly matrix: Float64Array; readonly penalty: number } => {
  const matrix = new Float64Array(rows * cols)
  let maxCost = 0
  for (let i = 0; i < matrix.length; i++) {
    const c = costs[i]!
    if (Number.isFinite(c)) {
      if (c < 0) throw new RangeError(`assignment costs must be >= 0, got ${c}`)
      const q = Math.round(c * COST_SCALE)
      matrix[i] = q
      if (q > maxCost) maxCost = q
    } else {
      matrix[i] = -1
    }
  }
  const penalty = Math.min(rows, cols) * maxCost + 1
  for (let i = 0; i < matrix.length; i++) if (matrix[i] === -1) matrix[i] = penalty
  return { matrix, penalty }
}
