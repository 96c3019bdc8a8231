/**
 * Writes a `RoadGraph` as the road-graph CSV set (docs/roads.md; the layout of the shipped SF
 * graph, engine/markets/roads/sf/README.md):
 *
 * - `nodes.csv.gz`: `node_id,lat,lng`, 6 decimals;
 * - `edges.csv.gz`: `from,to,length_m,speed_kph,road_class,max_speed_kph,roundabout`, one row
 *   per drivable direction, length with one decimal, `max_speed_kph` empty when untagged;
 * - `edges_geometry.csv.gz`: `arc_id,pillar_points`, row i for edge row i, the interior points
 *   in driving order as `lat lng` pairs joined by `;`, empty for a straight arc.
 *
 * LF line ends, no quoting (no field holds a comma), gzip level 9 without name or time, so the
 * same input gives the same bytes. The files are streamed through gzip in batches of rows and
 * written under temporary names, then renamed: a failed import leaves any previous graph whole.
 */
import { createWriteStream } from "node:fs"
import { mkdir, rename, rm } from "node:fs/promises"
import { join } from "node:path"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import { createGzip } from "node:zlib"
import { COORDINATE_SCALE } from "./road-collector.ts"
import { arcAttributes, type RoadGraph } from "./road-graph.ts"

export const ROAD_GRAPH_FILES = ["nodes.csv.gz", "edges.csv.gz", "edges_geometry.csv.gz"] as const

const ROWS_PER_CHUNK = 4096
const UNITS_PER_MICRODEGREE = COORDINATE_SCALE / 1e6

/** 1e-7 degree units to a 6-decimal string, by integer arithmetic (no binary-float rounding surprises). */
const formatCoordinate = (units: number): string => {
  const micro = Math.round(units / UNITS_PER_MICRODEGREE)
  const abs = Math.abs(micro)
  const whole = Math.floor(abs / 1e6)
  const fraction = String(abs - whole * 1e6).padStart(6, "0")
  return `${micro < 0 ? "-" : ""}${whole}.${fraction}`
}

const formatDm = (dm: number): string => `${Math.floor(dm / 10)}.${dm % 10}`

function* rows(count: number, header: string, row: (i: number) => string): Generator<string> {
  let chunk = header + "\n"
  for (let i = 0; i < count; i++) {
    chunk += row(i) + "\n"
    if (i % ROWS_PER_CHUNK === ROWS_PER_CHUNK - 1) {
      yield chunk
      chunk = ""
    }
  }
  if (chunk !== "") yield chunk
}

const nodeRows = (g: RoadGraph): Generator<string> =>
  rows(g.nodeCount, "node_id,lat,lng", (i) => `${i},${formatCoordinate(g.nodeLat[i]!)},${formatCoordinate(g.nodeLng[i]!)}`)

const edgeRows = (g: RoadGraph): Generator<string> =>
  rows(g.arcCount, "from,to,length_m,speed_kph,road_class,max_speed_kph,roundabout", (i) => {
    const a = arcAttributes(g, i)
    return `${g.arcFrom[i]},${g.arcTo[i]},${formatDm(g.arcLengthDm[i]!)},${a.speedKph},${a.roadClass},${a.maxSpeedKph ?? ""},${a.roundabout ? 1 : 0}`
  })

const geometryRows = (g: RoadGraph): Generator<string> =>
  rows(g.arcCount, "arc_id,pillar_points", (i) => {
    const s = g.arcSegment[i]!
    const first = g.pillarStart[s]!, end = g.pillarStart[s + 1]!
    const points: Array<string> = []
    for (let k = first; k < end; k++) points.push(`${formatCoordinate(g.pillarLat[k]!)} ${formatCoordinate(g.pillarLng[k]!)}`)
    if (g.arcBackward[i] === 1) points.reverse()
    return `${i},${points.join(";")}`
  })

/** Writes the three files into `dir` (created if needed); rejects with the file system's error. */
export const writeRoadGraph = async (dir: string, graph: RoadGraph): Promise<void> => {
  await mkdir(dir, { recursive: true })
  const sources = [nodeRows(graph), edgeRows(graph), geometryRows(graph)]
  const temporary = ROAD_GRAPH_FILES.map((name) => join(dir, `.${name}.${process.pid}.tmp`))
  try {
    for (const [i, source] of sources.entries()) {
      await pipeline(Readable.from(source), createGzip({ level: 9 }), createWriteStream(temporary[i]!))
    }
    for (const [i, name] of ROAD_GRAPH_FILES.entries()) await rename(temporary[i]!, join(dir, name))
  } finally {
    await Promise.all(temporary.map((path) => rm(path, { force: true })))
  }
}
