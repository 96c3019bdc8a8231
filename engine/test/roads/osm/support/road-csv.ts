/**
 * Test support: reads a road-graph CSV set (docs/roads.md) whole into arrays, checking the
 * header and every row's shape. Not the product's loader (that is the router's); small and
 * strict so that the importer's output is checked by something that did not write it.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"

export interface RoadCsv {
  readonly nodeCount: number
  readonly lat: Float64Array
  readonly lng: Float64Array
  readonly arcCount: number
  readonly from: Int32Array
  readonly to: Int32Array
  readonly lengthM: Float64Array
  readonly speedKph: Float64Array
  readonly roadClass: ReadonlyArray<string>
  /** NaN when empty. */
  readonly maxSpeedKph: Float64Array
  readonly roundabout: Uint8Array
  /** Interior points of each arc, `[lat, lng]` pairs in driving order. */
  readonly pillars: ReadonlyArray<ReadonlyArray<readonly [number, number]>>
}

const lines = (dir: string, file: string, header: string): Array<string> => {
  const text = gunzipSync(readFileSync(join(dir, file))).toString("utf8")
  if (!text.endsWith("\n")) throw new Error(`${file}: no final line feed`)
  const all = text.slice(0, -1).split("\n")
  if (all[0] !== header) throw new Error(`${file}: header ${all[0]}, expected ${header}`)
  return all.slice(1)
}

const number = (file: string, row: number, text: string | undefined): number => {
  const n = Number(text)
  if (text === undefined || text === "" || !Number.isFinite(n)) throw new Error(`${file} row ${row}: not a number: ${text}`)
  return n
}

export const readRoadCsv = (dir: string): RoadCsv => {
  const nodeRows = lines(dir, "nodes.csv.gz", "node_id,lat,lng")
  const lat = new Float64Array(nodeRows.length), lng = new Float64Array(nodeRows.length)
  nodeRows.forEach((row, i) => {
    const f = row.split(",")
    if (f.length !== 3 || Number(f[0]) !== i) throw new Error(`nodes.csv row ${i}: ${row}`)
    lat[i] = number("nodes.csv", i, f[1])
    lng[i] = number("nodes.csv", i, f[2])
  })
  const edgeRows = lines(dir, "edges.csv.gz", "from,to,length_m,speed_kph,road_class,max_speed_kph,roundabout")
  const n = edgeRows.length
  const from = new Int32Array(n), to = new Int32Array(n), lengthM = new Float64Array(n), speedKph = new Float64Array(n)
  const maxSpeedKph = new Float64Array(n), roundabout = new Uint8Array(n)
  const roadClass: Array<string> = []
  edgeRows.forEach((row, i) => {
    const f = row.split(",")
    if (f.length !== 7) throw new Error(`edges.csv row ${i}: ${row}`)
    from[i] = number("edges.csv", i, f[0])
    to[i] = number("edges.csv", i, f[1])
    if (from[i]! < 0 || from[i]! >= nodeRows.length || to[i]! < 0 || to[i]! >= nodeRows.length) throw new Error(`edges.csv row ${i}: node out of range`)
    lengthM[i] = number("edges.csv", i, f[2])
    speedKph[i] = number("edges.csv", i, f[3])
    roadClass.push(f[4]!)
    maxSpeedKph[i] = f[5] === "" ? Number.NaN : number("edges.csv", i, f[5])
    if (f[6] !== "0" && f[6] !== "1") throw new Error(`edges.csv row ${i}: roundabout ${f[6]}`)
    roundabout[i] = Number(f[6])
  })
  const geometryRows = lines(dir, "edges_geometry.csv.gz", "arc_id,pillar_points")
  if (geometryRows.length !== n) throw new Error(`edges_geometry.csv has ${geometryRows.length} rows, edges.csv ${n}`)
  const pillars = geometryRows.map((row, i) => {
    const comma = row.indexOf(",")
    if (Number(row.slice(0, comma)) !== i) throw new Error(`edges_geometry.csv row ${i}: ${row}`)
    const points = row.slice(comma + 1)
    return points === "" ? [] : points.split(";").map((p) => {
      const [a, b, ...rest] = p.split(" ")
      if (rest.length > 0) throw new Error(`edges_geometry.csv row ${i}: ${p}`)
      return [number("edges_geometry.csv", i, a), number("edges_geometry.csv", i, b)] as const
    })
  })
  return { nodeCount: nodeRows.length, lat, lng, arcCount: n, from, to, lengthM, speedKph, roadClass, maxSpeedKph, roundabout, pillars }
}
