/**
 * Routes as arcs and as lines, against the router and the reference Dijkstra: on random graphs
 * and on the SF graph, the arcs read off the labels chain from the source's road to the
 * target's, their time is the router's (and the reference's), and the line drawn from them
 * starts and ends at the query points, passes only through the projections and the shape points
 * of the arcs driven, has nondecreasing metres and ms, a length equal to its pieces' and a
 * free-flow time equal to the router's; asked for only so far, it is the same line, cut at the
 * first node past that distance.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { EdgeSnap, RoadPoint } from "../../src/roads/edge-snap.ts"
import { buildLabels } from "../../src/roads/road-network.ts"
import type { RoadGraph } from "../../src/roads/road-graph.ts"
import { RouteArcs, RouteFinder } from "../../src/roads/route-arcs.ts"
import { RouteLine } from "../../src/roads/route-line.ts"
import { Router, Seeds } from "../../src/roads/router.ts"
import { seededRandom } from "#engine/testing"
import { randomBoxPoint, randomGraph, referenceMs, SF_BOX, sfNetwork } from "./fixtures.ts"

/** Float sums added in another order: equal within this (ms, or m). */
const TOLERANCE = 1e-6

const EVERYWHERE = 1e9

const close = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(expected)))

/** Checks one route from (from, s) to (to, t) in every way the header says. */
const checkRoute = (g: RoadGraph, finder: RouteFinder, router: Router, from: { lat: number; lng: number }, s: RoadPoint, to: { lat: number; lng: number }, t: RoadPoint) => {
  const arcs = finder.find(s, t, new RouteArcs())
  const expected = referenceMs(router, s, t)
  close(arcs.ms, expected)
  close(router.travelMs(s, t), arcs.ms)

  // The arcs: the source's road (or its twin), a chain of whole arcs, the target's road (or its twin).
  const twinOrSelf = (p: RoadPoint, a: number) => a === p.arc || a === g.arcTwin[p.arc]
  expect(twinOrSelf(s, arcs.firstArc)).toBe(true)
  expect(twinOrSelf(t, arcs.lastArc)).toBe(true)
  const chain = [arcs.firstArc, ...arcs.arcs.subarray(0, arcs.count), arcs.lastArc]
  let innerMs = 0
  if (arcs.sameRoad) expect(arcs.count).toBe(0)
  else {
    for (let i = 0; i + 1 < chain.length; i++) expect(g.arcTo[chain[i]!]).toBe(g.arcFrom[chain[i + 1]!])
    for (let i = 0; i < arcs.count; i++) innerMs += g.arcMs[arcs.arcs[i]!]!
    const sources = router.sourceSeeds(s, new Seeds()), targets = router.targetSeeds(t, new Seeds())
    const sourceCost = sources.costs[arcs.firstArc === s.arc ? 0 : 1]!, targetCost = targets.costs[arcs.lastArc === t.arc ? 0 : 1]!
    close(sourceCost + innerMs + targetCost, arcs.ms)
  }

  const line = new RouteLine().fill(g, from.lat, from.lng, s, arcs, t, to.lat, to.lng)
  expect([line.lat[0], line.lng[0]]).toEqual([from.lat, from.lng])
  expect([line.lat[line.count - 1], line.lng[line.count - 1]]).toEqual([to.lat, to.lng])
  close(line.totalMs, arcs.ms)
  for (let k = 1; k < line.count; k++) {
    expect(line.meters[k]!).toBeGreaterThanOrEqual(line.meters[k - 1]!)
    expect(line.ms[k]!).toBeGreaterThanOrEqual(line.ms[k - 1]!)
  }
  // Every point between the ends is a projection or a shape point of an arc driven.
  const allowed = new Set([`${s.lat},${s.lng}`, `${t.lat},${t.lng}`])
  for (const a of chain) for (let k = g.vertexStart[a]!; k < g.vertexStart[a + 1]!; k++) allowed.add(`${g.vertexLat[k]},${g.vertexLng[k]}`)
  for (let k = 1; k < line.count - 1; k++) expect(allowed.has(`${line.lat[k]},${line.lng[k]}`)).toBe(true)
  // Length: the access legs, the partial pieces, the whole arcs' shapes.
  let meters = s.offsetMeters + t.offsetMeters
  if (arcs.sameRoad) meters += Math.abs(t.alongMeters - s.alongMeters)
  else {
    meters += (arcs.firstArc === s.arc ? s.remainMeters : s.alongMeters) + (arcs.lastArc === t.arc ? t.alongMeters : t.remainMeters)
    for (let i = 0; i < arcs.count; i++) meters += g.arcShapeLength[arcs.arcs[i]!]!
  }
  close(line.totalMeters, meters)
  close(arcs.meters, meters)

  // Asked only so far: the same line up to the first node past that distance.
  for (const share of [0, 0.3, 0.7]) {
    const max = line.totalMeters * share
    const part = new RouteLine().fill(g, from.lat, from.lng, s, finder.find(s, t, new RouteArcs(), max), t, to.lat, to.lng)
    expect(part.count).toBeLessThanOrEqual(line.count)
    for (let k = 0; k < part.count; k++) expect([part.lat[k], part.lng[k], part.meters[k], part.ms[k]]).toEqual([line.lat[k], line.lng[k], line.meters[k], line.ms[k]])
    expect(part.totalMeters).toBeGreaterThanOrEqual(Math.min(max, line.totalMeters) - TOLERANCE)
  }
}

describe("RouteFinder and RouteLine on random graphs", () => {
  it("the arcs chain, take the router's (and the reference's) time, and the line follows them", () => {
    fc.assert(
      fc.property(randomGraph, fc.array(randomBoxPoint, { minLength: 2, maxLength: 6 }), ({ graph }, points) => {
        const labels = buildLabels(graph)
        const finder = new RouteFinder(graph, labels), router = new Router(graph, labels)
        const snap = new EdgeSnap(graph)
        const snapped = points.map((p) => {
          const r = new RoadPoint()
          expect(snap.snap(p.lat, p.lng, EVERYWHERE, r)).toBe(true)
          return r
        })
        for (let i = 0; i < points.length; i++) {
          for (let j = 0; j < points.length; j++) checkRoute(graph, finder, router, points[i]!, snapped[i]!, points[j]!, snapped[j]!)
        }
      }),
      { numRuns: 200 }
    )
  })
})

describe("RouteFinder and RouteLine on the SF graph", () => {
  it("100 random pairs: as on random graphs", () => {
    const network = sfNetwork()
    const finder = new RouteFinder(network.graph, network.labels), router = new Router(network.graph, network.labels)
    const random = seededRandom(14)
    let checked = 0
    while (checked < 100) {
      const a = { lat: SF_BOX.south + random() * (SF_BOX.north - SF_BOX.south), lng: SF_BOX.west + random() * (SF_BOX.east - SF_BOX.west) }
      const b = { lat: SF_BOX.south + random() * (SF_BOX.north - SF_BOX.south), lng: SF_BOX.west + random() * (SF_BOX.east - SF_BOX.west) }
      const s = new RoadPoint(), t = new RoadPoint()
      if (!network.snap.snap(a.lat, a.lng, 250, s) || !network.snap.snap(b.lat, b.lng, 250, t)) continue
      checkRoute(network.graph, finder, router, a, s, b, t)
      checked++
    }
  })
})
