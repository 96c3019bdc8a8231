/**
 * An OSM import from end to end: read the file (OSM XML, gzipped OSM XML, or OSM PBF through
 * osmium-tool), keep the car ways (highway-tags.ts), cut them into a junction graph
 * (way-splitter.ts), keep its largest strongly connected component (road-graph.ts) and write the
 * CSV set (graph-writer.ts). `dispatch roads import` is this plus flags and a summary line.
 *
 * The format is told by the file's first bytes, not its name. PBF is not decoded here: osmium
 * (`osmium cat -f osm -o -`) turns it into XML on a pipe, read by the same XML reader, so one
 * parser and one set of tag rules serve both (docs/roads.md says why). The osmium process lives
 * in the import's scope: if the import fails or is interrupted, it is killed.
 *
 * Reading streams: the file is read in 256 KiB chunks and parsed as it comes, with
 * backpressure (the next chunk is read when the parser is done with the last).
 */
import { Effect } from "effect"
import { spawn, type ChildProcessByStdio } from "node:child_process"
import { createReadStream } from "node:fs"
import { open, stat } from "node:fs/promises"
import { resolve } from "node:path"
import type { Readable } from "node:stream"
import { createGunzip } from "node:zlib"
import {
  OsmFileNotFound,
  OsmFileUnreadable,
  OsmiumFailed,
  OsmiumMissing,
  OsmNoRoads,
  OsmXmlMalformed,
  RoadGraphWriteFailed,
  type OsmImportError
} from "./errors.ts"
import { writeRoadGraph } from "./graph-writer.ts"
import { ImportProgress, type ProgressOutput } from "./import-progress.ts"
import { OsmXmlReader, type OsmElementCounts } from "./osm-xml-reader.ts"
import { RoadCollector } from "./road-collector.ts"
import { finishRoadGraph, type GraphStats, type RoadGraph } from "./road-graph.ts"
import { splitWays } from "./way-splitter.ts"

export type OsmFileFormat = "xml" | "xml.gz" | "pbf"

export interface BuildOptions {
  /** The osmium executable, needed for PBF input (main finds it: OSMIUM_BIN, else PATH). */
  readonly osmium?: string | undefined
  /** Where progress goes (stderr for the command); none when omitted. */
  readonly progress?: ProgressOutput | undefined
}

export interface BuiltRoadGraph {
  readonly graph: RoadGraph
  readonly format: OsmFileFormat
  readonly elements: OsmElementCounts
  readonly highwayWays: number
}

export interface ImportSummary extends GraphStats {
  readonly path: string
  readonly outDir: string
  readonly format: OsmFileFormat
  readonly elements: OsmElementCounts
  readonly highwayWays: number
  readonly nodes: number
  readonly arcs: number
  readonly seconds: number
}

const CHUNK_BYTES = 256 * 1024
/** How long a failed read waits for osmium to exit and say why, ms. */
const OSMIUM_EXIT_GRACE_MS = 2_000
/** Bytes of osmium's stderr kept for the error message. */
const OSMIUM_STDERR_BYTES = 16 * 1024

const GZIP_MAGIC = [0x1f, 0x8b]
/** A PBF file starts with a BlobHeader length (4 bytes) and the protobuf string field `type` = "OSMHeader". */
const PBF_MAGIC = Buffer.from([0x0a, 0x09, ...Buffer.from("OSMHeader", "ascii")])

const errnoOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code

const openFailure = (path: string, e: unknown): OsmImportError =>
  errnoOf(e) === "ENOENT" ? new OsmFileNotFound({ path }) : new OsmFileUnreadable({ path, detail: (e as Error).message })

/** Reads the first bytes and names the format; fails for a missing file, a directory, no permission. */
const detectFormat = (path: string): Effect.Effect<{ format: OsmFileFormat; bytes: number }, OsmImportError> =>
  Effect.tryPromise({
    try: async () => {
      const info = await stat(path)
      if (info.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" })
      const handle = await open(path, "r")
      try {
        const head = Buffer.alloc(16)
        const { bytesRead } = await handle.read(head, 0, head.length, 0)
        const first = head.subarray(0, bytesRead)
        const format: OsmFileFormat = first[0] === GZIP_MAGIC[0] && first[1] === GZIP_MAGIC[1]
          ? "xml.gz"
          : first.subarray(4, 4 + PBF_MAGIC.length).equals(PBF_MAGIC)
          ? "pbf"
          : "xml"
        return { format, bytes: info.size }
      } finally {
        await handle.close()
      }
    },
    catch: (e) => openFailure(path, e)
  })

/** Feeds a text stream to the reader; `share()` tells progress how far the input is. */
const feed = async (
  path: string,
  text: AsyncIterable<string>,
  reader: OsmXmlReader,
  progress: ImportProgress,
  share: () => number | undefined,
  signal: AbortSignal
): Promise<void> => {
  for await (const chunk of text) {
    if (signal.aborted) throw new OsmFileUnreadable({ path, detail: "interrupted" })
    reader.write(chunk)
    progress.reading(share(), reader.counts)
  }
  reader.close()
}

const readFailure = (path: string, e: unknown): OsmImportError => {
  if (e instanceof OsmXmlMalformed || e instanceof OsmFileUnreadable) return e
  const code = errnoOf(e)
  if (code === "Z_BUF_ERROR" || code === "Z_DATA_ERROR") {
    return new OsmFileUnreadable({ path, detail: `corrupt or truncated gzip data (${(e as Error).message})` })
  }
  return openFailure(path, e)
}

const readXml = (path: string, gzipped: boolean, bytes: number, reader: OsmXmlReader, progress: ImportProgress) =>
  Effect.tryPromise({
    try: async (signal) => {
      const file = createReadStream(path, { highWaterMark: CHUNK_BYTES })
      const text: Readable = gzipped ? file.pipe(createGunzip({ chunkSize: CHUNK_BYTES })) : file
      if (gzipped) file.on("error", (e) => text.destroy(e))
      text.setEncoding("utf8")
      try {
        await feed(path, text, reader, progress, () => (bytes > 0 ? file.bytesRead / bytes : undefined), signal)
      } finally {
        file.destroy()
        text.destroy()
      }
    },
    catch: (e) => readFailure(path, e)
  })

type Osmium = ChildProcessByStdio<null, Readable, Readable>

/** osmium converting the PBF to XML on its stdout; killed when the import's scope closes. */
const startOsmium = (path: string, osmium: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      // An absolute path, so that a file named "-x" is never read as an option.
      const child: Osmium = spawn(osmium, ["cat", "--no-progress", "-F", "pbf", "-f", "osm", "-o", "-", resolve(path)], {
        stdio: ["ignore", "pipe", "pipe"]
      })
      let stderr = ""
      child.stderr.setEncoding("utf8")
      child.stderr.on("data", (text: string) => (stderr = (stderr + text).slice(-OSMIUM_STDERR_BYTES)))
      const exited = new Promise<number | null>((resolve) => {
        child.once("error", (e) => {
          stderr += e.message
          resolve(-1)
        })
        child.once("close", (code) => resolve(code))
      })
      return { child, exited, stderr: () => stderr }
    }),
    ({ child }) => Effect.sync(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    })
  )

const readPbf = (path: string, osmium: string | undefined, reader: OsmXmlReader, progress: ImportProgress) =>
  Effect.gen(function*() {
    if (osmium === undefined) return yield* new OsmiumMissing({ path })
    const run = yield* startOsmium(path, osmium)
    yield* Effect.tryPromise({
      try: async (signal) => {
        run.child.stdout.setEncoding("utf8")
        let failure: unknown
        try {
          await feed(path, run.child.stdout, reader, progress, () => undefined, signal)
        } catch (e) {
          failure = e
        }
        // osmium's own verdict comes first: a corrupt PBF shows up here as truncated XML, and
        // osmium exits at once. If it is still running (the XML was at fault, or the import
        // was interrupted), the scope kills it: the pipe is left open until then, so that
        // osmium never fails on a closed pipe and takes the blame.
        const code = await Promise.race([run.exited, new Promise<"running">((r) => setTimeout(() => r("running"), OSMIUM_EXIT_GRACE_MS).unref())])
        if (code !== "running" && code !== 0) throw new OsmiumFailed({ path, exitCode: code, stderr: run.stderr() })
        if (failure !== undefined) throw failure
      },
      catch: (e) => (e instanceof OsmiumFailed ? e : readFailure(path, e))
    })
  })

const build = (path: string, options: BuildOptions, progress: ImportProgress): Effect.Effect<BuiltRoadGraph, OsmImportError> =>
  Effect.scoped(Effect.gen(function*() {
    const { format, bytes } = yield* detectFormat(path)
    const roads = new RoadCollector()
    const reader = new OsmXmlReader(path, roads)
    if (format === "pbf") yield* readPbf(path, options.osmium, reader, progress)
    else yield* readXml(path, format === "xml.gz", bytes, reader, progress)
    const elements = reader.counts
    const noRoads = () => new OsmNoRoads({ path, nodes: elements.nodes, ways: elements.ways, highwayWays: roads.highwayWays })
    if (roads.carWays === 0) return yield* noRoads()
    progress.phase(`splitting ${roads.carWays.toLocaleString("en-US")} car ways at junctions`)
    const draft = splitWays(roads)
    progress.phase(`keeping the largest strongly connected component of ${draft.nodeCount.toLocaleString("en-US")} nodes`)
    const graph = finishRoadGraph(draft)
    if (graph.arcCount === 0) return yield* noRoads()
    return { graph, format, elements, highwayWays: roads.highwayWays }
  }))

const withProgress = <A, E>(options: BuildOptions, path: string, body: (progress: ImportProgress) => Effect.Effect<A, E>) =>
  Effect.suspend(() => {
    const progress = new ImportProgress(options.progress, `importing ${path}`)
    return body(progress).pipe(Effect.ensuring(Effect.sync(() => progress.done())))
  })

/** Reads and builds the graph without writing it (tests use this directly). */
export const buildRoadGraph = (path: string, options: BuildOptions = {}): Effect.Effect<BuiltRoadGraph, OsmImportError> =>
  withProgress(options, path, (progress) => build(path, options, progress))

/** Imports `path` into the road-graph CSV set in `outDir`. */
export const importOsm = (path: string, outDir: string, options: BuildOptions = {}): Effect.Effect<ImportSummary, OsmImportError> =>
  withProgress(options, path, (progress) =>
    Effect.gen(function*() {
      const started = performance.now()
      const built = yield* build(path, options, progress)
      const { graph } = built
      progress.phase(`writing ${graph.nodeCount.toLocaleString("en-US")} nodes and ${graph.arcCount.toLocaleString("en-US")} arcs to ${outDir}`)
      yield* Effect.tryPromise({
        try: () => writeRoadGraph(outDir, graph),
        catch: (e) => new RoadGraphWriteFailed({ dir: outDir, detail: (e as Error).message })
      })
      return {
        ...graph.stats,
        path,
        outDir,
        format: built.format,
        elements: built.elements,
        highwayWays: built.highwayWays,
        nodes: graph.nodeCount,
        arcs: graph.arcCount,
        seconds: (performance.now() - started) / 1000
      }
    }))

const km = (n: number) => n.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 })
const int = (n: number) => n.toLocaleString("en-US")

/** The command's final line. */
export const formatImportSummary = (s: ImportSummary): string =>
  `${s.path} -> ${s.outDir}: ${int(s.nodes)} nodes, ${int(s.arcs)} arcs, ${km(s.roadKm)} km of road (${km(s.arcKm)} km of arcs) ` +
  `from ${int(s.carWays)} car ways; largest of ${int(s.components)} strongly connected components kept ` +
  `(dropped ${int(s.droppedNodes)} nodes, ${int(s.droppedArcs)} arcs, ${km(s.droppedArcKm)} km); ${s.seconds.toFixed(1)} s`
