/**
 * The sparse assignment solver against exhaustive search on small rectangular problems with
 * disallowed pairs: always a valid matching on allowed pairs, with the most pairs, then the
 * least total cost. And its row duals, which batch.ts trusts to prove that drivers left out of
 * the graph could not help: with column duals rebuilt from them, they are feasible and tight.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { assign, assignSparse, solverCost } from "../../src/matching/assignment.ts"
import { better, type Score } from "./references.ts"

const exhaustive = (costs: Float64Array, rows: number, cols: number): Score => {
  const used = new Array<boolean>(cols).fill(false)
  let best: Score = { matched: 0, totalEta: 0 }
  const visit = (r: number, matched: number, total: number): void => {
    if (r === rows) {
      if (better({ matched, totalEta: total }, best)) best = { matched, totalEta: total }
      return
    }
    visit(r + 1, matched, total)
    for (let c = 0; c < cols; c++) {
      const cost = costs[r * cols + c]!
      if (used[c] || !Number.isFinite(cost)) continue
      used[c] = true
      visit(r + 1, matched + 1, total + cost)
      used[c] = false
    }
  }
  visit(0, 0, 0)
  return best
}

const problem = fc
  .record({ rows: fc.integer({ min: 0, max: 6 }), cols: fc.integer({ min: 0, max: 6 }) })
  .chain(({ rows, cols }) =>
    fc.record({
      rows: fc.constant(rows),
      cols: fc.constant(cols),
      costs: fc.array(
        fc.oneof(
          { weight: 2, arbitrary: fc.constant(Number.POSITIVE_INFINITY) },
          { weight: 1, arbitrary: fc.constantFrom(0, 60, 120) },
          { weight: 5, arbitrary: fc.double({ min: 0, max: 1200, noNaN: true }) }
        ),
        { minLength: rows * cols, maxLength: rows * cols }
      )
    })
  )

describe("assign", () => {
  it("finds the most pairs, then the least cost, on allowed pairs only", () => {
    fc.assert(
      fc.property(problem, ({ rows, cols, costs }) => {
        const matrix = Float64Array.from(costs)
        const result = assign(matrix, rows, cols)
        expect(result).toHaveLength(rows)
        const columns = [...result].filter((c) => c >= 0)
        expect(new Set(columns).size).toBe(columns.length)
        let matched = 0, total = 0
        result.forEach((c, r) => {
          if (c < 0) return
          expect(Number.isFinite(matrix[r * cols + c]!)).toBe(true)
          matched++
          total += matrix[r * cols + c]!
        })
        const best = exhaustive(matrix, rows, cols)
        expect(matched).toBe(best.matched)
        // Costs are solved in thousandths: within half a thousandth per pair of the optimum.
        expect(total).toBeLessThanOrEqual(best.totalEta + rows * 0.001)
      }),
      { numRuns: 1000 }
    )
  })

  it("returns row duals that certify the optimum: u(r) + v(c) <= cost on every allowed pair, equal on assigned pairs", () => {
    fc.assert(
      fc.property(problem, ({ rows, cols, costs }) => {
        const rowStart = new Int32Array(rows + 1)
        const edgeCol: Array<number> = [], edgeCost: Array<number> = []
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) {
            if (Number.isFinite(costs[r * cols + c]!)) {
              edgeCol.push(c)
              edgeCost.push(costs[r * cols + c]!)
            }
          }
          rowStart[r + 1] = edgeCol.length
        }
        const { rowToCol, rowDual } = assignSparse({ rows, cols, rowStart, edgeCol: Int32Array.from(edgeCol), edgeCost: Float64Array.from(edgeCost) })
        // v(c) = cost − u(r) on an assigned column, 0 on a free one; then no pair may undercut.
        const v = new Float64Array(cols)
        rowToCol.forEach((c, r) => {
          if (c >= 0) v[c] = solverCost(costs[r * cols + c]!) - rowDual[r]!
        })
        for (let c = 0; c < cols; c++) expect(v[c]).toBeLessThanOrEqual(0)
        for (let r = 0; r < rows; r++) {
          for (let e = rowStart[r]!; e < rowStart[r + 1]!; e++) {
            expect(rowDual[r]! + v[edgeCol[e]!]!).toBeLessThanOrEqual(solverCost(edgeCost[e]!))
          }
        }
      }),
      { numRuns: 1000 }
    )
  })

  it("prefers one more pair to any saving in cost", () => {
    // Row 0 alone would take column 0 (cost 1); taking column 1 (cost 1000) lets row 1 match too.
    const costs = Float64Array.from([1, 1000, 2, Number.POSITIVE_INFINITY])
    expect([...assign(costs, 2, 2)]).toEqual([1, 0])
  })

  it("leaves rows without an allowed pair unassigned, and rejects negative costs", () => {
    expect([...assign(Float64Array.from([Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 5, 7]), 2, 2)]).toEqual([-1, 0])
    expect([...assign(new Float64Array(0), 3, 0)]).toEqual([-1, -1, -1])
    expect(() => assign(Float64Array.from([-1]), 1, 1)).toThrow(RangeError)
  })
})
