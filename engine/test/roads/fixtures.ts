/**
 * Road test fixtures: the shipped SF graph (loaded once per test process, its labels from the
 * label cache after the first build), random road graphs as CSV text, and the plain reference
 * Dijkstra every router answer is checked against.
 */
import { Effect, Result } from "effect"
import fc from "fast-check"
import { fileURLToPath } from "node:url"
import { distanceMeters } from "../../src/domain/geo.ts"
import { RoadPoint } from "../../src/roads/edge-snap.ts"
import { EDGES_HEADER, GEOMETRY_HEADER, NODES_HEADER, parseRoadGraph, type RoadGraphTexts } from "../../src/roads/graph-files.ts"
import { MinHeap } from "../../src/roads/min-heap.ts"
import { RoadGraph } from "../../src/roads/road-graph.ts"
import { loadRoadNetwork, type RoadNetwork } from "../../src/roads/road-network.ts"
import { type Router, Seeds } from "../../src/roads/router.ts"

export const SF_ROADS = fileURLToPath(new URL("../../markets/roads/sf", import.meta.url))

let sf: RoadNetwork | undefined
/** The shipped SF network. */
export const sfNetwork = (): RoadNetwork => (sf ??= Effect.runSync(loadRoadNetwork(SF_ROADS)))

/** The SF graph's box, a little inside its edges. */
export const SF_BOX = { south: 37.705, north: 37.835, west: -122.53, east: -122.365 } as const

/**
 * Free-flow ms from s to t the slow obvious way: Dijkstra over every arc from s's seeds, read at
 * t's seeds, or along the one road they share; the same seeds and pieces the router uses.
 */
export const referenceMs = (router: Router, s: RoadPoint, t: RoadPoint): number => {
  const g = router.graph
  const sources = router.sourceSeeds(s, new Seeds()), targets = router.targetSeeds(t, new Seeds())
  const dist = new Float64Array(g.nodeCount).fill(Infinity)
  const heap = new MinHeap()
  for (let i = 0; i < sources.count; i++) {
    const v = sources.nodes[i]!, c = sources.costs[i]!
    if (c < dist[v]!) {
      dist[v] = c
      heap.push(c, v)
    }
  }
  while (heap.size > 0) {
    const v = heap.pop()
    const d = heap.lastKey
    if (d > dist[v]!) continue
    for (let i = g.outStart[v]!; i < g.outStart[v + 1]!; i++) {
      const a = g.outArc[i]!, x = g.arcTo[a]!
      const nd = d + g.arcMs[a]!
      if (nd < dist[x]!) {
        dist[x] = nd
        heap.push(nd, x)
      }
    }
  }
  let best = router.sameRoadMs(s, t)
  for (let i = 0; i < targets.count; i++) best = Math.min(best, dist[targets.nodes[i]!]! + targets.costs[i]!)
  return best
}

/** Node-to-node free-flow ms by plain Dijkstra. */
export const referenceNodeMs = (g: RoadGraph, from: number, to: number): number => {
  const dist = new Float64Array(g.nodeCount).fill(Infinity)
  const heap = new MinHeap()
  dist[from] = 0
  heap.push(0, from)
  while (heap.size > 0) {
    const v = heap.pop()
    const d = heap.lastKey
    if (d > dist[v]!) continue
    if (v === to) return d
    for (let i = g.outStart[v]!; i < g.outStart[v + 1]!; i++) {
      const a = g.outArc[i]!, x = g.arcTo[a]!
      const nd = d + g.arcMs[a]!
      if (nd < dist[x]!) {
        dist[x] = nd
        heap.push(nd, x)
      }
    }
  }
  return Infinity
}

/** A small box (~1.1 km × 0.9 km) for random graphs. */
export const RANDOM_BOX = { south: 37.77, north: 37.78, west: -122.43, east: -122.42 } as const

export interface RandomGraph {
  readonly texts: RoadGraphTexts
  readonly graph: RoadGraph
}

const SPEEDS = [5, 20, 30, 30, 50, 100] as const

/**
 * Random road graphs: a cycle through every node (so one component holds them all), plus random
 * chords; roads one-way or two-way (two arcs, one shape reversed); shapes of 0–3 pillar points;
 * lengths from the straight line to 1.6× it; speeds 5–100 km/h; parallel roads allowed.
 */
export const randomGraph: fc.Arbitrary<RandomGraph> = fc.record({
  points: fc.array(fc.record({ lat: fc.double({ min: 0, max: 1, noNaN: true }), lng: fc.double({ min: 0, max: 1, noNaN: true }) }), { minLength: 2, maxLength: 24 }),
  chords: fc.array(fc.record({ a: fc.nat(), b: fc.nat(), twoWay: fc.boolean(), stretch: fc.double({ min: 1, max: 1.6, noNaN: true }), speed: fc.nat({ max: SPEEDS.length - 1 }), pillars: fc.array(fc.record({ t: fc.double({ min: 0.05, max: 0.95, noNaN: true }), off: fc.double({ min: -0.2, max: 0.2, noNaN: true }) }), { maxLength: 3 }) }), { maxLength: 40 }),
  cycleTwoWay: fc.array(fc.boolean(), { minLength: 24, maxLength: 24 })
}).map(({ points, chords, cycleTwoWay }) => {
  const nodes = points.map((p) => ({ lat: RANDOM_BOX.south + p.lat * (RANDOM_BOX.north - RANDOM_BOX.south), lng: RANDOM_BOX.west + p.lng * (RANDOM_BOX.east - RANDOM_BOX.west) }))
  const n = nodes.length
  const edgeRows: Array<string> = [], geometryRows: Array<string> = []
  const road = (a: number, b: number, twoWay: boolean, stretch: number, speed: number, pillars: ReadonlyArray<{ t: number; off: number }>) => {
    const A = nodes[a]!, B = nodes[b]!
    const shape = [...pillars].sort((x, y) => x.t - y.t).map(({ t, off }) => ({
      lat: Number((A.lat + t * (B.lat - A.lat) + off * (B.lng - A.lng)).toFixed(6)),
      lng: Number((A.lng + t * (B.lng - A.lng) - off * (B.lat - A.lat)).toFixed(6))
    }))
    let along = 0, prev = A
    for (const p of [...shape, B]) {
      along += distanceMeters(prev.lat, prev.lng, p.lat, p.lng)
      prev = p
    }
    const length = (Math.ceil(along * stretch * 10) / 10).toFixed(1)
    const write = (from: number, to: number, points: ReadonlyArray<{ lat: number; lng: number }>) => {
      geometryRows.push(`${edgeRows.length},${points.map((p) => `${p.lat.toFixed(6)} ${p.lng.toFixed(6)}`).join(";")}`)
      edgeRows.push(`${from},${to},${length},${speed},residential,,0`)
    }
    write(a, b, shape)
    if (twoWay) write(b, a, [...shape].reverse())
  }
  for (let i = 0; i < n; i++) road(i, (i + 1) % n, cycleTwoWay[i]!, 1.1, 30, [])
  for (const c of chords) {
    const a = c.a % n, b = c.b % n
    if (a !== b) road(a, b, c.twoWay, c.stretch, SPEEDS[c.speed]!, c.pillars)
  }
  const texts: RoadGraphTexts = {
    nodes: [NODES_HEADER, ...nodes.map((p, i) => `${i},${p.lat.toFixed(6)},${p.lng.toFixed(6)}`)].join("\n") + "\n",
    edges: [EDGES_HEADER, ...edgeRows].join("\n") + "\n",
    geometry: [GEOMETRY_HEADER, ...geometryRows].join("\n") + "\n"
  }
  return { texts, graph: new RoadGraph(Result.getOrThrow(parseRoadGraph(texts, "random")).columns) }
})

/** Points in and a little around the random graphs' box. */
export const randomBoxPoint = fc.record({
  lat: fc.double({ min: RANDOM_BOX.south - 0.002, max: RANDOM_BOX.north + 0.002, noNaN: true }),
  lng: fc.double({ min: RANDOM_BOX.west - 0.002, max: RANDOM_BOX.east + 0.002, noNaN: true })
})

