import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { stronglyConnectedComponents } from "../../../src/roads/osm/strongly-connected.ts"

/** Reachability by BFS, the reference the components are checked against. */
const reachable = (n: number, from: Int32Array, to: Int32Array, source: number): Uint8Array => {
  const seen = new Uint8Array(n)
  const queue = [source]
  seen[source] = 1
  while (queue.length > 0) {
    const v = queue.pop()!
    for (let a = 0; a < from.length; a++) {
      if (from[a] === v && seen[to[a]!] === 0) {
        seen[to[a]!] = 1
        queue.push(to[a]!)
      }
    }
  }
  return seen
}

const graphs = fc.integer({ min: 1, max: 25 }).chain((n) =>
  fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * 3 }).map((arcs) => ({
    n,
    from: Int32Array.from(arcs, ([a]) => a),
    to: Int32Array.from(arcs, ([, b]) => b)
  }))
)

describe("stronglyConnectedComponents", () => {
  it("two nodes share a component exactly when each reaches the other", () => {
    fc.assert(fc.property(graphs, ({ n, from, to }) => {
      const { component, count } = stronglyConnectedComponents(n, from, to)
      const reach = Array.from({ length: n }, (_, v) => reachable(n, from, to, v))
      for (let u = 0; u < n; u++) {
        expect(component[u]).toBeGreaterThanOrEqual(0)
        expect(component[u]).toBeLessThan(count)
        for (let v = 0; v < n; v++) expect(component[u] === component[v]).toBe(reach[u]![v] === 1 && reach[v]![u] === 1)
      }
    }), { numRuns: 300 })
  })

  it("labels come in reverse topological order: an arc never goes to a higher label", () => {
    fc.assert(fc.property(graphs, ({ n, from, to }) => {
      const { component } = stronglyConnectedComponents(n, from, to)
      for (let a = 0; a < from.length; a++) expect(component[to[a]!]).toBeLessThanOrEqual(component[from[a]!]!)
    }), { numRuns: 200 })
  })

  it("runs without recursion on a 200k-node chain and a 200k-node cycle", () => {
    const n = 200_000
    const from = Int32Array.from({ length: n - 1 }, (_, i) => i), to = Int32Array.from({ length: n - 1 }, (_, i) => i + 1)
    expect(stronglyConnectedComponents(n, from, to).count).toBe(n)
    const cycleFrom = Int32Array.from({ length: n }, (_, i) => i), cycleTo = Int32Array.from({ length: n }, (_, i) => (i + 1) % n)
    expect(stronglyConnectedComponents(n, cycleFrom, cycleTo).count).toBe(1)
  })
})
