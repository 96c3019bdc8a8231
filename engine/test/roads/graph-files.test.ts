/**
 * Reading a road graph directory: the shipped SF graph loads whole; every kind of bad row is
 * named by file and line; unreachable parts are dropped and reported; arcs shorter than the
 * straight line are raised to it; plain .csv files and sparse ids work.
 */
import { Effect, Result } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { distanceMeters } from "../../src/domain/geo.ts"
import { RoadGraphError } from "../../src/roads/errors.ts"
import { EDGES_HEADER, GEOMETRY_HEADER, NODES_HEADER, parseRoadGraph, readRoadGraph, type RoadGraphTexts } from "../../src/roads/graph-files.ts"
import { RoadGraph } from "../../src/roads/road-graph.ts"
import { SF_ROADS } from "./fixtures.ts"

/** A triangle 0 → 1 → 2 → 0 with 0 ↔ 1 two-way, ~100 m sides. */
const nodes = [NODES_HEADER, "0,37.7700,-122.4200", "1,37.7709,-122.4200", "2,37.7705,-122.4189"]
const edges = [
  EDGES_HEADER,
  "0,1,100.5,30,residential,,0",
  "1,0,100.5,30,residential,,0",
  "1,2,110,50,primary,55,0",
  "2,0,120,50,primary,,1"
]
const geometry = [GEOMETRY_HEADER, "0,37.770450 -122.420010", "1,37.770450 -122.420010", "2,", "3,"]
const texts = (overrides: Partial<Record<keyof RoadGraphTexts, Array<string>>> = {}): RoadGraphTexts => ({
  nodes: (overrides.nodes ?? nodes).join("\n") + "\n",
  edges: (overrides.edges ?? edges).join("\n") + "\n",
  geometry: (overrides.geometry ?? geometry).join("\n") + "\n"
})

const problemsOf = (t: RoadGraphTexts): ReadonlyArray<string> => {
  const result = parseRoadGraph(t, "/graphs/test")
  if (Result.isSuccess(result)) throw new Error("expected the graph to be refused")
  expect(result.failure).toBeInstanceOf(RoadGraphError)
  expect(result.failure.message).toContain("invalid road graph /graphs/test")
  return result.failure.problems
}

describe("parseRoadGraph", () => {
  it("reads nodes, arcs, classes, max speeds, roundabouts and shapes", () => {
    const { columns: c, report } = Result.getOrThrow(parseRoadGraph(texts(), "t"))
    expect(report).toMatchObject({ nodes: 3, arcs: 4, droppedNodes: 0, droppedArcs: 0, droppedComponents: 0 })
    expect([...c.arcFrom]).toEqual([0, 1, 1, 2])
    expect([...c.arcTo]).toEqual([1, 0, 2, 0])
    expect(c.roadClasses).toEqual(["residential", "primary"])
    expect([...c.arcClass]).toEqual([0, 0, 1, 1])
    expect(Number.isNaN(c.arcMaxSpeed[0]!)).toBe(true)
    expect(c.arcMaxSpeed[2]).toBe(55)
    expect([...c.arcRoundabout]).toEqual([0, 0, 0, 1])
    expect([...c.pillarStart]).toEqual([0, 1, 2, 2, 2])
    expect(c.pillarLat[0]).toBe(37.77045)
    // Parsed decimals equal Number(): the digit reader is exact.
    expect(c.nodeLng[2]).toBe(Number("-122.4189"))
  })

  it("names the file and line of every bad row", () => {
    const problems = problemsOf(texts({
      nodes: [...nodes, "3,91,-122.42", "1,37.77,-122.42", "x,37.77,-122.42", "5,37.77"],
      edges: [...edges, "0,9,10,30,residential,,0", "0,1,-5,30,residential,,0", "0,1,NaN,30,residential,,0", "0,1,10,0,residential,,0", "0,1,10,30,,,0", "0,1,10,30,residential,fast,0", "0,1,10,30,residential,,2", "0,1,10,30"],
      geometry: [...geometry, "2,37.77 -122.42", "99,", "4,37.77"]
    }))
    expect(problems).toEqual([
      "nodes.csv.gz:5: latitude must be a number in -90..90, got \"91\"",
      "nodes.csv.gz:6: duplicate node_id 1 (first on line 3)",
      "nodes.csv.gz:7: node_id must be an integer, got \"x\"",
      "nodes.csv.gz:8: expected 3 fields, got 2",
      "edges.csv.gz:6: unknown node \"9\" in to",
      "edges.csv.gz:7: length_m must be a finite number >= 0, got \"-5\"",
      "edges.csv.gz:8: length_m must be a finite number >= 0, got \"NaN\"",
      "edges.csv.gz:9: speed_kph must be a number > 0 and <= 300, got \"0\"",
      "edges.csv.gz:10: road_class is empty",
      "edges.csv.gz:11: max_speed_kph must be empty or a number > 0, got \"fast\"",
      "edges.csv.gz:12: roundabout must be 0 or 1, got \"2\"",
      "edges.csv.gz:13: expected 7 fields, got 4",
      "edges_geometry.csv.gz:6: duplicate arc_id 2 (first on line 4)",
      "edges_geometry.csv.gz:7: unknown arc_id \"99\" (edges.csv has 12 arcs, ids 0..11)",
      "edges_geometry.csv.gz:8: pillar point 0 is not \"lat lng\" with lat in -90..90 and lng in -180..180: \"37.77\""
    ])
  })

  it("checks headers, empty lines and empty files", () => {
    expect(problemsOf(texts({ nodes: ["id,lat,lng", "0,37.77,-122.42"] }))[0]).toBe(`nodes.csv.gz:1: expected the header "${NODES_HEADER}", got "id,lat,lng"`)
    expect(problemsOf(texts({ edges: [EDGES_HEADER, "0,1,100.5,30,residential,,0", "", "1,0,100.5,30,residential,,0"] }))).toContain("edges.csv.gz:3: empty line")
    expect(problemsOf({ ...texts(), geometry: "" })).toEqual([`edges_geometry.csv.gz: empty file (expected the header "${GEOMETRY_HEADER}")`])
  })

  it("lists 20 problems and counts the rest", () => {
    const bad = Array.from({ length: 30 }, (_, i) => `0,${i + 10},10,30,residential,,0`)
    const result = parseRoadGraph(texts({ edges: [...edges, ...bad] }), "t")
    expect(Result.isFailure(result)).toBe(true)
    if (Result.isFailure(result)) {
      expect(result.failure.problems).toHaveLength(20)
      expect(result.failure.more).toBe(10)
      expect(result.failure.message).toContain("… and 10 more")
    }
  })

  it("drops and reports what cannot be reached both ways, renumbering nodes", () => {
    // Node 3 only has an arc into the triangle; nodes 4 ↔ 5 are an island.
    const { columns: c, report } = Result.getOrThrow(parseRoadGraph(texts({
      nodes: [...nodes, "3,37.771,-122.421", "4,37.78,-122.43", "5,37.781,-122.43"],
      edges: [...edges, "3,0,150,30,residential,,0", "4,5,111,30,residential,,0", "5,4,111,30,residential,,0"]
    }), "t"))
    expect(report).toMatchObject({ nodes: 3, arcs: 4, droppedNodes: 3, droppedArcs: 3, droppedComponents: 2 })
    expect(report.droppedArcKm).toBeCloseTo(0.372, 6)
    expect([...c.nodeIds]).toEqual([0, 1, 2])
  })

  it("raises arcs shorter than the straight line between their ends, and says so", () => {
    const straight = distanceMeters(37.77, -122.42, 37.7709, -122.42)
    const { columns: c, report } = Result.getOrThrow(parseRoadGraph(texts({ edges: [EDGES_HEADER, "0,1,50,30,residential,,0", ...edges.slice(2)] }), "t"))
    expect(c.arcLength[0]).toBe(straight)
    expect(report.raisedLengths).toBe(1)
    expect(report.maxRaiseMeters).toBeCloseTo(straight - 50, 9)
  })

  it("accepts sparse 64-bit-like ids (OSM node ids) and CRLF line ends", () => {
    const big = (i: number) => String(5_000_000_000 + i)
    const t = texts({
      nodes: nodes.map((l, i) => (i === 0 ? l : l.replace(/^\d+/, big(i - 1)))),
      edges: edges.map((l, i) => (i === 0 ? l : l.replace(/^(\d+),(\d+)/, (_, a, b) => `${big(Number(a))},${big(Number(b))}`)))
    })
    const crlf = { nodes: t.nodes.replaceAll("\n", "\r\n"), edges: t.edges.replaceAll("\n", "\r\n"), geometry: t.geometry.replaceAll("\n", "\r\n") }
    const { columns } = Result.getOrThrow(parseRoadGraph(crlf, "t"))
    expect([...columns.nodeIds]).toEqual([5_000_000_000, 5_000_000_001, 5_000_000_002])
  })
})

describe("readRoadGraph", () => {
  it("reads plain .csv files when the .gz ones are absent, and names missing files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "roads-"))
    writeFileSync(join(dir, "nodes.csv"), texts().nodes)
    writeFileSync(join(dir, "edges.csv"), texts().edges)
    const missing = await Effect.runPromise(Effect.flip(readRoadGraph(dir)))
    expect(missing.problems).toEqual(["edges_geometry.csv.gz: missing (nor edges_geometry.csv)"])
    writeFileSync(join(dir, "edges_geometry.csv"), texts().geometry)
    const read = await Effect.runPromise(readRoadGraph(dir))
    expect(read.report.arcs).toBe(4)
    expect(read.digest).toMatch(/^[0-9a-f]{64}$/)
  })

  it("loads the shipped SF graph as its README counts it", async () => {
    const read = await Effect.runPromise(readRoadGraph(SF_ROADS))
    expect(read.report).toEqual({ nodes: 22_847, arcs: 51_494, droppedNodes: 0, droppedArcs: 0, droppedComponents: 0, droppedArcKm: 0, raisedLengths: 0, maxRaiseMeters: 0 })
    const graph = new RoadGraph(read.columns)
    let km = 0, roundabouts = 0, pillars = 0
    for (let a = 0; a < graph.arcCount; a++) {
      km += graph.arcLength[a]! / 1000
      roundabouts += graph.arcRoundabout[a]!
      if (graph.vertexStart[a + 1]! - graph.vertexStart[a]! > 2) pillars++
    }
    // The sum of length_m as written (the README's 3,704.3 km was summed before its rounding rules).
    expect(km).toBeCloseTo(3707.907, 2)
    expect(roundabouts).toBe(152)
    expect(pillars).toBe(15_692)
    expect(graph.topSpeedKph).toBe(100)
    // Every arc but the one-way ones has its twin: 21,109 two-way GraphHopper edges.
    let twins = 0
    for (let a = 0; a < graph.arcCount; a++) if (graph.arcTwin[a]! >= 0) twins++
    expect(twins).toBe(2 * 21_109)
    expect(graph.boundSlack).toBeGreaterThanOrEqual(1)
    expect(graph.boundSlack).toBeLessThan(1.05)
  })
})
