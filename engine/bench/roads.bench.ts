/**
 * The router and the road ETA model on the shipped SF graph (issue 14, "Performance"), each
 * against a plain Dijkstra in the same run:
 *
 * 1. memory of the graph, snap index and hub labels (heap + array buffers, after a GC, before
 *    and after the load), and the load time from the label cache and without it;
 * 2. point-to-point: random pairs of snapped points, hub labels against a Dijkstra from the
 *    source's seeds that stops once the target's seeds are settled;
 * 3. one-to-many: a pickup to the drivers the engine's candidate search ranks for it in a
 *    20k-driver market (uniform in the SF city box; k = 1 as greedy asks, and k = 8 proving the
 *    best, a batch window's first list), hub labels against one backward Dijkstra from the
 *    pickup that stops once every candidate's seeds are settled (it stops early: the candidates
 *    are near, so the ball it searches is small);
 * 4. batch windows of 500 orders against 20k drivers with road ETAs: `solveWindow` p50 / p99.
 *
 * Contenders alternate, rates per CPU second of this process (`cpuRates`), so load from other
 * work on the shared machine hits both alike: compare the ratios.
 *
 * Run: node_modules/.bin/node engine/bench/roads.bench.ts [--quick] [--only p2p,one-to-many,batch]
 */
import { Effect } from "effect"
import { loadavg } from "node:os"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import type { LatLng } from "../src/domain/geo.ts"
import { loadMarketCatalog, SHIPPED_MARKET_FILES } from "../src/domain/market-files.ts"
import type { Eta } from "../src/eta/eta.ts"
import { RoadEta } from "../src/eta/road-eta.ts"
import { H3DriverIndex } from "../src/index/h3-driver-index.ts"
import { DEFAULT_CANDIDATES_PER_ORDER, solveWindow } from "../src/matching/batch.ts"
import { searchCandidates } from "../src/matching/candidates.ts"
import type { OrderRequest } from "../src/matching/types.ts"
import { RoadPoint } from "../src/roads/edge-snap.ts"
import { MinHeap } from "../src/roads/min-heap.ts"
import { loadRoadNetwork, type RoadNetwork } from "../src/roads/road-network.ts"
import type { RoadGraph } from "../src/roads/road-graph.ts"
import { Router, Seeds } from "../src/roads/router.ts"
import { EVENING, median, percentile, PICKUP_RADIUS_METERS, printTable, randomPoint, seededRandom, SF_CITY_MARKET, si, timeEach } from "./fixtures.ts"

const QUICK = process.argv.includes("--quick")
/** `--only p2p,one-to-many,batch`: those sections only (the memory and load section always runs). */
const ONLY = ((i) => (i < 0 ? undefined : new Set((process.argv[i + 1] ?? "").split(","))))(process.argv.indexOf("--only"))
const runs = (section: string) => ONLY === undefined || ONLY.has(section)
const DRIVERS = 20_000
const PAIRS = QUICK ? 500 : 2_000
const PICKUPS = QUICK ? 100 : 300
const WINDOWS = QUICK ? 5 : 20
const WARM_UP_WINDOWS = 3
const ORDERS_PER_WINDOW = 500

setFlagsFromString("--expose-gc")
const gc = runInNewContext("gc") as () => void
const heldBytes = () => {
  gc()
  gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

const sf = Effect.runSync(loadMarketCatalog(SHIPPED_MARKET_FILES)).get("sf")!

/** Rounds of `cpuRates`, after a warm-up round. */
const ROUNDS = 7

/**
 * Operations per CPU second of this process (user + system, `process.cpuUsage`) of each
 * contender: a warm-up round, then ROUNDS rounds of one run each in alternation, medians. On a
 * machine shared with a dozen other processes, wall time mostly measures the waits for a core;
 * CPU time leaves them out (what is left of the load is caches shared with the others, which
 * alternation spreads over all contenders alike).
 */
const cpuRates = (contenders: ReadonlyArray<{ readonly ops: number; readonly run: () => void }>): Array<number> => {
  for (const c of contenders) c.run()
  const rates = contenders.map((): Array<number> => [])
  for (let r = 0; r < ROUNDS; r++) {
    contenders.forEach((c, i) => {
      const start = process.cpuUsage()
      c.run()
      const used = process.cpuUsage(start)
      rates[i]!.push(c.ops / ((used.user + used.system) / 1e6))
    })
  }
  return rates.map(median)
}

// ---------------------------------------------------------------------------------------------
// Plain Dijkstra (binary heap, lazy deletion), the baseline of every ratio

/**
 * Dijkstra from the seeds `from` over out-arcs (or, `backward`, over in-arcs), until every node
 * of `stopAt` is settled; `dist` is left holding the settled distances.
 */
class PlainDijkstra {
  readonly dist: Float64Array
  readonly #settled: Uint8Array
  readonly #touched: Int32Array
  #touchedCount = 0
  readonly #heap = new MinHeap()
  readonly #graph: RoadGraph
  /** Nodes settled over all runs (the work). */
  settledTotal = 0

  constructor(graph: RoadGraph) {
    this.#graph = graph
    this.dist = new Float64Array(graph.nodeCount).fill(Infinity)
    this.#settled = new Uint8Array(graph.nodeCount)
    this.#touched = new Int32Array(graph.nodeCount)
  }

  run(from: Seeds, backward: boolean, stopAt: Int32Array, stopCount: number): void {
    const g = this.#graph, dist = this.dist, settled = this.#settled, heap = this.#heap
    for (let i = 0; i < this.#touchedCount; i++) {
      const v = this.#touched[i]!
      dist[v] = Infinity
      settled[v] = 0
    }
    this.#touchedCount = 0
    heap.clear()
    for (let i = 0; i < from.count; i++) {
      const v = from.nodes[i]!, c = from.costs[i]!
      if (c < dist[v]!) {
        if (dist[v] === Infinity) this.#touched[this.#touchedCount++] = v
        dist[v] = c
        heap.push(c, v)
      }
    }
    // Mark the nodes to wait for (2: waited for, not yet settled).
    let waiting = 0
    for (let i = 0; i < stopCount; i++) {
      const v = stopAt[i]!
      if (settled[v] === 0) {
        settled[v] = 2
        waiting++
      }
    }
    const start = backward ? g.inStart : g.outStart, arcs = backward ? g.inArc : g.outArc, ends = backward ? g.arcFrom : g.arcTo
    while (heap.size > 0 && waiting > 0) {
      const v = heap.pop()
      const d = heap.lastKey
      if (d > dist[v]! || settled[v] === 1) continue
      if (settled[v] === 2) waiting--
      settled[v] = 1
      this.settledTotal++
      for (let i = start[v]!; i < start[v + 1]!; i++) {
        const a = arcs[i]!, x = ends[a]!
        const nd = d + g.arcMs[a]!
        if (nd < dist[x]!) {
          if (dist[x] === Infinity) this.#touched[this.#touchedCount++] = x
          dist[x] = nd
          heap.push(nd, x)
        }
      }
    }
    // Unreached waited-for nodes must not stay marked.
    for (let i = 0; i < stopCount; i++) if (settled[stopAt[i]!] === 2) settled[stopAt[i]!] = 0
  }
}

/** Point-to-point by Dijkstra: from s's seeds until t's seeds are settled. */
const dijkstraPointToPoint = (router: Router, dijkstra: PlainDijkstra, s: RoadPoint, t: RoadPoint, scratch: { a: Seeds; b: Seeds; stop: Int32Array }): number => {
  const from = router.sourceSeeds(s, scratch.a), to = router.targetSeeds(t, scratch.b)
  for (let i = 0; i < to.count; i++) scratch.stop[i] = to.nodes[i]!
  dijkstra.run(from, false, scratch.stop, to.count)
  let best = router.sameRoadMs(s, t)
  for (let i = 0; i < to.count; i++) best = Math.min(best, dijkstra.dist[to.nodes[i]!]! + to.costs[i]!)
  return best
}

// ---------------------------------------------------------------------------------------------
// 1. Memory and load

const memoryAndLoad = (): RoadNetwork => {
  const before = heldBytes()
  const t0 = performance.now()
  const network = Effect.runSync(loadRoadNetwork(sf.roads!.directory))
  const loadMs = performance.now() - t0
  const loaded = heldBytes()
  // What the engine holds per market on top: its road model (a router, the packed forward
  // labels, the snap memo).
  const model = RoadEta.forMarket(sf, network)
  const after = heldBytes()
  const t1 = performance.now()
  const built = Effect.runSync(loadRoadNetwork(sf.roads!.directory, { cacheDir: null }))
  const builtMs = performance.now() - t1
  const t = network.timings
  printTable(
    `Graph + snap index + hub labels of SF (${network.graph.nodeCount} nodes, ${network.graph.arcCount} arcs): memory and load`,
    ["held after load (heap + array buffers, after GC)", "+ a road model", "arrays alone", "load, labels from " + t.labelsFrom, "of which labels", "load, labels built", "of which labels", "label entries fwd / bwd (mean per node)"],
    [[
      `${((loaded - before) / 1e6).toFixed(1)} MB`,
      `${((after - before) / 1e6).toFixed(1)} MB (model answers ${model.freeFlowSeconds({ lat: 37.7749, lng: -122.4194 }, { lat: 37.7849, lng: -122.4094 }).toFixed(0)} s)`,
      `${(network.byteSize / 1e6).toFixed(1)} MB`,
      `${loadMs.toFixed(0)} ms`,
      `${t.labelsMs.toFixed(0)} ms`,
      `${builtMs.toFixed(0)} ms`,
      `${built.timings.labelsMs.toFixed(0)} ms`,
      `${(network.labels.forwardHub.length / network.graph.nodeCount).toFixed(1)} / ${(network.labels.backwardHub.length / network.graph.nodeCount).toFixed(1)}`
    ]]
  )
  return network
}

// ---------------------------------------------------------------------------------------------
// 2. Point-to-point

const snappedPoints = (network: RoadNetwork, random: () => number, count: number): Array<RoadPoint> => {
  const out: Array<RoadPoint> = []
  while (out.length < count) {
    const p = randomPoint(random), r = new RoadPoint()
    if (network.snap.snap(p.lat, p.lng, sf.roads!.maxSnapMeters, r)) out.push(r)
  }
  return out
}

const pointToPoint = (network: RoadNetwork, road: RoadEta) => {
  const router = road.router, dijkstra = new PlainDijkstra(network.graph)
  const points = snappedPoints(network, seededRandom(1), 2 * PAIRS)
  const scratch = { a: new Seeds(), b: new Seeds(), stop: new Int32Array(2) }
  // Same answers, or the race means nothing.
  for (let i = 0; i < 100; i++) {
    const s = points[2 * i]!, t = points[2 * i + 1]!
    const a = router.travelMs(s, t), b = dijkstraPointToPoint(router, dijkstra, s, t, scratch)
    if (Math.abs(a - b) > 1e-6) throw new Error(`point-to-point: hub labels ${a} ms, Dijkstra ${b} ms`)
  }
  const dijkstraPairs = Math.min(PAIRS, 300)
  let sink = 0
  const [labels, plain] = cpuRates([
    { ops: 20 * PAIRS, run: () => { for (let r = 0; r < 20; r++) for (let i = 0; i < PAIRS; i++) sink += router.travelMs(points[2 * i]!, points[2 * i + 1]!) } },
    { ops: dijkstraPairs, run: () => { for (let i = 0; i < dijkstraPairs; i++) sink += dijkstraPointToPoint(router, dijkstra, points[2 * i]!, points[2 * i + 1]!, scratch) } }
  ])
  if (Number.isNaN(sink)) throw new Error("unreachable")
  printTable(
    `Point-to-point, random snapped pairs in the SF city box (${PAIRS} pairs; Dijkstra on ${dijkstraPairs})`,
    ["approach", "queries/s", "vs Dijkstra", "target"],
    [
      ["hub labels (Router.travelMs)", si(labels!), `${(labels! / plain!).toFixed(1)}×`, `≥ 20k/s and ≥ 20×: ${labels! >= 20_000 && labels! / plain! >= 20 ? "met" : "MISSED"}`],
      ["plain Dijkstra, stops at the target", si(plain!), "1.0×", ""]
    ]
  )
}

// ---------------------------------------------------------------------------------------------
// 3. One-to-many: a pickup to its candidate drivers

/** An `Eta` that records the driver positions the candidate search asks about. */
const recording = (model: Eta, into: Array<LatLng>): Eta => ({
  eta: (from, to, atMs) => {
    into.push({ lat: from.lat, lng: from.lng })
    return model.eta(from, to, atMs)
  },
  minEta: (d, atMs, to) => model.minEta(d, atMs, to)
})

interface Query {
  readonly at: LatLng
  readonly pickup: RoadPoint
  /** The drivers asked about, as the search asked (coordinates) and snapped. */
  readonly asked: Array<LatLng>
  readonly drivers: Array<RoadPoint>
}

const oneToMany = (network: RoadNetwork, road: RoadEta, index: H3DriverIndex, k: number, prove: number) => {
  const router = road.router, random = seededRandom(k * 100 + prove)
  const queries: Array<Query> = []
  let askedOffRoad = 0
  while (queries.length < PICKUPS) {
    const at = randomPoint(random), pickup = new RoadPoint()
    if (!network.snap.snap(at.lat, at.lng, sf.roads!.maxSnapMeters, pickup)) continue
    const seen: Array<LatLng> = []
    searchCandidates(at, index, recording(road, seen), EVENING, k, prove, PICKUP_RADIUS_METERS)
    const asked: Array<LatLng> = [], drivers: Array<RoadPoint> = []
    for (const p of seen) {
      const r = new RoadPoint()
      if (!network.snap.snap(p.lat, p.lng, sf.roads!.maxSnapMeters, r)) {
        askedOffRoad++
        continue
      }
      asked.push(p)
      drivers.push(r)
    }
    queries.push({ at, pickup, asked, drivers })
  }
  const counts = queries.map((q) => q.drivers.length)
  const totalDrivers = counts.reduce((a, b) => a + b, 0)

  const dijkstra = new PlainDijkstra(network.graph)
  const seeds = new Seeds(), driverSeeds = new Seeds()
  let stop = new Int32Array(64)
  const dijkstraQuery = (q: Query, out: Float64Array | undefined) => {
    router.targetSeeds(q.pickup, seeds)
    if (stop.length < 2 * q.drivers.length) stop = new Int32Array(4 * q.drivers.length)
    let n = 0
    for (let j = 0; j < q.drivers.length; j++) {
      router.sourceSeeds(q.drivers[j]!, driverSeeds)
      for (let i = 0; i < driverSeeds.count; i++) stop[n++] = driverSeeds.nodes[i]!
    }
    dijkstra.run(seeds, true, stop, n)
    let sum = 0
    for (let j = 0; j < q.drivers.length; j++) {
      const d = q.drivers[j]!
      router.sourceSeeds(d, driverSeeds)
      let best = router.sameRoadMs(d, q.pickup)
      for (let i = 0; i < driverSeeds.count; i++) best = Math.min(best, driverSeeds.costs[i]! + dijkstra.dist[driverSeeds.nodes[i]!]!)
      if (out !== undefined) out[j] = best
      sum += best
    }
    return sum
  }
  // What the engine runs: the road model's free-flow time per driver (its snap memo warm, as
  // in a running engine where drivers are asked about until they move).
  const modelQuery = (q: Query, out: Float64Array | undefined) => {
    let sum = 0
    for (let j = 0; j < q.asked.length; j++) {
      const ms = road.freeFlowSeconds(q.asked[j]!, q.at) * 1000
      if (out !== undefined) out[j] = ms
      sum += ms
    }
    return sum
  }
  // The router alone, on points snapped beforehand (a router of its own: the model keeps its
  // target loaded in its router between calls).
  const alone = new Router(network.graph, network.labels)
  const routerQuery = (q: Query) => {
    alone.setTarget(q.pickup)
    let sum = 0
    for (let j = 0; j < q.drivers.length; j++) sum += alone.fromMs(q.drivers[j]!)
    return sum
  }
  for (const q of queries.slice(0, 50)) {
    const a = new Float64Array(q.drivers.length), b = new Float64Array(q.drivers.length)
    modelQuery(q, a)
    dijkstraQuery(q, b)
    for (let j = 0; j < a.length; j++) if (Math.abs(a[j]! - b[j]!) > 1e-6) throw new Error(`one-to-many: hub labels ${a[j]} ms, Dijkstra ${b[j]} ms`)
  }
  let sink = 0
  // The label queries are repeated so that each run lasts about as long as the Dijkstra's.
  const REPEAT = QUICK ? 10 : 20
  const settledBefore = dijkstra.settledTotal
  const [model, labels, plain] = cpuRates([
    { ops: REPEAT * queries.length, run: () => { for (let r = 0; r < REPEAT; r++) for (const q of queries) sink += modelQuery(q, undefined) } },
    { ops: REPEAT * queries.length, run: () => { for (let r = 0; r < REPEAT; r++) for (const q of queries) sink += routerQuery(q) } },
    { ops: queries.length, run: () => { for (const q of queries) sink += dijkstraQuery(q, undefined) } }
  ])
  const settledPerQuery = (dijkstra.settledTotal - settledBefore) / (queries.length * (ROUNDS + 1))
  if (Number.isNaN(sink)) throw new Error("unreachable")
  return { k, prove, model: model!, labels: labels!, plain: plain!, driversMean: totalDrivers / queries.length, driversP50: median(counts), driversMax: Math.max(...counts), askedOffRoad, settledPerQuery }
}

// ---------------------------------------------------------------------------------------------
// 4. Batch windows with road ETAs

const batchWindows = (road: RoadEta) => {
  const random = seededRandom(500)
  const index = H3DriverIndex.forMarket(SF_CITY_MARKET)
  const params = { maxRadiusMeters: PICKUP_RADIUS_METERS, candidatesPerOrder: DEFAULT_CANDIDATES_PER_ORDER }
  const samples: Array<number> = [], cpu: Array<number> = []
  let rounds = 0, edges = 0, fetched = 0, proven = 0
  for (let w = 0; w < WINDOWS + WARM_UP_WINDOWS; w++) {
    const orders = Array.from({ length: ORDERS_PER_WINDOW }, (_, i): OrderRequest => ({ orderId: `o${i}`, pickup: randomPoint(random), requestedAt: EVENING, maxWaitMs: 60_000 }))
    const drivers = Array.from({ length: DRIVERS }, (_, i) => ({ driverId: `d${i}`, ...randomPoint(random), status: "available" as const }))
    index.restore({ drivers })
    let stats = undefined as ReturnType<typeof solveWindow>["stats"] | undefined
    const started = process.cpuUsage()
    const ms = timeEach(1, () => {
      stats = solveWindow(orders, index, road, EVENING, params).stats
    })
    const used = process.cpuUsage(started)
    if (w < WARM_UP_WINDOWS) continue
    samples.push(...ms)
    cpu.push((used.user + used.system) / 1000)
    rounds += stats!.rounds
    edges += stats!.edges
    fetched += stats!.fetched
    if (stats!.provenOverAllDrivers) proven++
  }
  const p99 = percentile(samples, 0.99)
  printTable(
    `Batch windows: ${ORDERS_PER_WINDOW} orders against ${DRIVERS} drivers, road ETAs (uniform in the SF city box, ${WINDOWS} windows after ${WARM_UP_WINDOWS} warm-up, each a fresh draw)`,
    ["solveWindow ms p50", "p99", "max", "CPU ms p50 / p99", "rounds", "edges/order", "fetched/order", "proven over all drivers", "target p99 ≤ 50 ms"],
    [[median(samples).toFixed(1), p99.toFixed(1), Math.max(...samples).toFixed(1), `${median(cpu).toFixed(1)} / ${percentile(cpu, 0.99).toFixed(1)}`, (rounds / WINDOWS).toFixed(2), (edges / WINDOWS / ORDERS_PER_WINDOW).toFixed(1), (fetched / WINDOWS / ORDERS_PER_WINDOW).toFixed(1), `${((proven / WINDOWS) * 100).toFixed(0)}%`, p99 <= 50 ? "met" : "MISSED"]]
  )
}

// ---------------------------------------------------------------------------------------------

export const runRoadsBench = (): void => {
  const load = () => loadavg().map((l) => l.toFixed(2)).join(" ")
  console.log(`Roads benchmarks: Node ${process.version}, load average ${load()}`)
  const network = memoryAndLoad()
  const road = RoadEta.forMarket(sf, network)
  if (runs("p2p")) pointToPoint(network, road)
  if (runs("one-to-many")) oneToManyTable(network, road)
  if (runs("batch")) batchWindows(road)
  console.log(`\nload average at the end ${load()}`)
}

const oneToManyTable = (network: RoadNetwork, road: RoadEta) => {
  const index = H3DriverIndex.forMarket(SF_CITY_MARKET)
  const random = seededRandom(20)
  index.restore({ drivers: Array.from({ length: DRIVERS }, (_, i) => ({ driverId: `d${i}`, ...randomPoint(random), status: "available" as const })) })
  const rows = [oneToMany(network, road, index, 1, 1), oneToMany(network, road, index, 8, 1), oneToMany(network, road, index, 8, 8)]
  printTable(
    `One-to-many: a pickup to the drivers the candidate search ranks (${DRIVERS} drivers uniform in the SF city box, ${PICKUPS} pickups; drivers off the roads, answered by great circle, left out)`,
    ["search (k, proving)", "drivers per query mean / p50 / max", "road model queries/s", "ETAs/s", "vs Dijkstra", "router alone queries/s", "vs Dijkstra", "Dijkstra queries/s", "Dijkstra nodes settled per query", "target ≥ 5k/s and ≥ 20×"],
    rows.map((r) => [
      `k ${r.k}, best ${r.prove}`,
      `${r.driversMean.toFixed(1)} / ${r.driversP50} / ${r.driversMax}`,
      si(r.model),
      si(r.model * r.driversMean),
      `${(r.model / r.plain).toFixed(1)}×`,
      si(r.labels),
      `${(r.labels / r.plain).toFixed(1)}×`,
      si(r.plain),
      si(r.settledPerQuery),
      r.model >= 5_000 && r.model / r.plain >= 20 ? "met" : "MISSED"
    ])
  )
}

if (import.meta.main) runRoadsBench()
