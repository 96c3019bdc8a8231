/**
 * Which drivers an order may get: its best-ETA candidates from the index, and for a batch
 * window the order–driver candidate graph, in the solver's sparse form.
 *
 * Candidates are ranked by ETA (ties by driver id) but fetched from the index by distance. The
 * search is exact for any `Eta` whose `minEta` is a true lower bound, nondecreasing in distance:
 * it asks for k+1 nearest, and extends the search while `minEta` of the distance every driver
 * has been fetched within could still beat the k-th best ETA, fetching only the drivers newly
 * within (docs/matching.md, "Why candidates are exact").
 * With the great-circle model ETA is monotone in distance and one query suffices; with the road
 * model the rings grow until the top speed's bound passes the k-th best road ETA.
 */
import type { LatLng } from "../domain/geo.ts"
import type { DriverIndex, Neighbors } from "../index/driver-index.ts"
import type { Eta } from "../eta/eta.ts"
import type { SparseCosts } from "./assignment.ts"

export interface Candidate {
  readonly driverId: string
  readonly lat: number
  readonly lng: number
  readonly distanceMeters: number
  readonly etaSeconds: number
}

/** ETA of `found` entry i (the index search's), kept across the rounds of one search (entries keep their index). */
let etas = new Float64Array(64)
/** Indices into `found` of the k best so far, in (ETA, driver id) order. */
let best = new Int32Array(64)
/** The driver's position handed to `eta`: one reused object (models must not keep it). */
const from = { lat: 0, lng: 0 }
/** Bisection steps for the ring radius: 5 km / 2^14 ≈ 0.3 m. */
const RADIUS_STEPS = 14

/** The least a ring grows by (m): drivers all at the pickup (reach 0) must not stall the search. */
const MIN_RING_STEP_METERS = 50

/** Drivers in `best`, and the k of the search under way. */
let held = 0
let searchK = 0

/** ETAs of `found` entries from0 ..< n, each ranked into the k best if it enters. */
const rank = (found: Neighbors, pickup: LatLng, model: Eta, now: number, from0: number, n: number): void => {
  const k = searchK
  if (n > etas.length) {
    const grown = new Float64Array(Math.max(n, etas.length * 2))
    grown.set(etas.subarray(0, from0))
    etas = grown
  }
  const ids = found.driverIds, lats = found.lats, lngs = found.lngs
  for (let i = from0; i < n; i++) {
    from.lat = lats[i]!
    from.lng = lngs[i]!
    const eta = model.eta(from, pickup, now)
    etas[i] = eta
    // Insert i into the k best if it enters: (ETA, driver id) order.
    const id = ids[i]!
    if (held === k) {
      const last = best[k - 1]!
      if (!(eta < etas[last]! || (eta === etas[last]! && id < ids[last]!))) continue
    }
    let j = held < k ? held++ : k - 1
    while (j > 0) {
      const other = best[j - 1]!
      if (etas[other]! < eta || (etas[other] === eta && ids[other]! < id)) break
      best[j] = other
      j--
    }
    best[j] = i
  }
}

/**
 * A radius in (lo, max] beyond which `minEta` exceeds `eta` (max when it never does within
 * max): the ring the search must reach to prove its k-th best.
 */
const radiusWhere = (model: Eta, to: LatLng, now: number, eta: number, lo: number, max: number): number => {
  if (!(model.minEta(max, now, to) > eta)) return max
  let hi = max
  for (let step = 0; step < RADIUS_STEPS; step++) {
    const mid = (lo + hi) / 2
    if (model.minEta(mid, now, to) > eta) hi = mid
    else lo = mid
  }
  return hi
}

/**
 * Candidates of one order: the k best-ETA drivers among those the search ranked, best first,
 * and `floor`, a lower bound of the ETA of every available driver in range left out of the
 * list (+Infinity when none is left out).
 */
export interface CandidateList {
  readonly candidates: Array<Candidate>
  readonly floor: number
}

/**
 * The search behind both policies. First the k+1 nearest, ranked by ETA. Then, while `minEta`
 * at the distance reached does not exceed the `prove`-th best ETA so far, the ring grows to the
 * radius where it would (bisection: `minEta` is nondecreasing in distance), at most doubling,
 * and the drivers newly within are ranked (`NearSearch.extend`: the annulus only). It stops
 * when every driver in range was seen or when the bound at the distance reached exceeds the
 * `prove`-th best: no driver farther can then enter the `prove` best, ties included.
 *
 * With `prove` = k the list is the exact k best (`bestEtaCandidates`). With a smaller `prove`
 * the list is the k best of the drivers within the ring and `floor` says what the rest may
 * cost at least: the batch policy's dual test needs no more (batch.ts), and proving the best
 * one costs a greedy order's search, not the ~6× larger ring of the 8th best.
 *
 * With the great-circle model the first step suffices (ETA is monotone in distance). With the
 * road model, whose bound is well below its ETAs near the pickup, this ranks ~1.1–1.3× the
 * drivers a search knowing the final answer would (docs/roads.md, "Candidate search"); growing
 * straight to the first radius ranked 4–8×, doubling the count asked ~2×.
 */
export const searchCandidates = (
  pickup: LatLng,
  index: DriverIndex,
  model: Eta,
  now: number,
  k: number,
  prove: number,
  maxRadiusMeters: number
): CandidateList => {
  if (k < 1) return { candidates: [], floor: 0 }
  const r = Math.max(1, Math.min(prove, k))
  if (k > best.length) best = new Int32Array(Math.max(k, best.length * 2))
  held = 0
  searchK = k
  // The index hands out the drivers by distance and each only once: the first k+1 nearest
  // (ties at the last distance included), then as the ring grows only those newly within.
  const search = index.near(pickup.lat, pickup.lng, k + 1, maxRadiusMeters)
  const found = search.found
  let n = found.count
  rank(found, pickup, model, now, 0, n)
  // Every driver within `reach` is ranked (every driver in range once it is `maxRadiusMeters`).
  let reach = search.reach
  while (reach < maxRadiusMeters) {
    // Anyone beyond `reach` has an ETA of at least minEta(reach): done when that cannot beat
    // the r-th best.
    const rth = etas[best[r - 1]!]!
    if (model.minEta(reach, now, pickup) > rth) break
    // Where the bound passes the r-th best, but at most twice as far as now: the r-th best
    // usually improves on the way, and the radius with it.
    const radius = Math.min(radiusWhere(model, pickup, now, rth, reach, maxRadiusMeters), Math.max(2 * reach, reach + MIN_RING_STEP_METERS))
    const all = search.extend(radius)
    rank(found, pickup, model, now, n, all)
    n = all
    reach = search.reach
  }
  const candidates: Array<Candidate> = []
  for (let j = 0; j < held; j++) {
    const i = best[j]!
    candidates.push({ driverId: found.driverIds[i]!, lat: found.lats[i]!, lng: found.lngs[i]!, distanceMeters: found.distances[i]!, etaSeconds: etas[i]! })
  }
  // Left out: ranked below the k-th (at least its ETA), or beyond the ring (at least the bound).
  const outside = reach < maxRadiusMeters ? model.minEta(reach, now, pickup) : Infinity
  const ranked = n > held ? candidates[held - 1]!.etaSeconds : Infinity
  return { candidates, floor: Math.min(outside, ranked) }
}

/** The k best-ETA available drivers within `maxRadiusMeters` of the pickup, best first, ties by id. */
export const bestEtaCandidates = (
  pickup: LatLng,
  index: DriverIndex,
  model: Eta,
  now: number,
  k: number,
  maxRadiusMeters: number
): Array<Candidate> => searchCandidates(pickup, index, model, now, k, k, maxRadiusMeters).candidates

/**
 * Order–driver edges of one batch window, handed to the solver in compressed rows. Drivers are
 * numbered in order of first appearance, and keep their number when an order's list is
 * replaced by a longer one, so that a window solved in rounds re-maps only what changed.
 */
export class CandidateGraph {
  readonly driverIds: Array<string> = []
  /** `candidates[o]`: the candidates of order o. */
  readonly candidates: Array<ReadonlyArray<Candidate>>
  /** `drivers[o][i]`: the number of `candidates[o][i]`'s driver. */
  readonly drivers: Array<Int32Array>
  readonly #driverNumber = new Map<string, number>()

  constructor(orders: number) {
    this.candidates = Array.from({ length: orders }, () => [])
    this.drivers = Array.from({ length: orders }, () => new Int32Array(0))
  }

  /** Sets order o's candidates (a list without repeated drivers). */
  setCandidates(o: number, list: ReadonlyArray<Candidate>): void {
    const numbers = new Int32Array(list.length)
    list.forEach((c, i) => {
      let driver = this.#driverNumber.get(c.driverId)
      if (driver === undefined) {
        driver = this.driverIds.length
        this.#driverNumber.set(c.driverId, driver)
        this.driverIds.push(c.driverId)
      }
      numbers[i] = driver
    })
    this.candidates[o] = list
    this.drivers[o] = numbers
  }

  /** Order o's candidate whose driver has number `driver`. */
  candidateOf(o: number, driver: number): Candidate | undefined {
    const i = this.drivers[o]!.indexOf(driver)
    return i < 0 ? undefined : this.candidates[o]![i]
  }

  /** The solver's view: rows = orders, columns = drivers numbered so far, costs = ETA seconds. */
  costs(): SparseCosts {
    let total = 0
    for (const list of this.candidates) total += list.length
    const rows = this.candidates.length
    const rowStart = new Int32Array(rows + 1)
    const edgeCol = new Int32Array(total)
    const edgeCost = new Float64Array(total)
    let e = 0
    for (let o = 0; o < rows; o++) {
      const list = this.candidates[o]!
      edgeCol.set(this.drivers[o]!, e)
      for (let i = 0; i < list.length; i++) edgeCost[e + i] = list[i]!.etaSeconds
      e += list.length
      rowStart[o + 1] = e
    }
    return { rows, cols: this.driverIds.length, rowStart, edgeCol, edgeCost }
  }
}

/** The graph of per-order candidate lists at once. */
export const buildCandidateGraph = (lists: ReadonlyArray<ReadonlyArray<Candidate>>): CandidateGraph => {
  const graph = new CandidateGraph(lists.length)
  lists.forEach((list, o) => graph.setCandidates(o, list))
  return graph
}
