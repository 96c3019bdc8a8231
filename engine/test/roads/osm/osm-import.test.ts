/**
 * The import as a user meets it: files in every accepted format, every kind of bad input (each a
 * typed error naming the file), progress output, and the `dispatch roads import` command.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFileSync, spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { gunzipSync, gzipSync } from "node:zlib"
import { afterAll, expect } from "vitest"
import { ROAD_GRAPH_FILES } from "../../../src/roads/osm/graph-writer.ts"
import { ImportProgress } from "../../../src/roads/osm/import-progress.ts"
import { buildRoadGraph, formatImportSummary, importOsm } from "../../../src/roads/osm/osm-import.ts"
import { findExecutable } from "../../../src/transport/executables.ts"
import { eastward, osmXml } from "./support/osm-fixtures.ts"

const REPO_ROOT = new URL("../../../../", import.meta.url).pathname
const NODE_BIN = join(REPO_ROOT, "node_modules/.bin/node")
const DISPATCH = join(REPO_ROOT, "engine/src/main/dispatch.ts")
const OSMIUM = findExecutable("osmium", "OSMIUM_BIN")
const IN_CI = process.env["CI"] === "true" || process.env["CI"] === "1"
if (OSMIUM === undefined && !IN_CI) console.warn("\n!!! OSM PBF TESTS SKIPPED: osmium not found (OSMIUM_BIN, PATH): apt-get install osmium-tool !!!\n")
const SF_NORTH = new URL("../data/sf-north.osm.gz", import.meta.url).pathname
/** The start of a PBF file (its BlobHeader says "OSMHeader") and nothing else: truncated. */
const PBF_HEADER_ONLY = Buffer.from([0, 0, 0, 13, 0x0a, 0x09, ...Buffer.from("OSMHeader"), 0x18, 0x59])

const work = mkdtempSync(join(tmpdir(), "dispatch-osm-import-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))
const file = (name: string, content: string | Uint8Array): string => {
  const path = join(work, name)
  writeFileSync(path, content)
  return path
}

/** A small town: a square block with a tail, all residential, one oneway side. */
const TOWN = osmXml(
  [...eastward(1, 3), ...eastward(4, 3, 37.7905)],
  [
    { id: 10, refs: [1, 2, 3], tags: { highway: "residential", name: "South St" } },
    { id: 11, refs: [6, 5, 4], tags: { highway: "residential", oneway: "yes" } },
    { id: 12, refs: [1, 4], tags: { highway: "residential" } },
    { id: 13, refs: [3, 6], tags: { highway: "tertiary", maxspeed: "25 mph" } },
    { id: 14, refs: [2, 5], tags: { highway: "footway" } }
  ]
)

const failure = <E>(effect: Effect.Effect<unknown, E>) => Effect.flip(effect)

describe("roads import: formats", () => {
  it.effect("plain and gzipped input give the same bytes", () =>
    Effect.gen(function*() {
      const plain = file("town.osm", TOWN), gz = file("town-gz.osm.gz", gzipSync(TOWN))
      const out = (name: string) => join(work, name)
      yield* importOsm(plain, out("plain"))
      yield* importOsm(gz, out("gz"))
      const read = (dir: string) => ROAD_GRAPH_FILES.map((f) => readFileSync(join(dir, f)).toString("base64"))
      assert.deepStrictEqual(read(out("gz")), read(out("plain")))
    }))

  it.effect("writes the summary the command prints", () =>
    Effect.gen(function*() {
      const summary = yield* importOsm(file("town2.osm", TOWN), join(work, "town2"))
      // Junctions 1, 3, 4, 6 (2 and 5 are pillars: the footway between them is not for cars);
      // three two-way sides and the oneway north side.
      assert.strictEqual(summary.nodes, 4)
      assert.strictEqual(summary.arcs, 7)
      const line = formatImportSummary(summary)
      expect(line).toMatch(/town2\.osm -> .*town2: 4 nodes, 7 arcs, 0\.\d km of road/)
      expect(line).toContain("largest of 1 strongly connected components kept (dropped 0 nodes, 0 arcs, 0.0 km)")
    }))
})

describe("roads import: bad input is a typed error naming the file", () => {
  it.effect("a missing file", () =>
    Effect.gen(function*() {
      const e = yield* failure(importOsm(join(work, "nope.osm"), join(work, "x")))
      assert.strictEqual(e._tag, "OsmFileNotFound")
      assert.strictEqual(e.message, `${join(work, "nope.osm")}: no such file`)
    }))

  it.effect("a directory", () =>
    Effect.gen(function*() {
      const e = yield* failure(buildRoadGraph(work))
      assert.strictEqual(e._tag, "OsmFileUnreadable")
      expect(e.message).toContain(work)
    }))

  it.effect("a truncated XML file: the line where the text ends", () =>
    Effect.gen(function*() {
      const cut = TOWN.slice(0, TOWN.indexOf("<way id=\"12\"") + 30)
      const path = file("truncated.osm", cut)
      const e = yield* failure(buildRoadGraph(path))
      assert.strictEqual(e._tag, "OsmXmlMalformed")
      if (e._tag !== "OsmXmlMalformed") return
      assert.strictEqual(e.line, cut.split("\n").length)
      expect(e.message).toMatch(new RegExp(`^${path}:${e.line}:\\d+: malformed OSM XML: unclosed tag`))
    }))

  it.effect("broken XML in the middle names its line", () =>
    Effect.gen(function*() {
      const lines = TOWN.split("\n")
      lines[6] = "  <node id=7 lat=\"37.79\" lon=\"-122.41\"/>" // an unquoted attribute
      const e = yield* failure(buildRoadGraph(file("broken.osm", lines.join("\n"))))
      assert.strictEqual(e._tag, "OsmXmlMalformed")
      if (e._tag === "OsmXmlMalformed") assert.strictEqual(e.line, 7)
    }))

  it.effect("a gzip file cut short", () =>
    Effect.gen(function*() {
      const gz = gzipSync(TOWN.repeat(1))
      const e = yield* failure(buildRoadGraph(file("cut.osm.gz", gz.subarray(0, gz.length - 12))))
      assert.strictEqual(e._tag, "OsmFileUnreadable")
      expect(e.message).toContain("corrupt or truncated gzip data")
    }))

  it.effect("XML that is not OSM (an HTML error page)", () =>
    Effect.gen(function*() {
      const e = yield* failure(buildRoadGraph(file("page.osm", "<!DOCTYPE html>\n<html><body>Too many requests</body></html>\n")))
      assert.strictEqual(e._tag, "OsmXmlMalformed")
      expect(e.message).toContain("the root element is <html>, not <osm>")
    }))

  it.effect("an empty file", () =>
    Effect.gen(function*() {
      const e = yield* failure(buildRoadGraph(file("empty.osm", "")))
      assert.strictEqual(e._tag, "OsmXmlMalformed")
    }))

  it.effect("a node without coordinates", () =>
    Effect.gen(function*() {
      const e = yield* failure(buildRoadGraph(file("nocoords.osm", `<osm version="0.6">\n<node id="1" lat="" lon="2"/>\n</osm>\n`)))
      assert.strictEqual(e._tag, "OsmXmlMalformed")
      expect(e.message).toContain("node 1 has no valid coordinates")
    }))

  it.effect("no highways, or none a car may drive", () =>
    Effect.gen(function*() {
      const none = yield* failure(buildRoadGraph(file("points.osm", osmXml(eastward(1, 2), []))))
      assert.strictEqual(none._tag, "OsmNoRoads")
      const paths = yield* failure(buildRoadGraph(file("paths.osm", osmXml(eastward(1, 3), [
        { id: 1, refs: [1, 2, 3], tags: { highway: "footway" } },
        { id: 2, refs: [1, 3], tags: { highway: "residential", access: "private" } }
      ]))))
      assert.strictEqual(paths._tag, "OsmNoRoads")
      expect(paths.message).toContain("paths.osm: no road a car may drive: 3 nodes, 2 ways, 2 of them highways")
    }))

  it.effect("PBF without osmium", () =>
    Effect.gen(function*() {
      const missing = yield* failure(buildRoadGraph(file("cut.osm.pbf", PBF_HEADER_ONLY)))
      assert.strictEqual(missing._tag, "OsmiumMissing")
      expect(missing.message).toContain("needs osmium-tool")
    }))

  it.effect("a failed import leaves the previous graph in the directory untouched", () =>
    Effect.gen(function*() {
      const dir = join(work, "kept")
      yield* importOsm(file("good.osm", TOWN), dir)
      const before = ROAD_GRAPH_FILES.map((f) => readFileSync(join(dir, f)).toString("base64"))
      yield* failure(importOsm(file("bad.osm", TOWN.slice(0, 500)), dir))
      assert.deepStrictEqual(ROAD_GRAPH_FILES.map((f) => readFileSync(join(dir, f)).toString("base64")), before)
    }))

  it.effect("an output path that cannot be a directory", () =>
    Effect.gen(function*() {
      const blocker = file("a-file", "x")
      const e = yield* failure(importOsm(file("good2.osm", TOWN), join(blocker, "sub")))
      assert.strictEqual(e._tag, "RoadGraphWriteFailed")
      expect(e.message).toContain(join(blocker, "sub"))
    }))
})

describe.skipIf(OSMIUM === undefined && !IN_CI)("roads import: PBF through osmium-tool", () => {
  const osmium = () => {
    if (OSMIUM === undefined) throw new Error("CI=true and osmium not found (OSMIUM_BIN, PATH): apt-get install osmium-tool")
    return OSMIUM
  }

  it.effect("gives the same bytes as the XML it was made from", () =>
    Effect.gen(function*() {
      const plain = file("town-for-pbf.osm", TOWN)
      // Named without a .pbf suffix: the format is told by the first bytes.
      const pbf = join(work, "town-binary")
      execFileSync(osmium(), ["cat", "-F", "osm", plain, "-f", "pbf", "-o", pbf, "-O"])
      const summary = yield* importOsm(pbf, join(work, "pbf"), { osmium: osmium() })
      yield* importOsm(plain, join(work, "pbf-plain"))
      assert.strictEqual(summary.format, "pbf")
      const read = (dir: string) => ROAD_GRAPH_FILES.map((f) => readFileSync(join(dir, f)).toString("base64"))
      assert.deepStrictEqual(read(join(work, "pbf")), read(join(work, "pbf-plain")))
    }))

  it.effect("a corrupt PBF: osmium's own error, naming the file", () =>
    Effect.gen(function*() {
      const corrupt = yield* failure(buildRoadGraph(file("corrupt.osm.pbf", PBF_HEADER_ONLY), { osmium: osmium() }))
      assert.strictEqual(corrupt._tag, "OsmiumFailed")
      expect(corrupt.message).toMatch(/corrupt\.osm\.pbf: osmium could not read the file: .+/)
    }))

  it.effect("the same through the real SF extract as PBF", () =>
    Effect.gen(function*() {
      const xml = file("sf-north.osm", gunzipSync(readFileSync(SF_NORTH)))
      const pbf = join(work, "sf-north.osm.pbf")
      execFileSync(osmium(), ["cat", xml, "-o", pbf, "-O"])
      const fromPbf = yield* buildRoadGraph(pbf, { osmium: osmium() })
      const fromXml = yield* buildRoadGraph(xml)
      assert.deepStrictEqual(fromPbf.elements, fromXml.elements)
      assert.deepStrictEqual([...fromPbf.graph.arcLengthDm], [...fromXml.graph.arcLengthDm])
    }))
})

describe("roads import: progress", () => {
  const recorder = (isTTY: boolean) => {
    const writes: Array<string> = []
    return { out: { isTTY, write: (t: string) => writes.push(t) }, writes }
  }
  const counts = { nodes: 1, ways: 0, relations: 0 }

  it("stays silent for short imports", () => {
    let now = 0
    const { out, writes } = recorder(false)
    const p = new ImportProgress(out, "importing x", () => now)
    now = 400
    p.reading(0.5, counts)
    p.phase("splitting")
    p.done()
    assert.deepStrictEqual(writes, [])
  })

  it("not a terminal: a reading line at most every 10 s, one line per phase", () => {
    let now = 0
    const { out, writes } = recorder(false)
    const p = new ImportProgress(out, "importing x", () => now)
    for (now = 600; now < 25_000; now += 5) p.reading(now / 30_000, { nodes: now, ways: 0, relations: 0 })
    p.phase("splitting 3 car ways")
    p.done()
    assert.deepStrictEqual(writes, [
      "importing x: reading 2% · 600 nodes · 0 ways\n",
      "importing x: reading 35% · 10,600 nodes · 0 ways\n",
      "importing x: reading 68% · 20,600 nodes · 0 ways\n",
      "importing x: splitting 3 car ways\n"
    ])
  })

  it("a terminal: one line redrawn in place, ended by done", () => {
    let now = 0
    const { out, writes } = recorder(true)
    const p = new ImportProgress(out, "importing x", () => now)
    for (now = 600; now < 1_000; now += 50) p.reading(undefined, counts)
    p.phase("writing")
    p.done()
    expect(writes.length).toBeGreaterThan(2)
    expect(writes.length).toBeLessThan(6)
    for (const w of writes.slice(0, -1)) expect(w).toMatch(/^\rimporting x: .*\x1b\[K$/)
    assert.strictEqual(writes.at(-1), "\n")
  })
})

describe("dispatch roads import", () => {
  const run = (...args: Array<string>) => spawnSync(NODE_BIN, [DISPATCH, "roads", "import", ...args], { cwd: work, encoding: "utf8" })

  it("imports into --out and prints one summary line", () => {
    mkdirSync(join(work, "cli"), { recursive: true })
    const result = run(file("cli.osm", TOWN), "--out", join(work, "cli", "graph"))
    assert.strictEqual(result.status, 0, result.stderr)
    expect(result.stdout.trim().split("\n")).toHaveLength(1)
    expect(result.stdout).toContain("4 nodes, 7 arcs")
    for (const f of ROAD_GRAPH_FILES) expect(readFileSync(join(work, "cli", "graph", f)).length).toBeGreaterThan(20)
  })

  it("defaults --out to the file's name + -roads in the working directory", () => {
    const result = run(file("default-name.osm.gz", gzipSync(TOWN)))
    assert.strictEqual(result.status, 0, result.stderr)
    expect(readFileSync(join(work, "default-name-roads", "nodes.csv.gz")).length).toBeGreaterThan(20)
  })

  it("a missing file: exit 1, the error names the file", () => {
    const result = run(join(work, "missing.osm"))
    assert.strictEqual(result.status, 1)
    expect(result.stderr).toContain(`${join(work, "missing.osm")}: no such file`)
  })
})
