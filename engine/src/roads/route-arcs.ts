/**
 * The arcs of the shortest route between two snapped points: the route whose time the router
 * answers (router.ts), spelled out arc by arc, so that a simulated car can drive it.
 *
 * The hub labels hold distances, not paths, and the contraction hierarchy they were built from
 * is not kept (the label cache skips it). The path is read off the labels instead: with D(v) the
 * exact node-to-node distance from v to the route's last node m (a label query), an arc v→w is on
 * a shortest path exactly when arcMs(v→w) + D(w) = D(v). Starting at the route's first node, each
 * step takes the first out-arc of positive ms for which that holds. Distances are integer ms (road-graph.ts), so
 * the test is exact. Arcs of zero ms (two nodes at one position) are crossed breadth first, so
 * the walk never loops. A step costs one label query per out-arc (about two), so a 3 km route of
 * ~40 arcs costs ~100 label reads of a few dozen entries: tens of microseconds.
 *
 * Which seeds (router.ts: the point's arc, or its twin on a two-way road) the route uses is
 * chosen first, as the least seed + node distance + seed, or along one road when that is less.
 */
import type { RoadPoint } from "./edge-snap.ts"
import type { HubLabels } from "./hub-labels.ts"
import type { RoadGraph } from "./road-graph.ts"
import { Router, Seeds } from "./router.ts"

/** A route as arcs; one reusable record the finder writes into. */
export class RouteArcs {
  /** Free-flow ms of the route, as `Router.travelMs` answers it (up to rounding); Infinity: no route. */
  ms = Infinity
  /** Metres of the route (access legs, partial arcs, whole arcs' shapes); of a truncated route, not set. */
  meters = Infinity
  /** Along one road from source to target, through no node: `firstArc` is the arc driven. */
  sameRoad = false
  /** The directed arc the route starts on (the source's arc or its twin), driven from the source's projection to its end. */
  firstArc = -1
  /** The directed arc it ends on, driven from its start to the target's projection. */
  lastArc = -1
  /**
   * The route was asked for only so far (`find`'s `maxMeters`) and stops at the end of
   * `arcs[count - 1]`, past that distance: `lastArc` is not reached.
   */
  truncated = false
  /** Whole arcs between them, in driving order: `arcs[0 ..< count]`. */
  arcs = new Int32Array(64)
  count = 0

  push(arc: number): void {
    if (this.count === this.arcs.length) {
      const grown = new Int32Array(this.arcs.length * 2)
      grown.set(this.arcs)
      this.arcs = grown
    }
    this.arcs[this.count++] = arc
  }
}

/**
 * Slots of the next-arc memo (a power of two; 4 MB): (node, last node) → the arc the walk took.
 * Routes to one place share their ends (a simulated fleet repositions toward a few hundred
 * pickups an hour), and a memoised step reads no label.
 */
const NEXT_SLOTS = 1 << 18
const NEXT_SHIFT = 32 - 18

export class RouteFinder {
  readonly graph: RoadGraph
  readonly labels: HubLabels
  readonly router: Router
  /** Per hub: the backward label of the route's last node, or Infinity. */
  readonly #toLast: Float64Array
  readonly #lastHubs: Int32Array
  #lastHubCount = 0
  /** The node whose label is loaded, or -1. */
  #lastNode = -1
  /** Scratch of `#acrossPlateau`: nodes seen (= stamp), the arc each was reached by, the queue. */
  readonly #seen: Int32Array
  readonly #parentArc: Int32Array
  readonly #queue: Int32Array
  #stamp = 0
  /**
   * The next-arc memo: a step from node `#memo[4k]` toward `#memo[4k + 1]` takes `#memo[4k + 2]`
   * (direct-mapped, newer wins). A slot's three fields share one 16-byte record, so a lookup
   * costs one cache miss, not three.
   */
  readonly #memo = new Int32Array(NEXT_SLOTS * 4).fill(-1)
  /** Arcs of zero ms in the graph. */
  readonly #zeroArcs: number
  readonly #sources = new Seeds()
  readonly #targets = new Seeds()

  constructor(graph: RoadGraph, labels: HubLabels) {
    this.graph = graph
    this.labels = labels
    this.router = new Router(graph, labels)
    this.#toLast = new Float64Array(graph.nodeCount).fill(Infinity)
    this.#lastHubs = new Int32Array(graph.nodeCount)
    this.#seen = new Int32Array(graph.nodeCount)
    this.#parentArc = new Int32Array(graph.nodeCount)
    this.#queue = new Int32Array(graph.nodeCount)
    let zero = 0
    for (let a = 0; a < graph.arcCount; a++) if (graph.arcMs[a] === 0) zero++
    this.#zeroArcs = zero
  }

  /** Loads node m's backward label as the descent's target (kept when it is loaded already: `find`'s last target seed is often the route's). */
  #setLast(m: number): void {
    if (m === this.#lastNode) return
    this.#lastNode = m
    const dense = this.#toLast, hubs = this.#lastHubs
    for (let i = 0; i < this.#lastHubCount; i++) dense[hubs[i]!] = Infinity
    const { rankOf, backwardStart, backwardHub, backwardDist } = this.labels
    const r = rankOf[m]!
    let count = 0
    for (let i = backwardStart[r]!; i < backwardStart[r + 1]!; i++) {
      dense[backwardHub[i]!] = backwardDist[i]!
      hubs[count++] = backwardHub[i]!
    }
    this.#lastHubCount = count
  }

  /** Integer ms from v to the loaded last node. */
  #toLastMs(v: number): number {
    const dense = this.#toLast
    const { rankOf, forwardStart, forwardHub, forwardDist } = this.labels
    const r = rankOf[v]!
    let best = Infinity
    for (let i = forwardStart[r]!, end = forwardStart[r + 1]!; i < end; i++) {
      const f = forwardDist[i]!
      ;(globalThis as any).__reads++
      // Sorted by distance: no entry from here on beats `best`.
      if (f >= best) break
      const d = f + dense[forwardHub[i]!]!
      if (d < best) best = d
    }
    return best
  }

  /**
   * The shortest route from s to t into `out`; with `maxMeters`, only as far as the first node
   * past that many metres from s (a drive toward t that stops on the way: no need to read the rest).
   */
  find(s: RoadPoint, t: RoadPoint, out: RouteArcs, maxMeters = Infinity): RouteArcs {
    const g = this.graph
    out.count = 0
    out.truncated = false
    out.ms = this.router.sameRoadMs(s, t)
    out.sameRoad = out.ms < Infinity
    if (out.sameRoad) {
      const forward = s.vertex < t.vertex || (s.vertex === t.vertex && s.alongMeters <= t.alongMeters)
      out.firstArc = out.lastArc = forward ? s.arc : g.arcTwin[s.arc]!
      out.meters = s.offsetMeters + Math.abs(t.alongMeters - s.alongMeters) + t.offsetMeters
    }
    const sources = this.router.sourceSeeds(s, this.#sources), targets = this.router.targetSeeds(t, this.#targets)
    let bestSource = -1, bestTarget = -1, bestNodeMs = 0
    for (let j = 0; j < targets.count; j++) {
      this.#setLast(targets.nodes[j]!)
      for (let i = 0; i < sources.count; i++) {
        const nodeMs = this.#toLastMs(sources.nodes[i]!)
        const ms = sources.costs[i]! + nodeMs + targets.costs[j]!
        if (ms < out.ms) {
          out.ms = ms
          bestSource = i
          bestTarget = j
          bestNodeMs = nodeMs
        }
      }
    }
    if (bestSource < 0) return out
    out.sameRoad = false
    out.firstArc = bestSource === 0 ? s.arc : g.arcTwin[s.arc]!
    out.lastArc = bestTarget === 0 ? t.arc : g.arcTwin[t.arc]!
    const startMeters = s.offsetMeters + (bestSource === 0 ? s.remainMeters : s.alongMeters)
    const between = this.#descend(sources.nodes[bestSource]!, targets.nodes[bestTarget]!, bestNodeMs, maxMeters - startMeters, out)
    out.meters = startMeters + between + (bestTarget === 0 ? t.alongMeters : t.remainMeters) + t.offsetMeters
    return out
  }

  /** True when some entry of w's forward label reaches the loaded last node in exactly `ms` (none does in less). */
  #reachesIn(w: number, ms: number): boolean {
    const dense = this.#toLast
    const { rankOf, forwardStart, forwardHub, forwardDist } = this.labels
    const r = rankOf[w]!
    // The label is sorted by distance (hub-labels.ts) and the last node's entries are at least
    // 0: past an entry farther than `ms` alone, none can make it.
    for (let i = forwardStart[r]!, end = forwardStart[r + 1]!; i < end; i++) {
      const d = forwardDist[i]!
      ;(globalThis as any).__reads++
      if (d > ms) return false
      if (d + dense[forwardHub[i]!]! === ms) return true
    }
    return false
  }

  /**
   * The first out-arc of v of positive ms on a shortest path to the loaded last node, `left` ms
   * away, leaving out `uTurn` (the road just driven, the other way); -1 if none. With d(v→w) +
   * D(w) ≥ D(v) always, an arc is on one exactly when some label entry of w gives D(v) − d(v→w).
   * When one candidate is left and `sure` (some arc of positive ms starts a shortest path, known
   * at the last node's distance), it is taken unread: a road without a junction costs no query.
   */
  #tightArc(v: number, left: number, uTurn: number, sure: boolean): number {
    const g = this.graph
    let candidates = 0
    for (let i = g.outStart[v]!; i < g.outStart[v + 1]!; i++) {
      const a = g.outArc[i]!, ms = g.arcMs[a]!
      if (a !== uTurn && ms > 0 && ms <= left) candidates++
    }
    for (let i = g.outStart[v]!; i < g.outStart[v + 1]!; i++) {
      const a = g.outArc[i]!, ms = g.arcMs[a]!
      if (a === uTurn || ms <= 0 || ms > left) continue
      if ((sure && candidates === 1) || this.#reachesIn(g.arcTo[a]!, left - ms)) return a
      candidates--
    }
    return -1
  }

  /**
   * Appends the arcs of a shortest path from node v to node m, `ms` apart, to `out`, and returns
   * their metres (shapes). After the
   * first arc, the way back along the arc just driven is never on it (it would come back to a
   * node already left, at a cost); the first may turn back (a start at the very end of its road).
   */
  #descend(v: number, m: number, ms: number, maxMeters: number, out: RouteArcs): number {
    const g = this.graph
    this.#setLast(m)
    let left = ms, uTurn = -1, meters = 0
    if (maxMeters <= 0 && v !== m) {
      out.truncated = true
      return meters
    }
    // Without arcs of zero ms (nodes at one position: none in the shipped graph), every shortest
    // path from a node other than m starts with an arc of positive ms.
    const sure = this.#zeroArcs === 0
    const memo = this.#memo
    while (v !== m) {
      // Whether an arc starts a shortest path depends on v and m alone (left is D(v)), so a step
      // once found holds for every route to m through v.
      const slot = ((Math.imul(v, 0x9e3779b1) ^ Math.imul(m, 0x85ebca77)) >>> NEXT_SHIFT) << 2
      let a: number
      if (memo[slot] === v && memo[slot + 1] === m) a = memo[slot + 2]!
      else {
        a = this.#tightArc(v, left, uTurn, sure)
        if (a >= 0) {
          memo[slot] = v
          memo[slot + 1] = m
          memo[slot + 2] = a
        }
      }
      if (a < 0) {
        const first = out.count
        v = this.#acrossPlateau(v, m, left, out)
        for (let i = first; i < out.count; i++) meters += g.arcShapeLength[out.arcs[i]!]!
        uTurn = -1
        continue
      }
      out.push(a)
      v = g.arcTo[a]!
      left -= g.arcMs[a]!
      uTurn = g.arcTwin[a]!
      meters += g.arcShapeLength[a]!
      if (meters >= maxMeters && v !== m) {
        out.truncated = true
        return meters
      }
    }
    if (left !== 0) throw new Error(`route: the path read off the labels to node ${m} is ${-left} ms off`)
    return meters
  }

  /**
   * From v, where no arc of positive ms starts a shortest path, along zero-ms arcs (two nodes at
   * one position) to m or to a node where one does: breadth first over the nodes as far from m
   * as v, so the walk cannot loop. Appends the arcs, returns the node reached.
   */
  #acrossPlateau(v: number, m: number, left: number, out: RouteArcs): number {
    const g = this.graph, seen = this.#seen, parent = this.#parentArc, queue = this.#queue
    const stamp = ++this.#stamp
    seen[v] = stamp
    let head = 0, tail = 0
    queue[tail++] = v
    while (head < tail) {
      const u = queue[head++]!
      if (u !== v && (u === m || this.#tightArc(u, left, -1, false) >= 0)) {
        const first = out.count
        for (let w = u; w !== v; w = g.arcFrom[parent[w]!]!) out.push(parent[w]!)
        out.arcs.subarray(first, out.count).reverse()
        return u
      }
      for (let i = g.outStart[u]!; i < g.outStart[u + 1]!; i++) {
        const a = g.outArc[i]!, w = g.arcTo[a]!
        if (g.arcMs[a] !== 0 || seen[w] === stamp || this.#toLastMs(w) !== left) continue
        seen[w] = stamp
        parent[w] = a
        queue[tail++] = w
      }
    }
    // Unreachable with exact labels: a shortest path from v starts with zero-ms arcs to such a node.
    throw new Error(`route: no shortest path from node ${v} to node ${m} (${left} ms) along the labels`)
  }
}
