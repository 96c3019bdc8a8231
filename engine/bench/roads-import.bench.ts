/**
 * `dispatch roads import` on the real northern-SF OSM XML (engine/test/roads/data/sf-north.osm.gz,
 * 2.4 MB of XML, 11,588 nodes, 2,558 ways): in-process import times per input format, against
 * the floor of any saxes-based reader (the same file through saxes with no work per element),
 * and the whole command as a user runs it, against the command's startup alone (`--help`).
 * Contenders alternate, one run of each per round, medians of 5 rounds after a warm-up round.
 *
 * Run: node_modules/.bin/node engine/bench/roads-import.bench.ts
 */
import { Effect } from "effect"
import { execFileSync, spawnSync } from "node:child_process"
import { createReadStream, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import { SaxesParser } from "saxes"
import { buildRoadGraph, importOsm } from "../src/roads/osm/osm-import.ts"
import { findExecutable } from "../src/transport/executables.ts"

const ROUNDS = 5
const SOURCE = new URL("../test/roads/data/sf-north.osm.gz", import.meta.url).pathname
const DISPATCH = new URL("../src/main/dispatch.ts", import.meta.url).pathname
const work = mkdtempSync(join(tmpdir(), "dispatch-roads-bench-"))
const plain = join(work, "sf-north.osm")
writeFileSync(plain, gunzipSync(readFileSync(SOURCE)))
const osmium = findExecutable("osmium", "OSMIUM_BIN")
const pbf = join(work, "sf-north.osm.pbf")
if (osmium !== undefined) execFileSync(osmium, ["cat", plain, "-o", pbf, "-O"])

const saxesOnly = async () => {
  const parser = new SaxesParser({ xmlns: false, position: true })
  let elements = 0
  parser.on("opentag", () => elements++)
  for await (const chunk of createReadStream(plain, { encoding: "utf8", highWaterMark: 256 * 1024 })) parser.write(chunk)
  parser.close()
  return elements
}

const inProcess: Array<[string, () => Promise<unknown>]> = [
  ["saxes parse only (floor)", saxesOnly],
  ["build graph, .osm (read, split, SCC)", () => Effect.runPromise(buildRoadGraph(plain))],
  ["import .osm (build + write 3 gzip files)", () => Effect.runPromise(importOsm(plain, join(work, "out-xml")))],
  ["import .osm.gz", () => Effect.runPromise(importOsm(SOURCE, join(work, "out-gz")))],
  ...(osmium === undefined ? [] : [["import .osm.pbf (through osmium cat)", () => Effect.runPromise(importOsm(pbf, join(work, "out-pbf"), { osmium }))] as [string, () => Promise<unknown>]])
]
const command: Array<[string, Array<string>]> = [
  ["dispatch roads import --help (startup only)", ["roads", "import", "--help"]],
  ["dispatch roads import sf-north.osm", ["roads", "import", plain, "--out", join(work, "out-cli")]]
]

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const times = new Map<string, Array<number>>()
for (let round = 0; round <= ROUNDS; round++) {
  for (const [name, run] of inProcess) {
    const t0 = performance.now()
    await run()
    if (round > 0) times.set(name, [...(times.get(name) ?? []), performance.now() - t0])
  }
  for (const [name, args] of command) {
    const t0 = performance.now()
    const r = spawnSync(process.execPath, [DISPATCH, ...args], { encoding: "utf8" })
    if (r.status !== 0) throw new Error(`${name}: exit ${r.status}: ${r.stderr}`)
    if (round > 0) times.set(name, [...(times.get(name) ?? []), performance.now() - t0])
  }
}
rmSync(work, { recursive: true, force: true })

const floor = median(times.get(inProcess[0]![0])!)
console.log(`Node ${process.version}, load average ${(await import("node:os")).loadavg().map((l) => l.toFixed(1)).join(" ")}`)
console.log("| what | median ms | min ms | x saxes floor |")
console.log("| --- | ---: | ---: | ---: |")
for (const [name, xs] of times) {
  const inProc = inProcess.some(([n]) => n === name)
  console.log(`| ${name} | ${median(xs).toFixed(0)} | ${Math.min(...xs).toFixed(0)} | ${inProc ? (median(xs) / floor).toFixed(1) + "x" : "-"} |`)
}
