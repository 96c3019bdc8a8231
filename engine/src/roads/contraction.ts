/**
 * A contraction hierarchy (Geisberger et al. 2008) over a road graph's integer travel times:
 * nodes are contracted one at a time, least important first, adding a shortcut u→x for each
 * path u→v→x that was the only shortest one; afterwards every shortest path has an "up then
 * down" form, so a query only searches upward from both ends.
 *
 * The router does not query the hierarchy directly: hub labels are built from it
 * (hub-labels.ts), which answer in a fraction of a hierarchy query's time. `HierarchyQuery`
 * below is kept as the benchmark's middle contender (engine/bench/roads.bench.ts) and as a
 * second check on the hierarchy in the tests.
 *
 * Choices, each the textbook one:
 * - priority = edge difference (shortcuts added − arcs removed) + contracted neighbours, updated
 *   lazily (re-evaluated when popped) and for the neighbours of each contracted node;
 * - witness searches are Dijkstra from each in-neighbour, bounded by the longest path through v
 *   and by `WITNESS_SETTLE_LIMIT` nodes: a witness missed only adds a needless shortcut, never a
 *   wrong answer;
 * - parallel arcs keep the cheapest, self-loops are ignored (neither can be on a shortest path).
 *
 * Nodes are renumbered by rank (0 = contracted first): a query's upward search then moves
 * toward high numbers, and the top of the hierarchy, which every search reaches, sits together
 * in memory.
 */
import { MinHeap } from "./min-heap.ts"
import type { RoadGraph } from "./road-graph.ts"

/** Nodes a witness search may settle before giving up (then the shortcut is added). */
export const WITNESS_SETTLE_LIMIT = 250

/** Upward arcs in compressed rows, nodes numbered by rank. */
export interface UpwardGraph {
  readonly start: Int32Array
  readonly head: Int32Array
  readonly weight: Int32Array
}

export interface ContractionHierarchy {
  readonly nodeCount: number
  /** rank of each graph node, and the graph node of each rank. */
  readonly rankOf: Int32Array
  readonly nodeOfRank: Int32Array
  /** Forward: arcs r→s with rank s > r. */
  readonly up: UpwardGraph
  /** Backward: for an arc s→r with rank s > r, the entry r→s (searched from a target). */
  readonly down: UpwardGraph
  readonly shortcuts: number
}

/** Builds the hierarchy of `graph`'s `arcMs`. */
export const contract = (graph: RoadGraph): ContractionHierarchy => {
  const n = graph.nodeCount
  const outTo: Array<Array<number>> = Array.from({ length: n }, () => [])
  const outW: Array<Array<number>> = Array.from({ length: n }, () => [])
  const inFrom: Array<Array<number>> = Array.from({ length: n }, () => [])
  const inW: Array<Array<number>> = Array.from({ length: n }, () => [])

  /** Adds u→x at w, or lowers an existing u→x to w. */
  const addArc = (u: number, x: number, w: number): boolean => {
    const to = outTo[u]!
    for (let i = 0; i < to.length; i++) {
      if (to[i] !== x) continue
      if (outW[u]![i]! <= w) return false
      outW[u]![i] = w
      const from = inFrom[x]!
      for (let j = 0; j < from.length; j++) if (from[j] === u) inW[x]![j] = w
      return true
    }
    to.push(x)
    outW[u]!.push(w)
    inFrom[x]!.push(u)
    inW[x]!.push(w)
    return true
  }
  for (let a = 0; a < graph.arcCount; a++) {
    const u = graph.arcFrom[a]!, x = graph.arcTo[a]!
    if (u !== x) addArc(u, x, graph.arcMs[a]!)
  }

  const contracted = new Uint8Array(n)
  const deleted = new Int32Array(n)
  const dist = new Float64Array(n).fill(Infinity)
  const touched = new Int32Array(n)
  const heap = new MinHeap(256)

  // Witness targets of the current search: target[x] === stamp; the search stops once all are settled.
  const target = new Int32Array(n)
  let stamp = 0

  /**
   * Distances from `source` avoiding `skip`, up to `limit`, in `dist` (reset by the caller via
   * `touched`); stops early once the `targets` marked with the current stamp are settled.
   */
  const witness = (source: number, skip: number, limit: number, targets: number): number => {
    let count = 0
    dist[source] = 0
    touched[count++] = source
    heap.clear()
    heap.push(0, source)
    let settled = 0
    while (heap.size > 0) {
      const v = heap.pop()
      const d = heap.lastKey
      if (d > dist[v]!) continue
      if (d > limit || ++settled > WITNESS_SETTLE_LIMIT) break
      if (target[v] === stamp && --targets === 0) break
      const to = outTo[v]!, w = outW[v]!
      for (let i = 0; i < to.length; i++) {
        const x = to[i]!
        if (x === skip || contracted[x] === 1) continue
        const nd = d + w[i]!
        if (nd < dist[x]!) {
          if (dist[x] === Infinity) touched[count++] = x
          dist[x] = nd
          heap.push(nd, x)
        }
      }
    }
    return count
  }

  /** Shortcuts contracting v needs; with `apply`, adds them. */
  const shortcutsOf = (v: number, apply: boolean): number => {
    const ins = inFrom[v]!, insW = inW[v]!, outs = outTo[v]!, outsW = outW[v]!
    let maxOut = 0, targets = 0
    stamp++
    for (let j = 0; j < outs.length; j++) {
      if (contracted[outs[j]!] === 1) continue
      if (outsW[j]! > maxOut) maxOut = outsW[j]!
      target[outs[j]!] = stamp
      targets++
    }
    let needed = 0
    for (let i = 0; i < ins.length; i++) {
      const u = ins[i]!
      if (contracted[u] === 1) continue
      const wu = insW[i]!
      // u itself may be a target (a two-way street): it is settled first, at 0.
      const count = witness(u, v, wu + maxOut, targets)
      for (let j = 0; j < outs.length; j++) {
        const x = outs[j]!
        if (x === u || contracted[x] === 1) continue
        const via = wu + outsW[j]!
        if (dist[x]! > via) {
          needed++
          if (apply) addArc(u, x, via)
        }
      }
      for (let k = 0; k < count; k++) dist[touched[k]!] = Infinity
    }
    return needed
  }

  const degree = (v: number): number => {
    let d = 0
    for (const u of inFrom[v]!) if (contracted[u] === 0) d++
    for (const x of outTo[v]!) if (contracted[x] === 0) d++
    return d
  }
  const priority = (v: number): number => shortcutsOf(v, false) - degree(v) + deleted[v]!

  const current = new Float64Array(n)
  const queue = new MinHeap(n)
  for (let v = 0; v < n; v++) {
    current[v] = priority(v)
    queue.push(current[v]!, v)
  }

  const rankOf = new Int32Array(n)
  const nodeOfRank = new Int32Array(n)
  // Upward arcs as found, per node (graph numbering), flattened by rank below.
  const upHead: Array<Array<number>> = new Array(n)
  const upWeight: Array<Array<number>> = new Array(n)
  const downHead: Array<Array<number>> = new Array(n)
  const downWeight: Array<Array<number>> = new Array(n)
  let rank = 0, shortcuts = 0
  while (queue.size > 0) {
    const v = queue.pop()
    if (contracted[v] === 1 || queue.lastKey !== current[v]) continue
    // Lazy update: contract v only if it is still the least important.
    const p = priority(v)
    if (queue.size > 0 && p > queue.peekKey()) {
      current[v] = p
      queue.push(p, v)
      continue
    }
    shortcuts += shortcutsOf(v, true)
    const ups: Array<number> = [], upsW: Array<number> = [], downs: Array<number> = [], downsW: Array<number> = []
    outTo[v]!.forEach((x, j) => {
      if (contracted[x] === 0) {
        ups.push(x)
        upsW.push(outW[v]![j]!)
      }
    })
    inFrom[v]!.forEach((u, i) => {
      if (contracted[u] === 0) {
        downs.push(u)
        downsW.push(inW[v]![i]!)
      }
    })
    upHead[v] = ups
    upWeight[v] = upsW
    downHead[v] = downs
    downWeight[v] = downsW
    contracted[v] = 1
    rankOf[v] = rank
    nodeOfRank[rank++] = v
    // Neighbours: one more contracted neighbour, new arcs: re-evaluate them.
    const neighbours = new Set([...ups, ...downs])
    for (const x of neighbours) {
      deleted[x]!++
      const q = priority(x)
      if (q !== current[x]) {
        current[x] = q
        queue.push(q, x)
      }
    }
    // Drop v from its neighbours' lists so that later degrees and searches stay small.
    for (const x of ups) removeFrom(inFrom[x]!, inW[x]!, v)
    for (const u of downs) removeFrom(outTo[u]!, outW[u]!, v)
    outTo[v] = outW[v] = inFrom[v] = inW[v] = []
  }

  const flatten = (heads: Array<Array<number>>, weights: Array<Array<number>>): UpwardGraph => {
    const start = new Int32Array(n + 1)
    for (let r = 0; r < n; r++) start[r + 1] = start[r]! + heads[nodeOfRank[r]!]!.length
    const head = new Int32Array(start[n]!), weight = new Int32Array(start[n]!)
    for (let r = 0; r < n; r++) {
      const v = nodeOfRank[r]!
      const hs = heads[v]!, ws = weights[v]!
      for (let i = 0; i < hs.length; i++) {
        head[start[r]! + i] = rankOf[hs[i]!]!
        weight[start[r]! + i] = ws[i]!
      }
    }
    return { start, head, weight }
  }
  return { nodeCount: n, rankOf, nodeOfRank, up: flatten(upHead, upWeight), down: flatten(downHead, downWeight), shortcuts }
}

const removeFrom = (nodes: Array<number>, weights: Array<number>, v: number): void => {
  const i = nodes.indexOf(v)
  if (i < 0) return
  nodes[i] = nodes[nodes.length - 1]!
  weights[i] = weights[weights.length - 1]!
  nodes.pop()
  weights.pop()
}

/**
 * Point-to-point distance on the hierarchy: upward Dijkstra from both ends (nodes by rank),
 * each stopped when its smallest key reaches the best meeting found. Seeds carry the partial
 * costs of points on arcs; the answer is the least seed + path + seed, in ms.
 */
export class HierarchyQuery {
  readonly #ch: ContractionHierarchy
  readonly #forward: Float64Array
  readonly #backward: Float64Array
  readonly #touchedF: Int32Array
  readonly #touchedB: Int32Array
  readonly #heapF = new MinHeap(256)
  readonly #heapB = new MinHeap(256)

  constructor(ch: ContractionHierarchy) {
    this.#ch = ch
    this.#forward = new Float64Array(ch.nodeCount).fill(Infinity)
    this.#backward = new Float64Array(ch.nodeCount).fill(Infinity)
    this.#touchedF = new Int32Array(ch.nodeCount)
    this.#touchedB = new Int32Array(ch.nodeCount)
  }

  /** Least cost from the source seeds (graph nodes, costs) to the target seeds; Infinity if none. */
  distance(sourceNodes: ArrayLike<number>, sourceCosts: ArrayLike<number>, sources: number, targetNodes: ArrayLike<number>, targetCosts: ArrayLike<number>, targets: number): number {
    const rankOf = this.#ch.rankOf
    const f = this.#forward, b = this.#backward, hf = this.#heapF, hb = this.#heapB
    let tf = 0, tb = 0
    hf.clear()
    hb.clear()
    for (let i = 0; i < sources; i++) {
      const r = rankOf[sourceNodes[i]!]!
      if (sourceCosts[i]! < f[r]!) {
        if (f[r] === Infinity) this.#touchedF[tf++] = r
        f[r] = sourceCosts[i]!
        hf.push(sourceCosts[i]!, r)
      }
    }
    for (let i = 0; i < targets; i++) {
      const r = rankOf[targetNodes[i]!]!
      if (targetCosts[i]! < b[r]!) {
        if (b[r] === Infinity) this.#touchedB[tb++] = r
        b[r] = targetCosts[i]!
        hb.push(targetCosts[i]!, r)
      }
    }
    let best = Infinity
    const { up, down } = this.#ch
    while (hf.size > 0 || hb.size > 0) {
      const forwardTurn = hb.size === 0 || (hf.size > 0 && hf.peekKey() <= hb.peekKey())
      const heap = forwardTurn ? hf : hb
      if (heap.peekKey() >= best) {
        // This side cannot improve; finish when the other cannot either.
        heap.clear()
        continue
      }
      const r = heap.pop()
      const d = heap.lastKey
      const mine = forwardTurn ? f : b, other = forwardTurn ? b : f
      if (d > mine[r]!) continue
      const meet = d + other[r]!
      if (meet < best) best = meet
      const g = forwardTurn ? up : down
      for (let e = g.start[r]!; e < g.start[r + 1]!; e++) {
        const s = g.head[e]!
        const nd = d + g.weight[e]!
        if (nd < mine[s]!) {
          if (mine[s] === Infinity) {
            if (forwardTurn) this.#touchedF[tf++] = s
            else this.#touchedB[tb++] = s
          }
          mine[s] = nd
          heap.push(nd, s)
        }
      }
    }
    for (let i = 0; i < tf; i++) f[this.#touchedF[i]!] = Infinity
    for (let i = 0; i < tb; i++) b[this.#touchedB[i]!] = Infinity
    return best
  }
}
