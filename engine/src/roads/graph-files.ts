/**
 * The on-disk road graph: a directory of three gzip CSV files (docs/roads.md, "Format"), read
 * into columns with every row checked, then cut to its largest strongly connected component.
 *
 *   nodes.csv.gz           node_id,lat,lng
 *   edges.csv.gz           from,to,length_m,speed_kph,road_class,max_speed_kph,roundabout
 *   edges_geometry.csv.gz  arc_id,pillar_points        ("lat lng;lat lng;…", empty = straight)
 *
 * One row of edges.csv is one arc: a direction a car may drive (a two-way street is two rows).
 * `arc_id` is the 0-based row of edges.csv (header excluded). Plain `.csv` files are read when
 * the `.gz` ones are absent (handy for hand-written test graphs).
 *
 * The CSVs are the format because they are what the importer writes, diff and read by people
 * and tools; loading them is fast enough that no binary cache is kept for the graph itself
 * (docs/roads.md, "Load time and memory", has the measurements behind that choice).
 */
import { Effect, Result } from "effect"
import { createHash, type Hash } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import { distanceMeters } from "../domain/geo.ts"
import { RoadGraphError } from "./errors.ts"
import { largestComponent, latitudeProblem, lengthProblem, longitudeProblem, ProblemList, speedProblem } from "./graph-validation.ts"

export const NODES_FILE = "nodes.csv.gz"
export const EDGES_FILE = "edges.csv.gz"
export const GEOMETRY_FILE = "edges_geometry.csv.gz"
const NODES_FILE_GZ = NODES_FILE, EDGES_FILE_GZ = EDGES_FILE, GEOMETRY_FILE_GZ = GEOMETRY_FILE

export const NODES_HEADER = "node_id,lat,lng"
export const EDGES_HEADER = "from,to,length_m,speed_kph,road_class,max_speed_kph,roundabout"
export const GEOMETRY_HEADER = "arc_id,pillar_points"

/** The three files' text, as read (gunzipped), and optionally the names to quote in problems. */
export interface RoadGraphTexts {
  readonly nodes: string
  readonly edges: string
  readonly geometry: string
  /** The file names read (default the `.gz` names). */
  readonly names?: { readonly nodes: string; readonly edges: string; readonly geometry: string } | undefined
}

/**
 * A checked graph in columns, nodes numbered 0..nodes-1 (file order, unreachable ones dropped)
 * and arcs in file order (arcs touching dropped nodes dropped).
 */
export interface RoadGraphColumns {
  /** The file's id of each node. */
  readonly nodeIds: Float64Array
  readonly nodeLat: Float64Array
  readonly nodeLng: Float64Array
  readonly arcFrom: Int32Array
  readonly arcTo: Int32Array
  /** Metres; raised to the straight line between the ends where shorter (see `RoadGraphReport`). */
  readonly arcLength: Float64Array
  /** Free-flow speed, km/h. */
  readonly arcSpeed: Float64Array
  /** Index into `roadClasses`. */
  readonly arcClass: Uint8Array
  readonly roadClasses: ReadonlyArray<string>
  /** km/h, NaN when the file leaves it empty. */
  readonly arcMaxSpeed: Float64Array
  readonly arcRoundabout: Uint8Array
  /** Pillar points of arc a: `pillarStart[a] ..< pillarStart[a + 1]`, in driving order. */
  readonly pillarStart: Int32Array
  readonly pillarLat: Float64Array
  readonly pillarLng: Float64Array
}

/** What loading found and changed, for the log and for docs/roads.md. */
export interface RoadGraphReport {
  readonly nodes: number
  readonly arcs: number
  /** Dropped as unreachable (not in the largest strongly connected component). */
  readonly droppedNodes: number
  readonly droppedArcs: number
  readonly droppedComponents: number
  readonly droppedArcKm: number
  /**
   * Arcs whose length was shorter than the great circle between their ends, raised to it: a
   * route is then never shorter than the straight line, which keeps ETA lower bounds true.
   */
  readonly raisedLengths: number
  readonly maxRaiseMeters: number
}

export interface ParsedRoadGraph {
  readonly columns: RoadGraphColumns
  readonly report: RoadGraphReport
}

const COMMA = 44, NEWLINE = 10, CR = 13, SPACE = 32, SEMICOLON = 59, MINUS = 45, DOT = 46, ZERO = 48, NINE = 57
const isEnd = (c: number): boolean => c === COMMA || c === NEWLINE || c === CR || c === SPACE || c === SEMICOLON || Number.isNaN(c)
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i)

/**
 * A cursor over CSV text that reads numbers straight from the characters. Splitting 125k lines
 * into strings and `Number`-ing each field took ~250 ms for the SF graph; this reads it in a
 * fraction of that. A decimal with at most 15 digits is read as integer ÷ power of ten, which
 * is the correctly rounded value (both are exact doubles and division rounds once), so it
 * equals `Number(field)`; anything else (exponents, long mantissas) falls back to `Number`.
 */
class CsvCursor {
  pos = 0
  /** Set when a row had fewer fields than read; reset per row. */
  short = false
  /** 1-based line of the field being read. */
  line = 1
  lineStart = 0
  readonly text: string
  readonly length: number

  constructor(text: string) {
    this.text = text
    this.length = text.length
  }

  get atEnd(): boolean {
    return this.pos >= this.length
  }

  /** The current line's text (for messages). */
  get lineText(): string {
    let end = this.text.indexOf("\n", this.lineStart)
    if (end < 0) end = this.length
    if (this.text.charCodeAt(end - 1) === CR) end--
    return this.text.slice(this.lineStart, end)
  }

  /** The character at the cursor (NaN at the end). */
  peek(): number {
    return this.text.charCodeAt(this.pos)
  }

  /** Moves past the rest of the line and its newline. */
  nextLine(): void {
    let end = this.text.indexOf("\n", this.pos)
    if (end < 0) end = this.length
    this.pos = end + 1
    this.line++
    this.lineStart = this.pos
  }

  /** True when the cursor is at the end of a line (newline, CR LF, or end of text). */
  get atLineEnd(): boolean {
    const c = this.text.charCodeAt(this.pos)
    return c === NEWLINE || c === CR || Number.isNaN(c)
  }

  /** Skips one separator character if it is `code`; false otherwise. */
  skip(code: number): boolean {
    if (this.text.charCodeAt(this.pos) !== code) return false
    this.pos++
    return true
  }

  /** A number up to the next separator; NaN when empty or not a number. */
  number(): number {
    const text = this.text
    const start = this.pos
    let i = start, c = text.charCodeAt(i)
    const negative = c === MINUS
    if (negative) c = text.charCodeAt(++i)
    let mantissa = 0, digits = 0, decimals = 0
    while (c >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO)
      digits++
      c = text.charCodeAt(++i)
    }
    if (c === DOT) {
      c = text.charCodeAt(++i)
      while (c >= ZERO && c <= NINE) {
        mantissa = mantissa * 10 + (c - ZERO)
        digits++
        decimals++
        c = text.charCodeAt(++i)
      }
    }
    if (isEnd(c) && digits > 0 && digits <= 15) {
      this.pos = i
      const value = decimals === 0 ? mantissa : mantissa / POW10[decimals]!
      return negative ? -value : value
    }
    while (!isEnd(text.charCodeAt(i))) i++
    this.pos = i
    return i === start ? Number.NaN : Number(text.slice(start, i))
  }

  /** Text up to the next comma or line end. */
  string(): string {
    const start = this.pos
    let i = start, c = this.text.charCodeAt(i)
    while (c !== COMMA && c !== NEWLINE && c !== CR && !Number.isNaN(c)) c = this.text.charCodeAt(++i)
    this.pos = i
    return this.text.slice(start, i)
  }

  /**
   * The index in `known` of the text up to the next comma, registering new values; -1 when more
   * than `max` would be known. Compares in place: slicing and hashing a fresh string per row
   * was the slowest part of reading edges.csv.
   */
  token(known: Array<string>, max: number): number {
    const start = this.pos
    for (let k = 0; k < known.length; k++) {
      const name = known[k]!
      const c = this.text.charCodeAt(start + name.length)
      if ((c === COMMA || c === NEWLINE || c === CR || Number.isNaN(c)) && this.text.startsWith(name, start)) {
        this.pos = start + name.length
        return k
      }
    }
    const name = this.string()
    if (known.length >= max) return -1
    known.push(name)
    return known.length - 1
  }

  /** Reads the header line; true when it is `header`. */
  header(header: string): boolean {
    const text = this.lineText
    this.nextLine()
    return text === header
  }
}

/**
 * Iterates the data lines of a CSV text after checking its header. `row` reads its fields from
 * the cursor and returns a problem, or undefined; a row that leaves fields unread has too many.
 * `line` is 1-based (the header is line 1).
 */
const eachRow = (text: string, file: string, header: string, problems: ProblemList, row: (cursor: CsvCursor) => string | undefined): void => {
  const cursor = new CsvCursor(text)
  if (cursor.atEnd) return problems.add(file, 0, `empty file (expected the header "${header}")`)
  if (!cursor.header(header)) return problems.add(file, 1, `expected the header "${header}", got "${text.slice(0, Math.min(120, text.indexOf("\n") < 0 ? 120 : text.indexOf("\n")))}"`)
  while (!cursor.atEnd) {
    if (cursor.atLineEnd) {
      const line = cursor.line
      cursor.nextLine()
      if (!cursor.atEnd) problems.add(file, line, "empty line")
      continue
    }
    cursor.short = false
    const problem = row(cursor)
    if (problem === undefined && !cursor.atLineEnd) problems.add(file, cursor.line, `too many fields: "${cursor.lineText.slice(0, 120)}"`)
    else if (problem !== undefined) problems.add(file, cursor.line, problem)
    cursor.nextLine()
  }
}

/**
 * The next field as a number, after the comma that ends the previous one (`first`: no comma).
 * A missing comma marks the row short (`cursor.short`).
 */
const field = (cursor: CsvCursor, first = false): number => {
  if (!first && !cursor.skip(COMMA)) {
    cursor.short = true
    return Number.NaN
  }
  return cursor.number()
}

/** Fields of the current line, for messages only (it allocates). */
const cells = (cursor: CsvCursor): Array<string> => cursor.lineText.split(",")

/**
 * Node id -> row index. Ids are usually dense (0..n-1, as the SF graph and the importer write
 * them), so small non-negative integer ids go to a typed array; others to a Map.
 */
/** Ids below this go to the typed array (16 MiB at most); larger ones (OSM's) to the Map. */
const MAX_DENSE_ID = 1 << 22

class NodeIndex {
  #dense = new Int32Array(1024).fill(-1)
  readonly #sparse = new Map<number, number>()

  get(id: number): number | undefined {
    if (id >= 0 && id < this.#dense.length && Number.isInteger(id)) {
      const i = this.#dense[id]!
      return i < 0 ? undefined : i
    }
    return this.#sparse.get(id)
  }

  set(id: number, index: number): void {
    if (id >= 0 && id < MAX_DENSE_ID && Number.isInteger(id)) {
      if (id >= this.#dense.length) {
        const grown = new Int32Array(Math.max(id + 1, this.#dense.length * 2)).fill(-1)
        grown.set(this.#dense)
        this.#dense = grown
      }
      this.#dense[id] = index
    } else this.#sparse.set(id, index)
  }
}

/** Parses and checks the three files' text: every problem named by file and line. */
export const parseRoadGraph = (texts: RoadGraphTexts, directory: string): Result.Result<ParsedRoadGraph, RoadGraphError> => {
  const problems = new ProblemList()
  const NODES_FILE = texts.names?.nodes ?? NODES_FILE_GZ, EDGES_FILE = texts.names?.edges ?? EDGES_FILE_GZ, GEOMETRY_FILE = texts.names?.geometry ?? GEOMETRY_FILE_GZ
  const fieldCount = (cursor: CsvCursor, expected: number) => `expected ${expected} fields, got ${cells(cursor).length}`

  // Nodes.
  const ids: Array<number> = [], lats: Array<number> = [], lngs: Array<number> = []
  const nodeIndex = new NodeIndex()
  const nodeLine: Array<number> = []
  eachRow(texts.nodes, NODES_FILE, NODES_HEADER, problems, (cursor) => {
    const id = field(cursor, true), lat = field(cursor), lng = field(cursor)
    if (cursor.short || !cursor.atLineEnd) return fieldCount(cursor, 3)
    if (!Number.isSafeInteger(id)) return `node_id must be an integer, got "${cells(cursor)[0]}"`
    const first = nodeIndex.get(id)
    if (first !== undefined) return `duplicate node_id ${id} (first on line ${nodeLine[first]})`
    const latBad = latitudeProblem(lat)
    if (latBad !== undefined) return `${latBad}, got "${cells(cursor)[1]}"`
    const lngBad = longitudeProblem(lng)
    if (lngBad !== undefined) return `${lngBad}, got "${cells(cursor)[2]}"`
    nodeIndex.set(id, ids.length)
    nodeLine.push(cursor.line)
    ids.push(id)
    lats.push(lat)
    lngs.push(lng)
    return undefined
  })

  // Arcs. Bad rows still take their arc id, so that geometry rows keep matching edges rows.
  const from: Array<number> = [], to: Array<number> = [], length: Array<number> = [], speed: Array<number> = []
  const klass: Array<number> = [], maxSpeed: Array<number> = [], roundabout: Array<number> = []
  const classes: Array<string> = []
  eachRow(texts.edges, EDGES_FILE, EDGES_HEADER, problems, (cursor) => {
    const index = from.length
    from.push(-1)
    to.push(-1)
    length.push(0)
    speed.push(1)
    klass.push(0)
    maxSpeed.push(Number.NaN)
    roundabout.push(0)
    const a = field(cursor, true), b = field(cursor), meters = field(cursor), kph = field(cursor)
    if (!cursor.skip(COMMA)) return fieldCount(cursor, 7)
    const c = cursor.token(classes, 255)
    if (!cursor.skip(COMMA)) return fieldCount(cursor, 7)
    const maxEmpty = cursor.peek() === COMMA
    const max = maxEmpty ? Number.NaN : cursor.number()
    const round = field(cursor)
    if (cursor.short || !cursor.atLineEnd) return fieldCount(cursor, 7)
    const u = nodeIndex.get(a), v = nodeIndex.get(b)
    if (u === undefined) return `unknown node "${cells(cursor)[0]}" in from`
    if (v === undefined) return `unknown node "${cells(cursor)[1]}" in to`
    const lengthBad = lengthProblem(meters)
    if (lengthBad !== undefined) return `${lengthBad}, got "${cells(cursor)[2]}"`
    const speedBad = speedProblem(kph)
    if (speedBad !== undefined) return `${speedBad}, got "${cells(cursor)[3]}"`
    if (c < 0) return "more than 255 distinct road_class values"
    if (classes[c]!.length === 0) return "road_class is empty"
    if (!maxEmpty && !(Number.isFinite(max) && max > 0)) return `max_speed_kph must be empty or a number > 0, got "${cells(cursor)[5]}"`
    if (round !== 0 && round !== 1) return `roundabout must be 0 or 1, got "${cells(cursor)[6]}"`
    from[index] = u
    to[index] = v
    length[index] = meters
    speed[index] = kph
    klass[index] = c
    maxSpeed[index] = max
    roundabout[index] = round
    return undefined
  })
  const arcRows = from.length
  const badArcs = from.some((u) => u < 0)

  // Geometry.
  const pillarsOf: Array<Array<number> | undefined> = new Array(arcRows)
  const geometryLine = new Map<number, number>()
  eachRow(texts.geometry, GEOMETRY_FILE, GEOMETRY_HEADER, problems, (cursor) => {
    const arc = field(cursor, true)
    if (!cursor.skip(COMMA)) return fieldCount(cursor, 2)
    if (!Number.isSafeInteger(arc) || arc < 0 || arc >= arcRows) return `unknown arc_id "${cells(cursor)[0]}" (edges.csv has ${arcRows} arcs, ids 0..${arcRows - 1})`
    const first = geometryLine.get(arc)
    if (first !== undefined) return `duplicate arc_id ${arc} (first on line ${first})`
    geometryLine.set(arc, cursor.line)
    if (cursor.atLineEnd) return undefined
    const points: Array<number> = []
    for (;;) {
      const lat = cursor.number()
      const lng = cursor.skip(SPACE) ? cursor.number() : Number.NaN
      if (latitudeProblem(lat) !== undefined || longitudeProblem(lng) !== undefined) {
        return `pillar point ${points.length / 2} is not "lat lng" with lat in -90..90 and lng in -180..180: "${cells(cursor)[1]!.slice(0, 120)}"`
      }
      points.push(lat, lng)
      if (!cursor.skip(SEMICOLON)) break
    }
    if (!cursor.atLineEnd) return cells(cursor).length !== 2 ? fieldCount(cursor, 2) : `pillar_points must be "lat lng" pairs separated by ";": "${cells(cursor)[1]!.slice(0, 120)}"`
    pillarsOf[arc] = points
    return undefined
  })

  if (ids.length === 0 && problems.count === 0) problems.add(NODES_FILE, 0, "no nodes")
  if (arcRows === 0 && problems.count === 0) problems.add(EDGES_FILE, 0, "no arcs")
  if (problems.count > 0 || badArcs) return Result.fail(new RoadGraphError({ directory, problems: problems.listed, more: problems.more }))

  // Unreachable parts: keep the largest strongly connected component.
  const reach = largestComponent(ids.length, Int32Array.from(from), Int32Array.from(to))
  const n = reach.keptNodes, m = arcRows - reach.droppedArcs
  const nodeIds = new Float64Array(n), nodeLat = new Float64Array(n), nodeLng = new Float64Array(n)
  for (let v = 0; v < ids.length; v++) {
    const k = reach.nodeMap[v]!
    if (k < 0) continue
    nodeIds[k] = ids[v]!
    nodeLat[k] = lats[v]!
    nodeLng[k] = lngs[v]!
  }
  const arcFrom = new Int32Array(m), arcTo = new Int32Array(m), arcLength = new Float64Array(m), arcSpeed = new Float64Array(m)
  const arcClass = new Uint8Array(m), arcMaxSpeed = new Float64Array(m), arcRoundabout = new Uint8Array(m)
  const pillarStart = new Int32Array(m + 1)
  let pillars = 0, droppedKm = 0, raised = 0, maxRaise = 0
  for (let a = 0, k = 0; a < arcRows; a++) {
    if (reach.keptArcs[a] !== 1) {
      droppedKm += length[a]! / 1000
      continue
    }
    pillarStart[k] = pillars
    pillars += (pillarsOf[a]?.length ?? 0) / 2
    k++
  }
  pillarStart[m] = pillars
  const pillarLat = new Float64Array(pillars), pillarLng = new Float64Array(pillars)
  for (let a = 0, k = 0; a < arcRows; a++) {
    if (reach.keptArcs[a] !== 1) continue
    const u = reach.nodeMap[from[a]!]!, v = reach.nodeMap[to[a]!]!
    arcFrom[k] = u
    arcTo[k] = v
    const straight = distanceMeters(nodeLat[u]!, nodeLng[u]!, nodeLat[v]!, nodeLng[v]!)
    if (length[a]! < straight) {
      raised++
      maxRaise = Math.max(maxRaise, straight - length[a]!)
    }
    arcLength[k] = Math.max(length[a]!, straight)
    arcSpeed[k] = speed[a]!
    arcClass[k] = klass[a]!
    arcMaxSpeed[k] = maxSpeed[a]!
    arcRoundabout[k] = roundabout[a]!
    const points = pillarsOf[a]
    if (points !== undefined) {
      for (let i = 0, p = pillarStart[k]!; i < points.length; i += 2, p++) {
        pillarLat[p] = points[i]!
        pillarLng[p] = points[i + 1]!
      }
    }
    k++
  }
  return Result.succeed({
    columns: { nodeIds, nodeLat, nodeLng, arcFrom, arcTo, arcLength, arcSpeed, arcClass, roadClasses: classes, arcMaxSpeed, arcRoundabout, pillarStart, pillarLat, pillarLng },
    report: {
      nodes: n,
      arcs: m,
      droppedNodes: reach.droppedNodes,
      droppedArcs: reach.droppedArcs,
      droppedComponents: reach.droppedComponents,
      droppedArcKm: droppedKm,
      raisedLengths: raised,
      maxRaiseMeters: maxRaise
    }
  })
}

/** `name.gz` gunzipped, else `name` without `.gz` as it is; the bytes read feed `hash`. */
const readText = (directory: string, name: string, hash: Hash): Result.Result<{ readonly text: string; readonly name: string }, string> => {
  const plainName = name.replace(/\.gz$/, "")
  const gz = join(directory, name), plain = join(directory, plainName)
  try {
    if (existsSync(gz)) {
      const bytes = readFileSync(gz)
      hash.update(bytes)
      return Result.succeed({ text: gunzipSync(bytes).toString("utf8"), name })
    }
    if (existsSync(plain)) {
      const bytes = readFileSync(plain)
      hash.update(bytes)
      return Result.succeed({ text: bytes.toString("utf8"), name: plainName })
    }
    return Result.fail(`${name}: missing (nor ${plainName})`)
  } catch (e) {
    return Result.fail(`${name}: cannot read: ${(e as Error).message}`)
  }
}

export interface ReadRoadGraph extends ParsedRoadGraph {
  /** sha256 of the files' bytes as stored: the key of what is derived from them (label-cache.ts). */
  readonly digest: string
}

/** Reads and checks a road graph directory. */
export const readRoadGraph = (directory: string): Effect.Effect<ReadRoadGraph, RoadGraphError> =>
  Effect.suspend(() => {
    const hash = createHash("sha256")
    const nodes = readText(directory, NODES_FILE, hash), edges = readText(directory, EDGES_FILE, hash), geometry = readText(directory, GEOMETRY_FILE, hash)
    const missing = [nodes, edges, geometry].flatMap((r) => (Result.isFailure(r) ? [r.failure] : []))
    if (missing.length > 0) return Effect.fail(new RoadGraphError({ directory, problems: missing, more: 0 }))
    const [n, e, g] = [nodes, edges, geometry].map(Result.getOrThrow) as [{ text: string; name: string }, { text: string; name: string }, { text: string; name: string }]
    const parsed = parseRoadGraph({ nodes: n.text, edges: e.text, geometry: g.text, names: { nodes: n.name, edges: e.name, geometry: g.name } }, directory)
    return Effect.fromResult(Result.map(parsed, (p) => ({ ...p, digest: hash.digest("hex") })))
  })
