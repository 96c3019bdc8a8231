import { describe, expect, it } from "vitest"
import { distanceMeters } from "../../../src/domain/geo.ts"
import { arcAttributes, type RoadGraph } from "../../../src/roads/osm/road-graph.ts"
import { eastward, graphFromXml, METERS_PER_DEGREE, osmXml, type FixtureNode } from "./support/osm-fixtures.ts"

const deg = (units: number) => units / 1e7
/** Each arc as `from>to` with its length in metres, sorted. */
const arcList = (g: RoadGraph) => [...g.arcFrom.keys()].map((a) => `${g.arcFrom[a]}>${g.arcTo[a]} ${g.arcLengthDm[a]! / 10}`)
const pillarsOf = (g: RoadGraph, arc: number): Array<[number, number]> => {
  const s = g.arcSegment[arc]!
  const points: Array<[number, number]> = []
  for (let k = g.pillarStart[s]!; k < g.pillarStart[s + 1]!; k++) points.push([deg(g.pillarLat[k]!), deg(g.pillarLng[k]!)])
  return g.arcBackward[arc] === 1 ? points.reverse() : points
}
const polylineM = (points: ReadonlyArray<readonly [number, number]>) =>
  points.slice(1).reduce((m, p, i) => m + distanceMeters(points[i]![0], points[i]![1], p[0], p[1]), 0)

/** A plus sign: west-east 1-2-3, south-north 4-2-5, 50 m arms. */
const PLUS: Array<FixtureNode> = [
  ...eastward(1, 3),
  { id: 4, lat: 37.79 - 50 / METERS_PER_DEGREE, lng: eastward(1, 3)[1]!.lng },
  { id: 5, lat: 37.79 + 50 / METERS_PER_DEGREE, lng: eastward(1, 3)[1]!.lng }
]

describe("splitting ways into a junction graph", () => {
  it("cuts crossing ways at their shared node", () => {
    const g = graphFromXml(osmXml(PLUS, [
      { id: 10, refs: [1, 2, 3], tags: { highway: "residential" } },
      { id: 11, refs: [4, 2, 5], tags: { highway: "residential" } }
    ]))
    expect(g.nodeCount).toBe(5)
    expect(g.arcCount).toBe(8)
    // Node ids follow OSM ids: node 1 (id 2) is the junction, every arc touches it.
    for (let a = 0; a < g.arcCount; a++) expect(g.arcFrom[a] === 1 || g.arcTo[a] === 1).toBe(true)
    for (let a = 0; a < g.arcCount; a++) expect(g.arcLengthDm[a]).toBeGreaterThanOrEqual(499)
    expect(g.stats).toMatchObject({ components: 1, droppedNodes: 0, droppedArcs: 0 })
  })

  it("keeps the inner nodes of a way as pillar points, reversed for the backward arc", () => {
    const nodes = eastward(1, 4)
    const g = graphFromXml(osmXml(nodes, [{ id: 10, refs: [1, 2, 3, 4], tags: { highway: "tertiary" } }]))
    expect(g.nodeCount).toBe(2)
    expect(arcList(g)).toEqual(["0>1 150", "1>0 150"])
    const forward = pillarsOf(g, 0), backward = pillarsOf(g, 1)
    expect(forward).toHaveLength(2)
    expect(forward[0]![1]).toBeCloseTo(nodes[1]!.lng, 7)
    expect(backward).toEqual([...forward].reverse())
  })

  it("length is the haversine sum along the polyline, not the chord", () => {
    const bent: Array<FixtureNode> = [{ id: 1, lat: 37.79, lng: -122.41 }, { id: 2, lat: 37.791, lng: -122.409 }, { id: 3, lat: 37.79, lng: -122.408 }]
    const g = graphFromXml(osmXml(bent, [{ id: 10, refs: [1, 2, 3], tags: { highway: "residential" } }]))
    const points = bent.map((n) => [n.lat, n.lng] as const)
    expect(g.arcLengthDm[0]! / 10).toBeCloseTo(polylineM(points), 1)
    expect(g.arcLengthDm[0]! / 10).toBeGreaterThan(distanceMeters(37.79, -122.41, 37.79, -122.408) + 50)
  })

  it("oneway=-1 drives against the node order; a oneway dead end is pruned as a separate component", () => {
    const nodes = [...eastward(1, 3), { id: 4, lat: 37.7905, lng: eastward(1, 3)[1]!.lng }]
    const g = graphFromXml(osmXml(nodes, [
      { id: 10, refs: [1, 2, 3], tags: { highway: "residential" } },
      { id: 11, refs: [4, 2], tags: { highway: "residential", oneway: "-1" } } // 2 -> 4 only: a trap
    ]))
    expect(g.nodeCount).toBe(3)
    expect(g.stats).toMatchObject({ components: 2, droppedNodes: 1, droppedArcs: 1 })
  })

  it("a closed roundabout way is cut at its middle pillar and stays oneway", () => {
    // Ring 1 -> 2 -> 3 -> 1 with a two-way street 1 - 9 attached.
    const ring: Array<FixtureNode> = [
      { id: 1, lat: 37.79, lng: -122.41 }, { id: 2, lat: 37.7903, lng: -122.4097 }, { id: 3, lat: 37.7897, lng: -122.4097 },
      { id: 9, lat: 37.79, lng: -122.411 }
    ]
    const g = graphFromXml(osmXml(ring, [
      { id: 10, refs: [1, 2, 3, 1], tags: { highway: "tertiary", junction: "roundabout" } },
      { id: 11, refs: [9, 1], tags: { highway: "residential" } }
    ]))
    // Nodes: 1, 3 (the middle pillar, promoted), 9; ring arcs 1 -> 3 (pillar 2) and 3 -> 1, both roundabout.
    expect(g.nodeCount).toBe(3)
    const ringArcs = [...g.arcFrom.keys()].filter((a) => arcAttributes(g, a).roundabout)
    expect(ringArcs.map((a) => `${g.arcFrom[a]}>${g.arcTo[a]}`).sort()).toEqual(["0>1", "1>0"])
    expect(ringArcs.map((a) => pillarsOf(g, a).length).sort()).toEqual([0, 1])
    expect(g.arcCount).toBe(4)
  })

  it("a bollard cuts the way: each side ends at its own copy of the node", () => {
    // Square 1-2-3-4-1 with a bollard at 2: the loop opens at 2, leaving 1 - 2a and 2b - (3, 4) - 1.
    const square: Array<FixtureNode> = [
      { id: 1, lat: 37.79, lng: -122.41 }, { id: 2, lat: 37.79, lng: -122.409, tags: { barrier: "bollard" } },
      { id: 3, lat: 37.791, lng: -122.409 }, { id: 4, lat: 37.791, lng: -122.41 }
    ]
    const g = graphFromXml(osmXml(square, [{ id: 10, refs: [1, 2, 3, 4, 1], tags: { highway: "residential" } }]))
    expect(g.nodeCount).toBe(3)
    expect(g.arcCount).toBe(4)
    expect(g.stats.barrierNodes).toBe(1)
    const atBollard = [...Array(g.nodeCount).keys()].filter((v) => g.nodeLng[v] === -1_224_090_000 && g.nodeLat[v] === 377_900_000)
    expect(atBollard).toHaveLength(2)
    for (const v of atBollard) expect([...g.arcFrom].filter((f) => f === v)).toHaveLength(1) // a dead end each
  })

  it("an untagged gate lets cars through; a gate with access=no does not", () => {
    const open = graphFromXml(osmXml([...eastward(1, 3).map((n) => (n.id === 2 ? { ...n, tags: { barrier: "gate" } } : n))], [
      { id: 10, refs: [1, 2, 3], tags: { highway: "service" } }
    ]))
    expect(open.nodeCount).toBe(2)
    const closed = graphFromXml(osmXml([...eastward(1, 3).map((n) => (n.id === 2 ? { ...n, tags: { barrier: "gate", access: "no" } } : n))], [
      { id: 10, refs: [1, 2, 3], tags: { highway: "service" } }
    ]))
    expect(closed.nodeCount).toBe(2) // one side only (the two sides are separate components)
    expect(closed.stats.droppedNodes).toBe(2)
  })

  it("a reference to a node missing from the file breaks the way there", () => {
    const g = graphFromXml(osmXml(eastward(1, 4), [{ id: 10, refs: [1, 2, 99, 3, 4], tags: { highway: "residential" } }]))
    expect(g.stats.missingNodeRefs).toBe(1)
    expect(g.nodeCount).toBe(2) // 1-2 and 3-4 are separate; one is kept
    expect(arcList(g)).toEqual(["0>1 50", "1>0 50"])
  })

  it("repeated consecutive references count once", () => {
    const a = graphFromXml(osmXml(eastward(1, 3), [{ id: 10, refs: [1, 2, 2, 3], tags: { highway: "residential" } }]))
    const b = graphFromXml(osmXml(eastward(1, 3), [{ id: 10, refs: [1, 2, 3], tags: { highway: "residential" } }]))
    expect(arcList(a)).toEqual(arcList(b))
  })

  it("nodes at the same position get a 0.1 m arc, never zero", () => {
    const g = graphFromXml(osmXml([{ id: 1, lat: 37.79, lng: -122.41 }, { id: 2, lat: 37.79, lng: -122.41 }], [
      { id: 10, refs: [1, 2], tags: { highway: "residential" } }
    ]))
    expect(arcList(g)).toEqual(["0>1 0.1", "1>0 0.1"])
  })

  it("the graph does not depend on how the text is chunked", () => {
    const xml = osmXml(PLUS, [
      { id: 10, refs: [1, 2, 3], tags: { highway: "residential", name: "Ünïcödé & <Co>" } },
      { id: 11, refs: [4, 2, 5], tags: { highway: "primary", maxspeed: "25 mph" } }
    ])
    const whole = graphFromXml(xml, xml.length)
    for (const size of [1, 3, 64]) expect(arcList(graphFromXml(xml, size))).toEqual(arcList(whole))
  })

  it("ways cars may not use and their nodes leave no trace", () => {
    const g = graphFromXml(osmXml(PLUS, [
      { id: 10, refs: [1, 2, 3], tags: { highway: "residential" } },
      { id: 11, refs: [4, 2, 5], tags: { highway: "footway" } }
    ]))
    expect(g.nodeCount).toBe(2)
  })
})
