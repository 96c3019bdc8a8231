/**
 * What makes a road graph usable, checked while its files are read (graph-files.ts) and once
 * they are: row values in range, ids unique and known, and every kept node reachable from every
 * other. Problems are collected as `file:line: problem` (line 1 is the header) up to a cap, so
 * one bad column does not bury the rest.
 *
 * Reachability: a router answers "no route" between parts a car cannot drive between, which a
 * dispatcher cannot use (an ETA of infinity ranks like no driver). So the graph keeps its
 * largest strongly connected component and drops the rest, and says what it dropped (the SF
 * graph drops nothing: its converter already kept only its largest component).
 */
import { MAX_LISTED_PROBLEMS } from "./errors.ts"

/** Problems found so far, capped at `MAX_LISTED_PROBLEMS` listed; the rest only counted. */
export class ProblemList {
  readonly listed: Array<string> = []
  more = 0

  add(file: string, line: number, problem: string): void {
    if (this.listed.length < MAX_LISTED_PROBLEMS) this.listed.push(line > 0 ? `${file}:${line}: ${problem}` : `${file}: ${problem}`)
    else this.more++
  }

  get count(): number {
    return this.listed.length + this.more
  }
}

/** Speeds above this (km/h) are not a car's: a unit mix-up (m/s, mph × 10) more likely than a road. */
export const MAX_SPEED_KPH = 300

/** Why a latitude is unusable, or undefined. */
export const latitudeProblem = (lat: number): string | undefined =>
  Number.isFinite(lat) && lat >= -90 && lat <= 90 ? undefined : "latitude must be a number in -90..90"

/** Why a longitude is unusable, or undefined. */
export const longitudeProblem = (lng: number): string | undefined =>
  Number.isFinite(lng) && lng >= -180 && lng <= 180 ? undefined : "longitude must be a number in -180..180"

/** Why an arc length (m) is unusable, or undefined. Zero is allowed (two nodes at one place). */
export const lengthProblem = (meters: number): string | undefined =>
  Number.isFinite(meters) && meters >= 0 ? undefined : "length_m must be a finite number >= 0"

/** Why a speed (km/h) is unusable, or undefined: 0 would make the arc take forever. */
export const speedProblem = (kph: number): string | undefined =>
  Number.isFinite(kph) && kph > 0 && kph <= MAX_SPEED_KPH ? undefined : `speed_kph must be a number > 0 and <= ${MAX_SPEED_KPH}`

/** The nodes and arcs kept by `largestComponent`, and what was dropped. */
export interface Reachability {
  /** Per node, its new index, or -1 when dropped. */
  readonly nodeMap: Int32Array
  readonly keptNodes: number
  /** Per arc, true when both ends are kept. */
  readonly keptArcs: Uint8Array
  readonly droppedNodes: number
  readonly droppedArcs: number
  /** Strongly connected components other than the one kept. */
  readonly droppedComponents: number
}

/**
 * The largest strongly connected component (iterative Tarjan: a recursive one overflows the
 * stack on a city's long chains of nodes). Ties keep the component found first.
 */
export const largestComponent = (nodes: number, from: Int32Array, to: Int32Array): Reachability => {
  const arcs = from.length
  const start = new Int32Array(nodes + 1)
  for (let a = 0; a < arcs; a++) start[from[a]! + 1]!++
  for (let v = 0; v < nodes; v++) start[v + 1]! += start[v]!
  const adj = new Int32Array(arcs)
  const fill = start.slice(0, nodes)
  for (let a = 0; a < arcs; a++) adj[fill[from[a]!]!++] = to[a]!

  const index = new Int32Array(nodes).fill(-1)
  const low = new Int32Array(nodes)
  const onStack = new Uint8Array(nodes)
  const component = new Int32Array(nodes).fill(-1)
  const stack = new Int32Array(nodes)
  const callNode = new Int32Array(nodes)
  const callEdge = new Int32Array(nodes)
  let sp = 0, counter = 0, components = 0
  const sizes: Array<number> = []
  for (let root = 0; root < nodes; root++) {
    if (index[root] !== -1) continue
    let depth = 0
    callNode[0] = root
    callEdge[0] = start[root]!
    index[root] = low[root] = counter++
    stack[sp++] = root
    onStack[root] = 1
    while (depth >= 0) {
      const v = callNode[depth]!
      const e = callEdge[depth]!
      if (e < start[v + 1]!) {
        callEdge[depth] = e + 1
        const w = adj[e]!
        if (index[w] === -1) {
          index[w] = low[w] = counter++
          stack[sp++] = w
          onStack[w] = 1
          depth++
          callNode[depth] = w
          callEdge[depth] = start[w]!
        } else if (onStack[w] === 1 && index[w]! < low[v]!) {
          low[v] = index[w]!
        }
        continue
      }
      if (low[v] === index[v]) {
        let size = 0, w: number
        do {
          w = stack[--sp]!
          onStack[w] = 0
          component[w] = components
          size++
        } while (w !== v)
        sizes.push(size)
        components++
      }
      depth--
      if (depth >= 0) {
        const parent = callNode[depth]!
        if (low[v]! < low[parent]!) low[parent] = low[v]!
      }
    }
  }
  let best = -1, bestSize = 0
  sizes.forEach((size, c) => {
    if (size > bestSize) {
      best = c
      bestSize = size
    }
  })
  const nodeMap = new Int32Array(nodes).fill(-1)
  let kept = 0
  for (let v = 0; v < nodes; v++) if (component[v] === best) nodeMap[v] = kept++
  const keptArcs = new Uint8Array(arcs)
  let droppedArcs = 0
  for (let a = 0; a < arcs; a++) {
    if (nodeMap[from[a]!]! >= 0 && nodeMap[to[a]!]! >= 0) keptArcs[a] = 1
    else droppedArcs++
  }
  return { nodeMap, keptNodes: kept, keptArcs, droppedNodes: nodes - kept, droppedArcs, droppedComponents: Math.max(0, components - 1) }
}
