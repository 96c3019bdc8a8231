/**
 * Minimum-cost assignment of rows (orders) to columns (drivers) on a sparse graph of allowed
 * pairs, where rows may stay unassigned: the exact solver behind the batch policy.
 *
 * Objective, lexicographic: first the most assigned pairs, then the least total cost among
 * those. Each row r gets a private "unassigned" column u_r at a penalty P that exceeds any
 * difference of total allowed cost between two assignments (P > min(rows, cols) × max allowed
 * cost), so one more real pair always beats any saving in cost. Every row then has a perfect
 * assignment (its u_r), and the problem is a rectangular linear assignment problem.
 *
 * Algorithm: shortest augmenting paths with potentials (Jonker–Volgenant's augmentation, as in
 * scipy's `linear_sum_assignment`, Crouse 2016), one row at a time, with a binary-heap Dijkstra
 * over the row's edges only. A path stops at the first free column it settles, so a row whose
 * best driver is free costs a few heap operations: work follows the conflicts, not the size of
 * the window. Duals are kept feasible throughout: c(r, j) − u[r] − v[j] ≥ 0 on every edge, = 0 on
 * assigned pairs, v[j] ≤ 0, and v[j] = 0 on every free column (a column, once assigned, stays
 * assigned; only scanned, hence assigned, columns ever have v changed). The row duals are
 * returned: batch.ts uses them to prove that drivers left out of the graph could not improve the
 * answer (docs/matching.md, "Batch objective").
 *
 * Costs are rounded to thousandths of their unit (milliseconds for ETA seconds) and solved as
 * integers, so sums and comparisons are exact (far below 2^53). The optimum returned is exact
 * for the rounded costs and within rows × 0.0005 units of the exact-cost optimum.
 */

/** Cost units per solver unit: thousandths. */
export const COST_SCALE = 1000

/** A cost as the solver sees it: integer thousandths. */
export const solverCost = (cost: number): number => Math.round(cost * COST_SCALE)

/**
 * Allowed pairs in compressed rows: the edges of row r are `rowStart[r] ..< rowStart[r + 1]`,
 * each with its column (`edgeCol`, 0 ..< cols) and cost (`edgeCost`, ≥ 0, finite).
 */
export interface SparseCosts {
  readonly rows: number
  readonly cols: number
  readonly rowStart: Int32Array
  readonly edgeCol: Int32Array
  readonly edgeCost: Float64Array
}

export interface SparseAssignment {
  /** Per row, its column, or -1. */
  readonly rowToCol: Int32Array
  /** Row duals u in solver units (thousandths). Meaningful for rows with at least one edge. */
  readonly rowDual: Float64Array
  /** Edges relaxed by the shortest-path searches: the solver's work. */
  readonly relaxed: number
}

/** Assigns rows to columns over the allowed pairs: the most pairs, then the least total cost. */
export const assignSparse = (problem: SparseCosts): SparseAssignment => {
  const { rows, cols, rowStart, edgeCol } = problem
  const rowToCol = new Int32Array(rows).fill(-1)
  const rowDual = new Float64Array(rows)
  const edges = rowStart[rows] ?? 0
  if (rows === 0 || edges === 0) return { rowToCol, rowDual, relaxed: 0 }
  const cost = new Float64Array(edges)
  let maxCost = 0
  for (let e = 0; e < edges; e++) {
    const c = problem.edgeCost[e]!
    if (!(c >= 0) || !Number.isFinite(c)) throw new RangeError(`assignment costs must be finite and >= 0, got ${c}`)
    const q = solverCost(c)
    cost[e] = q
    if (q > maxCost) maxCost = q
  }
  const penalty = Math.min(rows, cols) * maxCost + 1
  // Columns 0 ..< cols are drivers, cols + r is row r's "unassigned" column.
  const columns = cols + rows
  const colToRow = new Int32Array(columns).fill(-1)
  const colDual = new Float64Array(columns)
  const dist = new Float64Array(columns).fill(Number.POSITIVE_INFINITY)
  const pred = new Int32Array(columns)
  const settled = new Uint8Array(columns)
  const touched: Array<number> = []
  const scanned: Array<number> = []
  const heap = new MinHeap()
  const assignedTo = new Int32Array(rows).fill(-1)
  let relaxed = 0

  for (let start = 0; start < rows; start++) {
    if (rowStart[start] === rowStart[start + 1]) continue
    let row = start
    let minVal = 0
    let sink = -1
    for (;;) {
      const base = minVal - rowDual[row]!
      relaxed += rowStart[row + 1]! - rowStart[row]!
      for (let e = rowStart[row]!, end = rowStart[row + 1]!; e < end; e++) {
        const col = edgeCol[e]!
        if (settled[col]) continue
        const reduced = base + cost[e]! - colDual[col]!
        if (reduced < dist[col]!) {
          if (dist[col] === Number.POSITIVE_INFINITY) touched.push(col)
          dist[col] = reduced
          pred[col] = row
          heap.push(reduced, col)
        }
      }
      const own = cols + row
      if (!settled[own]) {
        const reduced = base + penalty - colDual[own]!
        if (reduced < dist[own]!) {
          if (dist[own] === Number.POSITIVE_INFINITY) touched.push(own)
          dist[own] = reduced
          pred[own] = row
          heap.push(reduced, own)
        }
      }
      // The start row's own column is always reachable, so the heap cannot run dry first.
      let col = heap.pop()
      while (settled[col] || heap.poppedKey > dist[col]!) col = heap.pop()
      settled[col] = 1
      scanned.push(col)
      minVal = dist[col]!
      const next = colToRow[col]!
      if (next < 0) {
        sink = col
        break
      }
      row = next
    }
    // Dual update (keeps reduced costs >= 0, and 0 on the assigned pairs and the new path).
    rowDual[start] = rowDual[start]! + minVal
    for (const col of scanned) {
      if (col === sink) continue
      const delta = minVal - dist[col]!
      const r = colToRow[col]!
      rowDual[r] = rowDual[r]! + delta
      colDual[col] = colDual[col]! - delta
    }
    // Augment along the path back to the start row.
    for (let col = sink; ;) {
      const r = pred[col]!
      colToRow[col] = r
      const previous = assignedTo[r]!
      assignedTo[r] = col
      if (r === start) break
      col = previous
    }
    for (const col of touched) {
      dist[col] = Number.POSITIVE_INFINITY
      settled[col] = 0
    }
    touched.length = 0
    scanned.length = 0
    heap.clear()
  }
  for (let r = 0; r < rows; r++) {
    const col = assignedTo[r]!
    if (col >= 0 && col < cols) rowToCol[r] = col
  }
  return { rowToCol, rowDual, relaxed }
}

/**
 * Dense convenience: `costs` is row-major (`rows × cols`), a non-finite entry means "not
 * allowed". Returns, per row, its column or -1. For tests and benchmarks.
 */
export const assign = (costs: Float64Array, rows: number, cols: number): Int32Array => {
  const rowStart = new Int32Array(rows + 1)
  const edgeCol: Array<number> = [], edgeCost: Array<number> = []
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const cost = costs[r * cols + c]!
      if (cost < 0) throw new RangeError(`assignment costs must be >= 0, got ${cost}`)
      if (!Number.isFinite(cost)) continue
      edgeCol.push(c)
      edgeCost.push(cost)
    }
    rowStart[r + 1] = edgeCol.length
  }
  return assignSparse({ rows, cols, rowStart, edgeCol: Int32Array.from(edgeCol), edgeCost: Float64Array.from(edgeCost) }).rowToCol
}

/** Binary min-heap of (key, value) pairs with lazy deletion left to the caller. */
class MinHeap {
  #keys = new Float64Array(64)
  #values = new Int32Array(64)
  #size = 0
  /** Key of the last `pop`. */
  poppedKey = 0

  clear(): void {
    this.#size = 0
  }

  push(key: number, value: number): void {
    if (this.#size === this.#keys.length) {
      const keys = new Float64Array(this.#size * 2), values = new Int32Array(this.#size * 2)
      keys.set(this.#keys)
      values.set(this.#values)
      this.#keys = keys
      this.#values = values
    }
    const keys = this.#keys, values = this.#values
    let i = this.#size++
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (keys[parent]! <= key) break
      keys[i] = keys[parent]!
      values[i] = values[parent]!
      i = parent
    }
    keys[i] = key
    values[i] = value
  }

  /** Removes the least key's value; the heap must not be empty. */
  pop(): number {
    if (this.#size === 0) throw new Error("MinHeap: pop on empty heap")
    const keys = this.#keys, values = this.#values
    this.poppedKey = keys[0]!
    const top = values[0]!
    const n = --this.#size
    const key = keys[n]!, value = values[n]!
    let i = 0
    for (;;) {
      let child = 2 * i + 1
      if (child >= n) break
      if (child + 1 < n && keys[child + 1]! < keys[child]!) child++
      if (keys[child]! >= key) break
      keys[i] = keys[child]!
      values[i] = values[child]!
      i = child
    }
    keys[i] = key
    values[i] = value
    return top
  }
}
