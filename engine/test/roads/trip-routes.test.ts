/**
 * Calibration's routes (trip-routes.ts) against a plain reference: on random graphs, the
 * free-flow time is the reference Dijkstra's and the length is that of a fastest route (between
 * the shortest and the longest of the routes as fast as the fastest, found over every arc that
 * lies on one); points off the roads get NaN.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { RoadPoint } from "../../src/roads/edge-snap.ts"
import { MinHeap } from "../../src/roads/min-heap.ts"
import { networkOfGraph } from "../../src/roads/road-network.ts"
import { Router, Seeds } from "../../src/roads/router.ts"
import { TripRoutes } from "../../src/roads/trip-routes.ts"
import { randomBoxPoint, randomGraph, referenceMs } from "./fixtures.ts"

const TOLERANCE_MS = 1e-6
const TOLERANCE_M = 1e-6
const EVERYWHERE = 1e9

/** [shortest, longest] metres over the routes from s to t within TOLERANCE_MS of the fastest. */
const referenceMeters = (router: Router, s: RoadPoint, t: RoadPoint): readonly [number, number] => {
  const g = router.graph
  const sources = router.sourceSeeds(s, new Seeds()), targets = router.targetSeeds(t, new Seeds())
  const ms = new Float64Array(g.nodeCount).fill(Infinity)
  const heap = new MinHeap()
  for (let k = 0; k < sources.count; k++) {
    if (sources.costs[k]! < ms[sources.nodes[k]!]!) {
      ms[sources.nodes[k]!] = sources.costs[k]!
      heap.push(sources.costs[k]!, sources.nodes[k]!)
    }
  }
  const order: Array<number> = []
  while (heap.size > 0) {
    const v = heap.pop()
    if (heap.lastKey > ms[v]!) continue
    order.push(v)
    for (let i = g.outStart[v]!; i < g.outStart[v + 1]!; i++) {
      const a = g.outArc[i]!, nd = heap.lastKey + g.arcMs[a]!
      if (nd < ms[g.arcTo[a]!]!) {
        ms[g.arcTo[a]!] = nd
        heap.push(nd, g.arcTo[a]!)
      }
    }
  }
  // Metres over the tight arcs (on some fastest route), in order of time.
  const lo = new Float64Array(g.nodeCount).fill(Infinity), hi = new Float64Array(g.nodeCount).fill(-Infinity)
  const sourceMeters = [s.remainMeters + s.offsetMeters, s.alongMeters + s.offsetMeters]
  for (let k = 0; k < sources.count; k++) {
    const v = sources.nodes[k]!
    if (Math.abs(sources.costs[k]! - ms[v]!) <= TOLERANCE_MS) {
      lo[v] = Math.min(lo[v]!, sourceMeters[k]!)
      hi[v] = Math.max(hi[v]!, sourceMeters[k]!)
    }
  }
  for (const v of order) {
    for (let i = g.outStart[v]!; i < g.outStart[v + 1]!; i++) {
      const a = g.outArc[i]!, x = g.arcTo[a]!
      if (lo[v] === Infinity || Math.abs(ms[v]! + g.arcMs[a]! - ms[x]!) > TOLERANCE_MS) continue
      lo[x] = Math.min(lo[x]!, lo[v]! + g.arcLength[a]!)
      hi[x] = Math.max(hi[x]!, hi[v]! + g.arcLength[a]!)
    }
  }
  const best = referenceMs(router, s, t)
  const targetMeters = [t.alongMeters + t.offsetMeters, t.remainMeters + t.offsetMeters]
  let min = Infinity, max = -Infinity
  for (let k = 0; k < targets.count; k++) {
    const v = targets.nodes[k]!
    if (Math.abs(ms[v]! + targets.costs[k]! - best) > TOLERANCE_MS) continue
    min = Math.min(min, lo[v]! + targetMeters[k]!)
    max = Math.max(max, hi[v]! + targetMeters[k]!)
  }
  if (Math.abs(router.sameRoadMs(s, t) - best) <= TOLERANCE_MS) {
    const piece = Math.abs(t.alongMeters - s.alongMeters) + s.offsetMeters + t.offsetMeters
    min = Math.min(min, piece)
    max = Math.max(max, piece)
  }
  return [min, max]
}

describe("TripRoutes on random graphs", () => {
  it("gives the reference's free-flow time and the length of a fastest route", () => {
    fc.assert(
      fc.property(randomGraph, fc.array(randomBoxPoint, { minLength: 2, maxLength: 6 }), ({ graph }, points) => {
        const network = networkOfGraph(graph)
        const routes = new TripRoutes(network, EVERYWHERE)
        const router = new Router(graph, network.labels)
        const snapped = points.map((p) => {
          const r = new RoadPoint()
          expect(network.snap.snap(p.lat, p.lng, EVERYWHERE, r)).toBe(true)
          return r
        })
        points.forEach((from, i) =>
          points.forEach((to, j) => {
            const s = snapped[i]!, t = snapped[j]!
            expect(Math.abs(routes.freeFlowSeconds(from, to) * 1000 - referenceMs(router, s, t))).toBeLessThanOrEqual(TOLERANCE_MS)
            const [min, max] = referenceMeters(router, s, t)
            const meters = routes.routeMeters(from, to)
            expect(meters).toBeGreaterThanOrEqual(min - TOLERANCE_M)
            expect(meters).toBeLessThanOrEqual(max + TOLERANCE_M)
          }))
      }),
      { numRuns: 150 }
    )
  })

  it("answers NaN for a point off the roads", () => {
    fc.assert(
      fc.property(randomGraph, randomBoxPoint, ({ graph }, p) => {
        const routes = new TripRoutes(networkOfGraph(graph), 50)
        const far = { lat: p.lat + 1, lng: p.lng }
        expect(routes.freeFlowSeconds(p, far)).toBeNaN()
        expect(routes.routeMeters(far, p)).toBeNaN()
      }),
      { numRuns: 20 }
    )
  })
})
