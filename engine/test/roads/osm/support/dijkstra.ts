/**
 * Test support: a plain Dijkstra on a CSR adjacency (binary heap, lazy deletion), and nearest
 * node by brute force. Only for comparing graphs in tests; the product's router is elsewhere.
 */
import { distanceMeters } from "../../../../src/domain/geo.ts"

export class CsrGraph {
  readonly nodeCount: number
  readonly #start: Int32Array
  readonly #head: Int32Array
  readonly #weight: Float64Array

  /** Arcs `from[i] -> to[i]` of `weight[i]`, for the arcs `keep(i)` accepts (all by default). */
  constructor(nodeCount: number, from: Int32Array, to: Int32Array, weight: Float64Array, keep: (arc: number) => boolean = () => true) {
    this.nodeCount = nodeCount
    const arcs = [...from.keys()].filter(keep)
    this.#start = new Int32Array(nodeCount + 1)
    for (const a of arcs) this.#start[from[a]! + 1]!++
    for (let v = 0; v < nodeCount; v++) this.#start[v + 1]! += this.#start[v]!
    this.#head = new Int32Array(arcs.length)
    this.#weight = new Float64Array(arcs.length)
    const fill = this.#start.slice(0, nodeCount)
    for (const a of arcs) {
      const slot = fill[from[a]!]!++
      this.#head[slot] = to[a]!
      this.#weight[slot] = weight[a]!
    }
  }

  /** Out-degree of each node in this graph. */
  outDegree(v: number): number {
    return this.#start[v + 1]! - this.#start[v]!
  }

  /**
   * Shortest distances from `source` to every node (Infinity where unreachable), and each
   * node's predecessor on its shortest path (-1 for the source and unreached nodes).
   */
  shortestPathTree(source: number): { readonly dist: Float64Array; readonly parent: Int32Array } {
    const dist = new Float64Array(this.nodeCount).fill(Number.POSITIVE_INFINITY)
    const parent = new Int32Array(this.nodeCount).fill(-1)
    const heapNode: Array<number> = [], heapKey: Array<number> = []
    const push = (v: number, key: number) => {
      let i = heapNode.length
      heapNode.push(v)
      heapKey.push(key)
      while (i > 0) {
        const p = (i - 1) >> 1
        if (heapKey[p]! <= key) break
        heapNode[i] = heapNode[p]!
        heapKey[i] = heapKey[p]!
        i = p
      }
      heapNode[i] = v
      heapKey[i] = key
    }
    const pop = (): [number, number] => {
      const top: [number, number] = [heapNode[0]!, heapKey[0]!]
      const lastNode = heapNode.pop()!, lastKey = heapKey.pop()!
      if (heapNode.length > 0) {
        let i = 0
        for (;;) {
          const l = 2 * i + 1, r = l + 1
          let m = i, mKey = lastKey
          if (l < heapNode.length && heapKey[l]! < mKey) (m = l), (mKey = heapKey[l]!)
          if (r < heapNode.length && heapKey[r]! < mKey) m = r
          if (m === i) break
          heapNode[i] = heapNode[m]!
          heapKey[i] = heapKey[m]!
          i = m
        }
        heapNode[i] = lastNode
        heapKey[i] = lastKey
      }
      return top
    }
    dist[source] = 0
    push(source, 0)
    while (heapNode.length > 0) {
      const [v, d] = pop()
      if (d > dist[v]!) continue
      for (let e = this.#start[v]!; e < this.#start[v + 1]!; e++) {
        const w = this.#head[e]!, nd = d + this.#weight[e]!
        if (nd < dist[w]!) {
          dist[w] = nd
          parent[w] = v
          push(w, nd)
        }
      }
    }
    return { dist, parent }
  }
}

/** The nodes of the tree's path from its source to `target`, source first. */
export const pathTo = (parent: Int32Array, target: number): Array<number> => {
  const nodes = [target]
  for (let v = parent[target]!; v >= 0; v = parent[v]!) nodes.push(v)
  return nodes.reverse()
}

/** The node nearest to (lat, lng) among those `eligible` accepts, and its distance in metres. */
export const nearestNode = (
  lat: Float64Array,
  lng: Float64Array,
  pointLat: number,
  pointLng: number,
  eligible: (v: number) => boolean = () => true
): { node: number; meters: number } => {
  let best = -1, bestM = Number.POSITIVE_INFINITY
  for (let v = 0; v < lat.length; v++) {
    if (!eligible(v)) continue
    const m = distanceMeters(pointLat, pointLng, lat[v]!, lng[v]!)
    if (m < bestM) (best = v), (bestM = m)
  }
  return { node: best, meters: bestM }
}
