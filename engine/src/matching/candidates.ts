/**
 * Which drivers an order may get: its best-ETA candidates from the index, and for a batch
 * window the order–driver candidate graph, in the solver's sparse form.
 *
 * Candidates are ranked by ETA (ties by driver id) but fetched from the index by distance. The
 * search is exact for any `Eta` whose `minEta` is a true lower bound, nondecreasing in distance:
 * it asks for k+1 nearest, and asks again for twice as many while `minEta` of the farthest one
 * fetched could still beat the k-th best ETA (docs/matching.md, "Why candidates are exact").
 * With the great-circle model ETA is monotone in distance and one query suffices.
 */
import type { LatLng } from "../domain/geo.ts"
import { type DriverIndex, Neighbors } from "../index/driver-index.ts"
import type { Eta } from "../eta/eta.ts"
import type { SparseCosts } from "./assignment.ts"

export interface Candidate {
  readonly driverId: string
  readonly lat: number
  readonly lng: number
  readonly distanceMeters: number
  readonly etaSeconds: number
}

/** ETA order, ties by driver id: the order policies rank by. */
const byEtaThenId = (a: Candidate, b: Candidate): number =>
  a.etaSeconds - b.etaSeconds || (a.driverId < b.driverId ? -1 : a.driverId > b.driverId ? 1 : 0)

const neighbors = new Neighbors()

/** The k best-ETA available drivers within `maxRadiusMeters` of the pickup, best first. */
export const bestEtaCandidates = (
  pickup: LatLng,
  index: DriverIndex,
  model: Eta,
  now: number,
  k: number,
  maxRadiusMeters: number
): Array<Candidate> => {
  if (k < 1) return []
  for (let fetch = k + 1; ; fetch *= 2) {
    const n = index.nearestInto(neighbors, pickup.lat, pickup.lng, fetch, maxRadiusMeters)
    const found: Array<Candidate> = []
    for (let i = 0; i < n; i++) {
      const lat = neighbors.lats[i]!, lng = neighbors.lngs[i]!
      found.push({
        driverId: neighbors.driverIds[i]!,
        lat,
        lng,
        distanceMeters: neighbors.distances[i]!,
        etaSeconds: model.eta({ lat, lng }, pickup, now)
      })
    }
    found.sort(byEtaThenId)
    if (found.length > k) found.length = k
    // Fewer than asked: every driver in range was seen. Otherwise anyone farther has an ETA of
    // at least minEta(farthest fetched); stop once that cannot beat the k-th best.
    if (n < fetch) return found
    if (found.length === k && model.minEta(neighbors.distances[n - 1]!, now) > found[k - 1]!.etaSeconds) return found
  }
}

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
