/**
 * The router against a plain reference Dijkstra: on random graphs (one-way and two-way roads,
 * shapes, parallel roads, points anywhere) and on the real SF graph, point-to-point and
 * one-to-many give the reference's times; the contraction hierarchy's own query agrees; snaps
 * are the nearest projection (checked against every segment); one-way streets are respected.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { distanceMeters } from "../../src/domain/geo.ts"
import { contract, HierarchyQuery } from "../../src/roads/contraction.ts"
import { EdgeSnap, RoadPoint } from "../../src/roads/edge-snap.ts"
import { buildHubLabels } from "../../src/roads/hub-labels.ts"
import { RoadGraph } from "../../src/roads/road-graph.ts"
import { ACCESS_SPEED_KPH, Router, Seeds } from "../../src/roads/router.ts"
import { seededRandom } from "#engine/testing"
import { randomBoxPoint, randomGraph, referenceMs, referenceNodeMs, SF_BOX, sfNetwork } from "./fixtures.ts"

/** Float sums of seeds and integer paths, added in another order: equal within this (ms). */
const TOLERANCE_MS = 1e-6

const EVERYWHERE = 1e9

describe("Router on random graphs", () => {
  it("point-to-point and one-to-many equal the reference Dijkstra; the hierarchy query agrees", () => {
    fc.assert(
      fc.property(randomGraph, fc.array(randomBoxPoint, { minLength: 2, maxLength: 8 }), ({ graph }, points) => {
        const ch = contract(graph)
        const router = new Router(graph, buildHubLabels(ch))
        const query = new HierarchyQuery(ch)
        const snap = new EdgeSnap(graph)
        const snapped = points.map((p) => {
          const r = new RoadPoint()
          expect(snap.snap(p.lat, p.lng, EVERYWHERE, r)).toBe(true)
          return r
        })
        const sources = new Seeds(), targets = new Seeds()
        for (const t of snapped) {
          for (const s of snapped) {
            const expected = referenceMs(router, s, t)
            expect(Math.abs(router.travelMs(s, t) - expected)).toBeLessThanOrEqual(TOLERANCE_MS)
            router.sourceSeeds(s, sources)
            router.targetSeeds(t, targets)
            const viaHierarchy = Math.min(router.sameRoadMs(s, t), query.distance(sources.nodes, sources.costs, sources.count, targets.nodes, targets.costs, targets.count))
            expect(Math.abs(viaHierarchy - expected)).toBeLessThanOrEqual(TOLERANCE_MS)
          }
          // One-to-many: the target set once, every source after it.
          router.setTarget(t)
          for (const s of snapped) expect(Math.abs(router.fromMs(s) - referenceMs(router, s, t))).toBeLessThanOrEqual(TOLERANCE_MS)
        }
        // Node to node, integers: exactly equal.
        for (let u = 0; u < graph.nodeCount; u++) {
          for (let v = 0; v < graph.nodeCount; v += 3) expect(router.nodeMs(u, v)).toBe(referenceNodeMs(graph, u, v))
        }
      }),
      { numRuns: 200 }
    )
  })

  it("snaps to the nearest point of any road's shape (every segment checked)", () => {
    fc.assert(
      fc.property(randomGraph, fc.array(randomBoxPoint, { minLength: 1, maxLength: 10 }), ({ graph }, points) => {
        const snap = new EdgeSnap(graph)
        for (const p of points) {
          const r = new RoadPoint()
          snap.snap(p.lat, p.lng, EVERYWHERE, r)
          expect(r.offsetMeters).toBeLessThanOrEqual(nearestShapeMeters(graph, p.lat, p.lng) * 1.002 + 1e-6)
          // The projection lies on the arc: its pieces add up to the shape's length.
          expect(r.alongMeters + r.remainMeters).toBeGreaterThanOrEqual(graph.arcShapeLength[r.arc]! - 1e-6)
          expect(r.alongMeters + r.remainMeters).toBeLessThanOrEqual(graph.arcShapeLength[r.arc]! * 1.000_01 + 1e-6)
        }
      }),
      { numRuns: 200 }
    )
  })
})

/** Great circle from the point to the nearest point of any arc shape, by brute force (fine sampling). */
const nearestShapeMeters = (g: RoadGraph, lat: number, lng: number): number => {
  let best = Infinity
  for (let k = 0; k < g.vertexLat.length - 1; k++) {
    // Skip the jump from one arc's last vertex to the next arc's first.
    let sameArc = false
    for (let a = 0; a < g.arcCount; a++) if (k >= g.vertexStart[a]! && k + 1 < g.vertexStart[a + 1]!) sameArc = true
    if (!sameArc) continue
    for (let i = 0; i <= 200; i++) {
      const t = i / 200
      const plat = g.vertexLat[k]! + t * (g.vertexLat[k + 1]! - g.vertexLat[k]!), plng = g.vertexLng[k]! + t * (g.vertexLng[k + 1]! - g.vertexLng[k]!)
      best = Math.min(best, distanceMeters(lat, lng, plat, plng))
    }
  }
  return best
}

describe("Router on the SF graph", () => {
  const network = sfNetwork()
  const router = new Router(network.graph, network.labels)
  const random = seededRandom(14)
  const somePoint = () => ({ lat: SF_BOX.south + random() * (SF_BOX.north - SF_BOX.south), lng: SF_BOX.west + random() * (SF_BOX.east - SF_BOX.west) })
  const snapped = (count: number): Array<RoadPoint> => {
    const out: Array<RoadPoint> = []
    while (out.length < count) {
      const p = somePoint(), r = new RoadPoint()
      if (network.snap.snap(p.lat, p.lng, 250, r)) out.push(r)
    }
    return out
  }

  it("point-to-point equals the reference Dijkstra on 60 random pairs, and one-to-many on 3 × 40", () => {
    const points = snapped(60)
    for (let i = 0; i + 1 < points.length; i += 2) {
      expect(Math.abs(router.travelMs(points[i]!, points[i + 1]!) - referenceMs(router, points[i]!, points[i + 1]!))).toBeLessThanOrEqual(TOLERANCE_MS)
    }
    for (const target of snapped(3)) {
      router.setTarget(target)
      for (const s of snapped(40)) expect(Math.abs(router.fromMs(s) - referenceMs(router, s, target))).toBeLessThanOrEqual(TOLERANCE_MS)
    }
  })

  it("one-to-many from drivers near the pickup (where a label scan stops after a few entries) equals the reference Dijkstra", () => {
    for (const target of snapped(5)) {
      router.setTarget(target)
      for (let i = 0; i < 40; i++) {
        const s = new RoadPoint()
        if (!network.snap.snap(target.lat + (random() - 0.5) * 0.008, target.lng + (random() - 0.5) * 0.01, 250, s)) continue
        expect(Math.abs(router.fromMs(s) - referenceMs(router, s, target))).toBeLessThanOrEqual(TOLERANCE_MS)
      }
    }
  })

  it("node-to-node distances equal Dijkstra's exactly (integer ms)", () => {
    const g = network.graph
    for (let i = 0; i < 40; i++) {
      const u = Math.floor(random() * g.nodeCount), v = Math.floor(random() * g.nodeCount)
      expect(router.nodeMs(u, v)).toBe(referenceNodeMs(g, u, v))
    }
  })

  it("respects one-way streets: against the arc's direction, the route leaves the street", () => {
    const g = network.graph
    let checked = 0
    for (let a = 0; a < g.arcCount && checked < 20; a++) {
      if (g.arcTwin[a] !== -1 || g.arcLength[a]! < 150 || g.vertexStart[a + 1]! - g.vertexStart[a]! !== 2) continue
      // Two points on the one-way arc a, a third and two thirds along it.
      const at = (t: number) => {
        const lat = g.vertexLat[g.vertexStart[a]!]! + t * (g.vertexLat[g.vertexStart[a]! + 1]! - g.vertexLat[g.vertexStart[a]!]!)
        const lng = g.vertexLng[g.vertexStart[a]!]! + t * (g.vertexLng[g.vertexStart[a]! + 1]! - g.vertexLng[g.vertexStart[a]!]!)
        const r = new RoadPoint()
        network.snap.snap(lat, lng, 5, r)
        return r
      }
      const first = at(1 / 3), second = at(2 / 3)
      if (first.arc !== a || second.arc !== a) continue
      checked++
      const downstream = router.travelMs(first, second), upstream = router.travelMs(second, first)
      // With the flow: a third of the arc. Against it: round the block, never along the arc.
      expect(downstream).toBeCloseTo(g.arcMs[a]! / 3, -1)
      expect(upstream).toBeGreaterThan(downstream)
      expect(Math.abs(upstream - referenceMs(router, second, first))).toBeLessThanOrEqual(TOLERANCE_MS)
    }
    expect(checked).toBe(20)
  })

  it("costs the partial arcs at both ends and the access legs at the access speed", () => {
    const g = network.graph
    // A long straight two-way arc: two points on it, 10 m off the road on the same side.
    let a = 0
    while (!(g.arcTwin[a]! > a && g.arcLength[a]! > 300 && g.vertexStart[a + 1]! - g.vertexStart[a]! === 2 && g.arcSpeed[a]! >= 30)) a++
    const k = g.vertexStart[a]!
    const mid = (t: number) => ({ lat: g.vertexLat[k]! + t * (g.vertexLat[k + 1]! - g.vertexLat[k]!), lng: g.vertexLng[k]! + t * (g.vertexLng[k + 1]! - g.vertexLng[k]!) })
    const s = new RoadPoint(), t = new RoadPoint()
    network.snap.snap(mid(0.25).lat, mid(0.25).lng, 5, s)
    network.snap.snap(mid(0.75).lat, mid(0.75).lng, 5, t)
    expect(s.arc).toBe(a)
    // Projection, not the nearest node: the point is ~a quarter along, not at an end.
    expect(s.alongMeters / g.arcShapeLength[a]!).toBeCloseTo(0.25, 2)
    const half = router.travelMs(s, t)
    expect(half / g.arcMs[a]!).toBeCloseTo(0.5, 2)
    // Either way on a two-way street (the twin may have another speed: its own arc's time).
    expect(router.travelMs(t, s) / g.arcMs[g.arcTwin[a]!]!).toBeCloseTo(0.5, 2)
    // Off the road by `offset` metres at both ends: + 2 × offset at the access speed.
    expect(router.travelMs(s, s)).toBeCloseTo((2 * s.offsetMeters * 3600) / ACCESS_SPEED_KPH, 6)
  })
})
