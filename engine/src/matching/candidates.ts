/**
 * Which drivers an order may get: its best-ETA candidates from the index, and for a batch
 * window the order–driver candidate graph split into connected components.
 *
 * Candidates are ranked by ETA (ties by driver id) but fetched from the index by distance. The
 * search is exact for any `Eta` whose `minEta` is a true lower bound, nondecreasing in distance:
 * it asks for k+1 nearest, and asks again for twice as many while `minEta` of the farthest one
 * fetched could still beat the k-th best ETA (docs/matching.md, "Why candidates are exact").
 * With the great-circle model ETA is monotone in distance and one query suffices.
 */
import type { LatLng } from "../domain/geo.ts"
import { type DriverIndex, Neighbors } from "../index/driver-index.ts"
import type { Eta } from "../eta/eta-model.ts"
import type { OrderRequest } from "./types.ts"

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

/** Order–driver edges of one batch window. Drivers are numbered in order of first appearance. */
export interface CandidateGraph {
  readonly orders: ReadonlyArray<OrderRequest>
  readonly driverIds: ReadonlyArray<string>
  /** `edges[o]`: the candidates of order o, with `driver` its number in `driverIds`. */
  readonly edges: ReadonlyArray<ReadonlyArray<Candidate & { readonly driver: number }>>
}

export const buildCandidateGraph = (
  orders: ReadonlyArray<OrderRequest>,
  index: DriverIndex,
  model: Eta,
  now: number,
  candidatesPerOrder: number,
  maxRadiusMeters: number
): CandidateGraph => {
  const driverNumber = new Map<string, number>()
  const driverIds: Array<string> = []
  const edges = orders.map((order) =>
    bestEtaCandidates(order.pickup, index, model, now, candidatesPerOrder, maxRadiusMeters).map((c) => {
      let driver = driverNumber.get(c.driverId)
      if (driver === undefined) {
        driver = driverIds.length
        driverNumber.set(c.driverId, driver)
        driverIds.push(c.driverId)
      }
      return { driverId: c.driverId, lat: c.lat, lng: c.lng, distanceMeters: c.distanceMeters, etaSeconds: c.etaSeconds, driver }
    })
  )
  return { orders, driverIds, edges }
}

/** A connected component of the candidate graph: order numbers and driver numbers, ascending. */
export interface Component {
  readonly orders: ReadonlyArray<number>
  readonly drivers: ReadonlyArray<number>
}

/**
 * Connected components that hold at least one edge (an order without candidates is in none).
 * Union–find over orders 0..O-1 and drivers O..O+D-1.
 */
export const connectedComponents = (graph: CandidateGraph): Array<Component> => {
  const orderCount = graph.orders.length
  const parent = Int32Array.from({ length: orderCount + graph.driverIds.length }, (_, i) => i)
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!
      x = parent[x]!
    }
    return x
  }
  graph.edges.forEach((edges, o) => {
    for (const e of edges) {
      const a = find(o), b = find(orderCount + e.driver)
      if (a !== b) parent[a] = b
    }
  })
  const byRoot = new Map<number, { orders: Array<number>; drivers: Array<number> }>()
  const componentOf = (x: number) => {
    const root = find(x)
    let c = byRoot.get(root)
    if (c === undefined) {
      c = { orders: [], drivers: [] }
      byRoot.set(root, c)
    }
    return c
  }
  graph.edges.forEach((edges, o) => {
    if (edges.length > 0) componentOf(o).orders.push(o)
  })
  graph.driverIds.forEach((_, d) => componentOf(orderCount + d).drivers.push(d))
  return [...byRoot.values()]
}
