/**
 * Dispatch quality of batch against greedy on synthetic snapshots of the real SF evening:
 * orders placed at real pickup points and idle drivers at real drop-off points (where cabs
 * become free) of the simulator's SF sample, inside the city box. For supply/demand ratios
 * 0.5 .. 3, the same orders and drivers go to greedy (orders in a random arrival order, each
 * taking the best-ETA driver at once) and to one batch window; mean pickup ETA of the matched
 * orders and match rate, averaged over seeds. Then the candidates sweep behind
 * `DEFAULT_INITIAL_CANDIDATES`: with the dual test (lists grow where it fails) the answer is the
 * same for every k and only the work changes; with lists fixed at k (cap = k, no growth, only
 * greedy's picks added) quality is lost where supply is tight.
 *
 * Run alone: node_modules/.bin/node engine/bench/quality.bench.ts
 */
import type { LatLng } from "../src/domain/geo.ts"
import { H3DriverIndex } from "../src/index/h3-driver-index.ts"
import { GreatCircleEta } from "../src/eta/great-circle-eta.ts"
import { DEFAULT_CANDIDATES_PER_ORDER, DEFAULT_INITIAL_CANDIDATES, solveWindow } from "../src/matching/batch.ts"
import { greedy } from "../src/matching/greedy.ts"
import type { Decision, OrderRequest } from "../src/matching/types.ts"
import { EVENING, loadTrips, PICKUP_RADIUS_METERS, printTable, seededRandom, SF_CITY_MARKET } from "./fixtures.ts"

/** Orders per snapshot: about 9 minutes of the sample evening's demand in one window. */
const ORDERS = 200
const RATIOS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3] as const
const SEEDS = 10
/** Initial candidates per order; `undefined`: solveWindow's default (8, or the cap where supply is scarce). */
const CANDIDATE_SWEEP = [1, 2, 4, 8, 16, 32, 100, undefined] as const

export interface QualityRow {
  readonly ratio: number
  readonly greedy: { readonly matchRate: number; readonly meanEta: number }
  readonly batch: { readonly matchRate: number; readonly meanEta: number }
  /** Batch mean ETA relative to greedy's: -0.2 is 20% lower. */
  readonly etaChange: number
}

const pick = <T>(from: ReadonlyArray<T>, count: number, random: () => number): Array<T> =>
  Array.from({ length: count }, () => from[Math.floor(random() * from.length)]!)

const score = (decisions: ReadonlyArray<Decision>, orders: number) => {
  const etas = decisions.flatMap((d) => (d._tag === "Matched" ? [d.etaSeconds] : []))
  return { matched: etas.length / orders, etaSum: etas.reduce((a, b) => a + b, 0), count: etas.length }
}

interface Snapshot {
  readonly orders: Array<OrderRequest>
  readonly drivers: Array<{ driverId: string; lat: number; lng: number; status: "available" }>
}

const snapshot = (pickups: ReadonlyArray<LatLng>, dropoffs: ReadonlyArray<LatLng>, drivers: number, seed: number): Snapshot => {
  const random = seededRandom(seed)
  return {
    orders: pick(pickups, ORDERS, random).map((pickup, i) => ({ orderId: `o${i}`, pickup, requestedAt: EVENING, maxWaitMs: 120_000 })),
    drivers: pick(dropoffs, drivers, random).map((p, i) => ({ driverId: `d${i}`, lat: p.lat, lng: p.lng, status: "available" as const }))
  }
}

export const runQualityBench = (): Array<QualityRow> => {
  const trips = loadTrips()
  const pickups = trips.map((t) => t.pickup), dropoffs = trips.map((t) => t.dropoff)
  const model = GreatCircleEta.forMarket(SF_CITY_MARKET)
  const index = H3DriverIndex.forMarket(SF_CITY_MARKET)
  const runBoth = (s: Snapshot, candidatesPerOrder: number, initialCandidates: number | undefined) => {
    index.restore({ drivers: s.drivers })
    const g = score(s.orders.map((o) => greedy(o, index, model, EVENING, { maxRadiusMeters: PICKUP_RADIUS_METERS })), ORDERS)
    index.restore({ drivers: s.drivers })
    const started = performance.now()
    const window = solveWindow(s.orders, index, model, EVENING, { maxRadiusMeters: PICKUP_RADIUS_METERS, candidatesPerOrder, initialCandidates })
    const ms = performance.now() - started
    return { g, b: score(window.decisions, ORDERS), stats: window.stats, ms }
  }
  const rows: Array<QualityRow> = RATIOS.map((ratio) => {
    let gMatched = 0, gEta = 0, gCount = 0, bMatched = 0, bEta = 0, bCount = 0
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { g, b } = runBoth(snapshot(pickups, dropoffs, Math.round(ratio * ORDERS), seed * 1000 + ratio * 100), DEFAULT_CANDIDATES_PER_ORDER, DEFAULT_INITIAL_CANDIDATES)
      gMatched += g.matched, gEta += g.etaSum, gCount += g.count
      bMatched += b.matched, bEta += b.etaSum, bCount += b.count
    }
    const greedyRow = { matchRate: gMatched / SEEDS, meanEta: gEta / gCount }
    const batchRow = { matchRate: bMatched / SEEDS, meanEta: bEta / bCount }
    return { ratio, greedy: greedyRow, batch: batchRow, etaChange: batchRow.meanEta / greedyRow.meanEta - 1 }
  })
  printTable(
    `Batch vs greedy on snapshots of the SF evening (${ORDERS} orders at real pickups, drivers at real drop-offs, city box; mean of ${SEEDS} seeds; ETA at 18:30 PDT)`,
    ["drivers / orders", "greedy match rate", "batch match rate", "greedy mean ETA s", "batch mean ETA s", "batch vs greedy ETA"],
    rows.map((r) => [
      r.ratio.toFixed(2), `${(r.greedy.matchRate * 100).toFixed(1)}%`, `${(r.batch.matchRate * 100).toFixed(1)}%`,
      r.greedy.meanEta.toFixed(0), r.batch.meanEta.toFixed(0), `${(r.etaChange * 100).toFixed(1)}%`
    ])
  )
  const sweep = CANDIDATE_SWEEP.map((k) => {
    const grown = { eta: 0, count: 0, matched: 0, rounds: 0, edges: 0, ms: 0 }
    const fixed = { eta: 0, count: 0, matched: 0 }
    for (let seed = 1; seed <= SEEDS; seed++) {
      const s = snapshot(pickups, dropoffs, ORDERS, seed * 1000 + 100)
      const a = runBoth(s, DEFAULT_CANDIDATES_PER_ORDER, k)
      grown.eta += a.b.etaSum, grown.count += a.b.count, grown.matched += a.b.matched
      grown.rounds += a.stats.rounds, grown.edges += a.stats.edges, grown.ms += a.ms
      const f = runBoth(s, k ?? DEFAULT_CANDIDATES_PER_ORDER, k ?? DEFAULT_CANDIDATES_PER_ORDER)
      fixed.eta += f.b.etaSum, fixed.count += f.b.count, fixed.matched += f.b.matched
    }
    const rate = (m: number) => `${((m / SEEDS) * 100).toFixed(1)}%`
    return [
      k === undefined ? "default" : String(k), rate(fixed.matched), (fixed.eta / fixed.count).toFixed(1),
      rate(grown.matched), (grown.eta / grown.count).toFixed(1), (grown.rounds / SEEDS).toFixed(1), (grown.edges / SEEDS / ORDERS).toFixed(1), (grown.ms / SEEDS).toFixed(2)
    ]
  })
  printTable(
    `Candidates per order k, supply = demand (${ORDERS} orders, ${ORDERS} drivers; mean of ${SEEDS} seeds)`,
    ["k", "fixed at k: match rate", "fixed at k: mean ETA s", "k, grown by the dual test: match rate", "grown: mean ETA s", "grown: rounds", "grown: edges/order", "grown: solveWindow ms"],
    sweep
  )
  return rows
}

if (import.meta.main) runQualityBench()
