/**
 * Properties of the imported graph on random street networks: ways walk a small grid with
 * random classes and oneway tags, and the output is checked against the tags with an oracle
 * written here, independently of oneway.ts.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { RoadGraph } from "../../../src/roads/osm/road-graph.ts"
import { graphFromXml, osmXml, type FixtureNode, type FixtureWay } from "./support/osm-fixtures.ts"

const SIZE = 5
const gridNodes: Array<FixtureNode> = Array.from({ length: SIZE * SIZE }, (_, i) => ({
  id: 100 + i,
  lat: 37.79 + Math.floor(i / SIZE) * 0.001,
  lng: -122.41 + (i % SIZE) * 0.001
}))
/** Grid node index by its stored position (1e-7 degree units). */
const byPosition = new Map(gridNodes.map((n, i) => [`${Math.round(n.lat * 1e7)},${Math.round(n.lng * 1e7)}`, i]))

const neighbours = (i: number): Array<number> => {
  const r = Math.floor(i / SIZE), c = i % SIZE
  return [[r - 1, c], [r + 1, c], [r, c - 1], [r, c + 1]].filter(([y, x]) => y! >= 0 && y! < SIZE && x! >= 0 && x! < SIZE).map(([y, x]) => y! * SIZE + x!)
}

/** A walk on the grid: start node and a choice of neighbour per step. */
const walk = fc.tuple(fc.nat(SIZE * SIZE - 1), fc.array(fc.nat(3), { minLength: 1, maxLength: 5 })).map(([start, steps]) => {
  const path = [start]
  for (const s of steps) {
    const options = neighbours(path[path.length - 1]!)
    path.push(options[s % options.length]!)
  }
  return path
})

const wayTags = fc.record({
  highway: fc.constantFrom("residential", "primary", "motorway", "service", "footway"),
  oneway: fc.constantFrom(undefined, "yes", "-1", "no", "1"),
  roundabout: fc.boolean()
}).map(({ highway, oneway, roundabout }) => ({
  highway,
  ...(oneway === undefined ? {} : { oneway }),
  ...(roundabout ? { junction: "roundabout" } : {})
}))

const networks = fc.array(fc.tuple(walk, wayTags), { minLength: 1, maxLength: 14 }).map((ways) =>
  ways.map(([path, tags], i): FixtureWay => ({ id: 1 + i, refs: path.map((p) => gridNodes[p]!.id), tags }))
)

/** The oracle: which directions a car may take on a way of these tags. */
const expectedDirections = (tags: Record<string, string>): { forward: boolean; backward: boolean } => {
  if (tags["highway"] === "footway") return { forward: false, backward: false }
  const oneway = tags["oneway"]
  if (oneway === "yes" || oneway === "1") return { forward: true, backward: false }
  if (oneway === "-1") return { forward: false, backward: true }
  if (oneway === "no") return { forward: true, backward: true }
  const implied = tags["junction"] === "roundabout" || tags["highway"] === "motorway"
  return { forward: true, backward: !implied }
}

/** An arc's whole polyline as grid node indices, in driving order. */
const polyline = (g: RoadGraph, arc: number): Array<number> => {
  const at = (lat: number, lng: number) => byPosition.get(`${lat},${lng}`)!
  const s = g.arcSegment[arc]!
  const inner: Array<number> = []
  for (let k = g.pillarStart[s]!; k < g.pillarStart[s + 1]!; k++) inner.push(at(g.pillarLat[k]!, g.pillarLng[k]!))
  if (g.arcBackward[arc] === 1) inner.reverse()
  return [at(g.nodeLat[g.arcFrom[arc]!]!, g.nodeLng[g.arcFrom[arc]!]!), ...inner, at(g.nodeLat[g.arcTo[arc]!]!, g.nodeLng[g.arcTo[arc]!]!)]
}

const containsRun = (sequence: ReadonlyArray<number>, run: ReadonlyArray<number>): boolean => {
  for (let i = 0; i + run.length <= sequence.length; i++) if (run.every((v, k) => sequence[i + k] === v)) return true
  return false
}

const reachesAll = (g: RoadGraph, reverse: boolean): boolean => {
  const seen = new Uint8Array(g.nodeCount)
  const stack = [0]
  seen[0] = 1
  while (stack.length > 0) {
    const v = stack.pop()!
    for (let a = 0; a < g.arcCount; a++) {
      const [x, y] = reverse ? [g.arcTo[a]!, g.arcFrom[a]!] : [g.arcFrom[a]!, g.arcTo[a]!]
      if (x === v && seen[y] === 0) (seen[y] = 1), stack.push(y)
    }
  }
  return seen.every((s) => s === 1)
}

const importNetwork = (ways: ReadonlyArray<FixtureWay>): RoadGraph | undefined => {
  const g = graphFromXml(osmXml(gridNodes, ways), 211)
  return g.arcCount === 0 ? undefined : g
}

describe("imported graph properties", () => {
  it("every arc follows a way its tags let a car drive in that direction", () => {
    fc.assert(fc.property(networks, (ways) => {
      const g = importNetwork(ways)
      if (g === undefined) return
      const usable = ways.map((w) => ({ refs: w.refs.map((id) => id - 100).filter((v, i, all) => i === 0 || all[i - 1] !== v), ...expectedDirections(w.tags) }))
      for (let a = 0; a < g.arcCount; a++) {
        const line = polyline(g, a)
        const ok = usable.some((w) => (w.forward && containsRun(w.refs, line)) || (w.backward && containsRun([...w.refs].reverse(), line)))
        expect(ok, `arc ${a}: ${line.join("-")}`).toBe(true)
      }
    }), { numRuns: 300 })
  })

  it("each arc has its reverse (same segment, same length) unless its way is oneway", () => {
    fc.assert(fc.property(networks, (ways) => {
      const g = importNetwork(ways)
      if (g === undefined) return
      const key = (segment: number, backward: number) => `${segment}/${backward}`
      const arcs = new Map([...g.arcFrom.keys()].map((a) => [key(g.arcSegment[a]!, g.arcBackward[a]!), a]))
      for (let a = 0; a < g.arcCount; a++) {
        const car = g.profiles[g.segmentProfile[g.arcSegment[a]!]!]!
        const twoWay = car.forward !== undefined && car.backward !== undefined
        const reverse = arcs.get(key(g.arcSegment[a]!, 1 - g.arcBackward[a]!))
        if (!twoWay) {
          expect(reverse).toBeUndefined()
          continue
        }
        expect(reverse).toBeDefined()
        expect([g.arcFrom[reverse!], g.arcTo[reverse!], g.arcLengthDm[reverse!]]).toEqual([g.arcTo[a], g.arcFrom[a], g.arcLengthDm[a]])
        expect(polyline(g, reverse!)).toEqual(polyline(g, a).reverse())
      }
    }), { numRuns: 300 })
  })

  it("the output is strongly connected, with dense node ids and sorted arcs", () => {
    fc.assert(fc.property(networks, (ways) => {
      const g = importNetwork(ways)
      if (g === undefined) return
      expect(reachesAll(g, false)).toBe(true)
      expect(reachesAll(g, true)).toBe(true)
      for (let a = 1; a < g.arcCount; a++) {
        const order = g.arcFrom[a - 1]! - g.arcFrom[a]! || g.arcTo[a - 1]! - g.arcTo[a]!
        expect(order).toBeLessThanOrEqual(0)
      }
      for (let a = 0; a < g.arcCount; a++) expect(g.arcFrom[a]).not.toBe(g.arcTo[a])
    }), { numRuns: 300 })
  })
})
