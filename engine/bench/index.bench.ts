/**
 * Driver index benchmark: H3 buckets (resolutions 8, 9, 10) against a brute-force scan and
 * rbush + rbush-knn, at 10k, 50k and 200k drivers uniform in the SF city box, same drivers,
 * queries and moves for all. Measures k=5 queries/s within the 5 km pickup radius, GPS-jitter
 * moves (~50 m) and teleports per second, bytes per driver and per memoised origin (heap), and
 * checks every answer on a sample of queries against the brute-force scan, before and after the
 * moves. Contenders are measured in alternation (fixtures.ts) so that load bursts on the shared
 * machine hit them alike.
 *
 * Run alone: node_modules/.bin/node engine/bench/index.bench.ts
 * Profile the H3 query loop: node_modules/.bin/node --cpu-prof --cpu-prof-dir=/tmp/prof engine/bench/index.bench.ts --profile [--drivers=50000]
 */
import RBush from "rbush"
import knn from "rbush-knn"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { distanceMeters } from "../src/domain/geo.ts"
import { Neighbors } from "../src/index/driver-index.ts"
import { H3DriverIndex } from "../src/index/h3-driver-index.ts"
import {
  interleavedOpsPerSecond,
  JITTER_DEG,
  opsPerSecond,
  PICKUP_RADIUS_METERS,
  printTable,
  randomPoint,
  seededRandom,
  SF_CITY_BOX,
  SF_CITY_MARKET,
  si
} from "./fixtures.ts"

setFlagsFromString("--expose-gc")
const gc = runInNewContext("gc") as () => void

export const DRIVER_COUNTS = [10_000, 50_000, 200_000] as const
const RESOLUTIONS = [8, 9, 10] as const
const K = 5
const QUERIES = 20_000
const JITTER_MOVES = 100_000
const TELEPORTS = 50_000
const EXACTNESS_SAMPLE = 500

/**
 * H3 resolution by density, from the sweep this bench prints (docs/performance.md): the finest
 * resolution whose average cell holds at least ~5 available drivers. In the 172 km² city box:
 * res 9 (0.105 km² cells) up to 50k drivers, res 10 (0.015 km²) at 200k.
 */
export const resolutionFor = (drivers: number): number => (drivers <= 50_000 ? 9 : 10)

interface Fixture {
  readonly n: number
  readonly ids: ReadonlyArray<string>
  readonly lat: Float64Array
  readonly lng: Float64Array
  readonly qLat: Float64Array
  readonly qLng: Float64Array
  readonly jitter: { readonly driver: Int32Array; readonly dLat: Float64Array; readonly dLng: Float64Array }
  readonly teleport: { readonly driver: Int32Array; readonly lat: Float64Array; readonly lng: Float64Array }
}

const makeFixture = (n: number): Fixture => {
  const random = seededRandom(n)
  const ids = Array.from({ length: n }, (_, i) => `driver-${i}`)
  const lat = new Float64Array(n), lng = new Float64Array(n)
  for (let i = 0; i < n; i++) ({ lat: lat[i], lng: lng[i] } = randomPoint(random))
  const qLat = new Float64Array(QUERIES), qLng = new Float64Array(QUERIES)
  for (let i = 0; i < QUERIES; i++) ({ lat: qLat[i], lng: qLng[i] } = randomPoint(random))
  const jitter = { driver: new Int32Array(JITTER_MOVES), dLat: new Float64Array(JITTER_MOVES), dLng: new Float64Array(JITTER_MOVES) }
  for (let i = 0; i < JITTER_MOVES; i++) {
    jitter.driver[i] = Math.floor(random() * n)
    jitter.dLat[i] = (2 * random() - 1) * JITTER_DEG.lat
    jitter.dLng[i] = (2 * random() - 1) * JITTER_DEG.lng
  }
  const teleport = { driver: new Int32Array(TELEPORTS), lat: new Float64Array(TELEPORTS), lng: new Float64Array(TELEPORTS) }
  for (let i = 0; i < TELEPORTS; i++) {
    teleport.driver[i] = Math.floor(random() * n)
    ;({ lat: teleport.lat[i], lng: teleport.lng[i] } = randomPoint(random))
  }
  return { n, ids, lat, lng, qLat, qLng, jitter, teleport }
}

/** One way of answering "k nearest" that the bench measures. */
interface Contender {
  readonly name: string
  readonly buildMs: number
  readonly bytesPerDriver: number
  /** Heap per memoised origin after one pass of queries (H3 only). */
  readonly cacheBytesPerOrigin?: number
  /** The answer to query i, into `out` (for the exactness check). */
  readonly answer: (out: Neighbors, i: number) => void
  /** Query i, as cheaply as the approach allows (what is timed). */
  readonly query: (i: number) => void
  readonly move?: (id: string, lat: number, lng: number) => void
  /** Queries per timed run: ~100 ms whatever the approach. */
  readonly queriesPerRun: number
}

/** Brute force: one pass over every driver, keeping the k best (the exhaustive floor). */
const scanInto = (ids: ReadonlyArray<string>, lat: Float64Array, lng: Float64Array, out: Neighbors, qLat: number, qLng: number): void => {
  out.reset(K)
  for (let i = 0; i < lat.length; i++) {
    const d = distanceMeters(qLat, qLng, lat[i]!, lng[i]!)
    if (d <= PICKUP_RADIUS_METERS && out.admits(d, ids[i]!)) out.offer(d, ids[i]!, lat[i]!, lng[i]!)
  }
}

const heapBytes = (): number => {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/** Builds a contender, measuring build time and the heap it adds. */
const measured = <T>(build: () => T): { readonly value: T; readonly ms: number; readonly bytes: number } => {
  const before = heapBytes()
  const start = performance.now()
  const value = build()
  const ms = performance.now() - start
  return { value, ms, bytes: heapBytes() - before }
}

const scanContender = (f: Fixture): Contender => {
  const out = new Neighbors()
  return {
    name: "brute-force scan",
    buildMs: 0,
    bytesPerDriver: 16,
    answer: (o, i) => scanInto(f.ids, f.lat, f.lng, o, f.qLat[i]!, f.qLng[i]!),
    query: (i) => scanInto(f.ids, f.lat, f.lng, out, f.qLat[i]!, f.qLng[i]!),
    queriesPerRun: Math.max(20, Math.round(3e6 / f.n))
  }
}

/** rbush items in an equirectangular plane (x = lng·cos φ0), so that knn ranks almost as haversine does. */
interface Item { minX: number; minY: number; maxX: number; maxY: number; readonly id: string }
const COS_LAT0 = Math.cos(((SF_CITY_BOX.south + SF_CITY_BOX.north) / 2) * (Math.PI / 180))
/** The pickup radius in the plane's units (degrees of latitude). */
const RADIUS_DEG = PICKUP_RADIUS_METERS / 111_195

const rbushContender = (f: Fixture): Contender => {
  const { value: rbush, ms, bytes } = measured(() => {
    const tree = new RBush<Item>()
    const byId = new Map<string, Item>()
    const items = f.ids.map((id, i) => ({ minX: f.lng[i]! * COS_LAT0, minY: f.lat[i]!, maxX: f.lng[i]! * COS_LAT0, maxY: f.lat[i]!, id }))
    for (const item of items) byId.set(item.id, item)
    tree.load(items)
    return { tree, byId }
  })
  const nearest = (i: number) => knn(rbush.tree, f.qLng[i]! * COS_LAT0, f.qLat[i]!, K, undefined, RADIUS_DEG)
  return {
    name: "rbush + rbush-knn",
    buildMs: ms,
    bytesPerDriver: bytes / f.n,
    answer: (o, i) => {
      o.reset(K)
      for (const item of nearest(i)) {
        const lat = item.minY, lng = item.minX / COS_LAT0
        o.offer(distanceMeters(f.qLat[i]!, f.qLng[i]!, lat, lng), item.id, lat, lng)
      }
    },
    query: nearest,
    // A move is remove + insert; finding the item by id is part of it, as for the H3 index.
    move: (id, lat, lng) => {
      const item = rbush.byId.get(id)!
      rbush.tree.remove(item)
      item.minX = item.maxX = lng * COS_LAT0
      item.minY = item.maxY = lat
      rbush.tree.insert(item)
    },
    queriesPerRun: QUERIES
  }
}

const h3Contender = (f: Fixture, resolution: number): Contender => {
  const { value: index, ms, bytes } = measured(() => {
    const index = H3DriverIndex.forMarket(SF_CITY_MARKET, resolution)
    for (let i = 0; i < f.n; i++) index.upsert(f.ids[i]!, f.lat[i]!, f.lng[i]!, "available")
    return index
  })
  const out = new Neighbors()
  const query = (i: number) => index.nearestInto(out, f.qLat[i]!, f.qLng[i]!, K, PICKUP_RADIUS_METERS)
  // One pass of queries memoises the origins' rings: measure what that costs.
  const before = heapBytes()
  for (let i = 0; i < QUERIES; i++) query(i)
  const cacheBytes = heapBytes() - before
  return {
    name: `H3 res ${resolution}`,
    buildMs: ms,
    bytesPerDriver: bytes / f.n,
    cacheBytesPerOrigin: cacheBytes / Math.max(1, index.cacheStats.origins),
    answer: (o, i) => index.nearestInto(o, f.qLat[i]!, f.qLng[i]!, K, PICKUP_RADIUS_METERS),
    query,
    move: (id, lat, lng) => index.move(id, lat, lng),
    queriesPerRun: QUERIES
  }
}

/** The answers of a contender to the first EXACTNESS_SAMPLE queries, comparable as strings. */
const answers = (contender: Contender): Array<string> => {
  const out = new Neighbors()
  return Array.from({ length: EXACTNESS_SAMPLE }, (_, i) => {
    contender.answer(out, i)
    return JSON.stringify(out.toArray())
  })
}

/** Share of each contender's sampled answers (ids and distances) equal to the reference's. */
const agreement = (reference: Contender, contenders: ReadonlyArray<Contender>): Array<number> => {
  const expected = answers(reference)
  return contenders.map((c) => answers(c).filter((a, i) => a === expected[i]).length / EXACTNESS_SAMPLE)
}

const queryRates = (contenders: ReadonlyArray<Contender>): Array<number> =>
  interleavedOpsPerSecond(contenders.map((c) => ({
    ops: c.queriesPerRun,
    run: () => {
      for (let i = 0; i < c.queriesPerRun; i++) c.query(i % QUERIES)
    }
  })))

/**
 * Jitter and teleport rates of the movable contenders. Each keeps its own copy of the positions
 * and replays the same schedule, so all end in the same state; the scan's arrays are moved too,
 * so that it stays the reference after the moves.
 */
const moveRates = (f: Fixture, movable: ReadonlyArray<Contender>): { jitter: Array<number>; teleport: Array<number> } => {
  const { jitter: j, teleport: t } = f
  const jitter = interleavedOpsPerSecond(movable.map((c) => {
    const lat = f.lat.slice(), lng = f.lng.slice()
    const move = c.move!
    return {
      ops: JITTER_MOVES,
      run: () => {
        for (let i = 0; i < JITTER_MOVES; i++) {
          const d = j.driver[i]!
          move(f.ids[d]!, (lat[d]! += j.dLat[i]!), (lng[d]! += j.dLng[i]!))
        }
      }
    }
  }))
  const teleport = interleavedOpsPerSecond(movable.map((c) => {
    const move = c.move!
    return {
      ops: TELEPORTS,
      run: () => {
        for (let i = 0; i < TELEPORTS; i++) move(f.ids[t.driver[i]!]!, t.lat[i]!, t.lng[i]!)
      }
    }
  }))
  // The same schedule (warm-up + RUNS rounds of each) applied to the fixture's own arrays.
  for (let round = 0; round <= RUNS_OF_SCHEDULE; round++) {
    for (let i = 0; i < JITTER_MOVES; i++) {
      f.lat[j.driver[i]!]! += j.dLat[i]!
      f.lng[j.driver[i]!]! += j.dLng[i]!
    }
  }
  for (let i = 0; i < TELEPORTS; i++) {
    f.lat[t.driver[i]!] = t.lat[i]!
    f.lng[t.driver[i]!] = t.lng[i]!
  }
  return { jitter, teleport }
}

/** Timed runs per schedule in `interleavedOpsPerSecond` besides the warm-up (fixtures.ts RUNS). */
const RUNS_OF_SCHEDULE = 5

export interface IndexRow {
  readonly n: number
  readonly name: string
  readonly queries: number
  readonly queriesAfterMoves: number
  readonly jitter: number | undefined
  readonly teleport: number | undefined
  readonly buildMs: number
  readonly bytesPerDriver: number
  readonly cacheBytesPerOrigin: number | undefined
  readonly exact: string
}

export interface IndexRatio {
  readonly n: number
  readonly resolution: number
  readonly query: number
  readonly queryAfterMoves: number
  readonly jitter: number
  readonly teleport: number
}

const benchSize = (n: number): { rows: Array<IndexRow>; ratio: IndexRatio } => {
  const f = makeFixture(n)
  const scan = scanContender(f)
  const rbush = rbushContender(f)
  const h3 = RESOLUTIONS.map((r) => h3Contender(f, r))
  const all = [scan, rbush, ...h3]
  const movable = [rbush, ...h3]
  const exactBefore = agreement(scan, all)
  const queries = queryRates(all)
  const moves = moveRates(f, movable)
  const queriesAfterMoves = queryRates(all)
  const exactAfter = agreement(scan, all)
  const rows = all.map((c, i): IndexRow => {
    const m = movable.indexOf(c)
    return {
      n,
      name: c.name,
      queries: queries[i]!,
      queriesAfterMoves: queriesAfterMoves[i]!,
      jitter: m < 0 ? undefined : moves.jitter[m],
      teleport: m < 0 ? undefined : moves.teleport[m],
      buildMs: c.buildMs,
      bytesPerDriver: c.bytesPerDriver,
      cacheBytesPerOrigin: c.cacheBytesPerOrigin,
      exact: c === scan ? "reference" : `${(exactBefore[i]! * 100).toFixed(1)}% / ${(exactAfter[i]! * 100).toFixed(1)}%${c === rbush ? " (planar)" : ""}`
    }
  })
  const chosen = rows[all.indexOf(h3[RESOLUTIONS.indexOf(resolutionFor(n) as 8 | 9 | 10)]!)]!
  const base = rows[all.indexOf(rbush)]!
  return {
    rows,
    ratio: {
      n,
      resolution: resolutionFor(n),
      query: chosen.queries / base.queries,
      queryAfterMoves: chosen.queriesAfterMoves / base.queriesAfterMoves,
      jitter: chosen.jitter! / base.jitter!,
      teleport: chosen.teleport! / base.teleport!
    }
  }
}

/** Positions as typed arrays or as objects: the gather a bucket scan does, measured alone. */
const layoutComparison = (): { typed: number; objects: number } => {
  const n = 200_000, reads = 2_000_000
  const random = seededRandom(7)
  const lat = new Float64Array(n), lng = new Float64Array(n)
  const objects: Array<{ lat: number; lng: number }> = []
  for (let i = 0; i < n; i++) {
    const p = randomPoint(random)
    lat[i] = p.lat
    lng[i] = p.lng
    objects.push(p)
  }
  const order = Int32Array.from({ length: reads }, () => Math.floor(random() * n))
  let sink = 0
  const [typed, objectRate] = interleavedOpsPerSecond([
    { ops: reads, run: () => { for (let i = 0; i < reads; i++) sink += distanceMeters(37.77, -122.42, lat[order[i]!]!, lng[order[i]!]!) } },
    { ops: reads, run: () => { for (let i = 0; i < reads; i++) { const p = objects[order[i]!]!; sink += distanceMeters(37.77, -122.42, p.lat, p.lng) } } }
  ])
  if (sink === 0) console.log("")
  return { typed: typed!, objects: objectRate! }
}

export interface IndexSummary {
  readonly rows: ReadonlyArray<IndexRow>
  readonly ratios: ReadonlyArray<IndexRatio>
}

const rate = (r: number | undefined) => (r === undefined ? "-" : si(r))

export const runIndexBench = (): IndexSummary => {
  const rows: Array<IndexRow> = []
  const ratios: Array<IndexRatio> = []
  for (const n of DRIVER_COUNTS) {
    const result = benchSize(n)
    rows.push(...result.rows)
    ratios.push(result.ratio)
  }
  printTable(
    `Driver index: k=${K} within ${PICKUP_RADIUS_METERS} m, drivers uniform in the SF city box (172 km²); medians of 5 interleaved runs after a warm-up`,
    ["drivers", "approach", "queries/s", "after moves", "jitter moves/s", "teleports/s", "build ms", "heap B/driver", "heap B/origin", "same as brute force (before / after moves)"],
    rows.map((r) => [
      si(r.n), r.name, si(r.queries), si(r.queriesAfterMoves), rate(r.jitter), rate(r.teleport),
      r.buildMs.toFixed(0), r.bytesPerDriver.toFixed(0), r.cacheBytesPerOrigin === undefined ? "-" : r.cacheBytesPerOrigin.toFixed(0), r.exact
    ])
  )
  printTable(
    "H3 (resolution by density) ÷ rbush; targets at 50k and 200k: queries >= 1.0x, moves >= 1.5x",
    ["drivers", "H3 res", "queries", "queries after moves", "jitter moves", "teleports"],
    ratios.map((r) => [si(r.n), String(r.resolution), `${r.query.toFixed(2)}x`, `${r.queryAfterMoves.toFixed(2)}x`, `${r.jitter.toFixed(2)}x`, `${r.teleport.toFixed(2)}x`])
  )
  const layout = layoutComparison()
  printTable("Position layout: haversine at random slots of 200k positions", ["layout", "reads/s"], [
    ["Float64Array lat + lng", si(layout.typed)],
    ["Array<{lat, lng}>", si(layout.objects)]
  ])
  return { rows, ratios }
}

/** Only the H3 query loop, a few seconds, for `--cpu-prof`. */
const profileQueries = (n: number): void => {
  const f = makeFixture(n)
  const index = H3DriverIndex.forMarket(SF_CITY_MARKET, resolutionFor(n))
  for (let i = 0; i < f.n; i++) index.upsert(f.ids[i]!, f.lat[i]!, f.lng[i]!, "available")
  const out = new Neighbors()
  const rateOf = opsPerSecond(QUERIES, () => {
    for (let i = 0; i < QUERIES; i++) index.nearestInto(out, f.qLat[i]!, f.qLng[i]!, K, PICKUP_RADIUS_METERS)
  })
  const until = performance.now() + 4_000
  while (performance.now() < until) for (let i = 0; i < QUERIES; i++) index.nearestInto(out, f.qLat[i]!, f.qLng[i]!, K, PICKUP_RADIUS_METERS)
  console.log(`H3 res ${resolutionFor(n)}, ${si(n)} drivers: ${si(rateOf)} queries/s`)
}

if (import.meta.main) {
  const drivers = process.argv.find((a) => a.startsWith("--drivers="))
  if (process.argv.includes("--profile")) profileQueries(drivers === undefined ? 50_000 : Number(drivers.slice("--drivers=".length)))
  else runIndexBench()
}
