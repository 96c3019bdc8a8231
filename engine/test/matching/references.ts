/**
 * Test references for the policies, written the slow obvious way: brute-force greedy (scan every
 * driver), the brute-force optimum (try every assignment), the objective both are judged by,
 * scenario generators, and ETA models (the default one, a deliberately non-monotone one, and the
 * SF road model).
 *
 * Objective, lexicographic: more matched orders is better; among equal counts, lower total
 * pickup ETA is better. It equals total ETA + P × unmatched for any P above the largest possible
 * total ETA, which is how docs/matching.md states it.
 */
import { Effect } from "effect"
import fc from "fast-check"
import { distanceMeters, type LatLng } from "../../src/domain/geo.ts"
import type { DriverRecord } from "../../src/index/driver-index.ts"
import type { Eta } from "../../src/eta/eta.ts"
import { DEFAULT_ETA_PARAMETERS, GreatCircleEta } from "../../src/eta/great-circle-eta.ts"
import { RoadEta } from "../../src/eta/road-eta.ts"
import { loadMarketCatalog, SHIPPED_MARKET_FILES } from "../../src/domain/market-files.ts"
import { sfNetwork } from "../roads/fixtures.ts"
import type { Decision, OrderRequest } from "../../src/matching/types.ts"
import { uniformPoint } from "../index/arbitraries.ts"

export const greatCircle: Eta = new GreatCircleEta(DEFAULT_ETA_PARAMETERS, "America/Los_Angeles")

/**
 * Not monotone in distance: a bump of up to 300 s that depends on where the driver is (think of
 * a river between). `minEta` is distance at 20 m/s, a true lower bound.
 */
export const bumpy: Eta = {
  eta: (from, to) => distanceMeters(from.lat, from.lng, to.lat, to.lng) / 20 + 300 * Math.abs(Math.sin(from.lat * 7e4 + from.lng * 3e4)),
  minEta: (d) => d / 20
}

let road: Eta | undefined
/**
 * The road model of the shipped SF market on its shipped graph (loaded on first use): ETAs that
 * are neither monotone in distance nor symmetric, with one-way streets and a ring bound.
 */
export const roadEta = (): Eta => (road ??= RoadEta.forMarket(Effect.runSync(loadMarketCatalog(SHIPPED_MARKET_FILES)).get("sf")!, sfNetwork()))

export const NOW = Date.UTC(2008, 4, 20, 17)

export interface Pair {
  readonly orderId: string
  readonly driverId: string
  readonly etaSeconds: number
}

/** Sequential greedy over a plain driver list: best ETA within radius, ties by driver id. */
export const bruteForceGreedy = (
  orders: ReadonlyArray<OrderRequest>,
  drivers: ReadonlyArray<DriverRecord>,
  model: Eta,
  now: number,
  radius: number
): Array<Pair> => {
  const taken = new Set<string>()
  const pairs: Array<Pair> = []
  for (const order of orders) {
    let best: Pair | undefined
    for (const d of drivers) {
      if (d.status !== "available" || taken.has(d.driverId)) continue
      if (distanceMeters(order.pickup.lat, order.pickup.lng, d.lat, d.lng) > radius) continue
      const eta = model.eta(d, order.pickup, now)
      if (best === undefined || eta < best.etaSeconds || (eta === best.etaSeconds && d.driverId < best.driverId)) {
        best = { orderId: order.orderId, driverId: d.driverId, etaSeconds: eta }
      }
    }
    if (best !== undefined) {
      taken.add(best.driverId)
      pairs.push(best)
    }
  }
  return pairs
}

export interface Score {
  readonly matched: number
  readonly totalEta: number
}

export const scoreOf = (decisions: ReadonlyArray<Decision | Pair>): Score => {
  let matched = 0, totalEta = 0
  for (const d of decisions) {
    if ("_tag" in d && d._tag === "Unmatched") continue
    matched++
    totalEta += d.etaSeconds
  }
  return { matched, totalEta }
}

/** Every assignment of orders to distinct available drivers in range (or to none): the best score. */
export const bruteForceOptimum = (
  orders: ReadonlyArray<OrderRequest>,
  drivers: ReadonlyArray<DriverRecord>,
  model: Eta,
  now: number,
  radius: number
): Score => {
  const available = drivers.filter((d) => d.status === "available")
  const eta = orders.map((o) =>
    available.map((d) => (distanceMeters(o.pickup.lat, o.pickup.lng, d.lat, d.lng) <= radius ? model.eta(d, o.pickup, now) : Number.NaN))
  )
  const used = available.map(() => false)
  let best: Score = { matched: 0, totalEta: 0 }
  const visit = (o: number, matched: number, total: number): void => {
    if (o === orders.length) {
      if (better({ matched, totalEta: total }, best)) best = { matched, totalEta: total }
      return
    }
    visit(o + 1, matched, total)
    eta[o]!.forEach((e, d) => {
      if (Number.isNaN(e) || used[d]) return
      used[d] = true
      visit(o + 1, matched + 1, total + e)
      used[d] = false
    })
  }
  visit(0, 0, 0)
  return best
}

/** Lexicographic: more matches, then less total ETA. */
export const better = (a: Score, b: Score): boolean =>
  a.matched > b.matched || (a.matched === b.matched && a.totalEta < b.totalEta)

/** `a` no worse than `b`, allowing `tolerance` seconds of total ETA (solver rounding). */
export const noWorse = (a: Score, b: Score, tolerance: number): boolean =>
  a.matched > b.matched || (a.matched === b.matched && a.totalEta <= b.totalEta + tolerance)

export const driversArbitrary = (min: number, max: number): fc.Arbitrary<Array<DriverRecord>> =>
  fc.array(
    fc.record({
      position: fc.oneof({ weight: 4, arbitrary: uniformPoint }, { weight: 1, arbitrary: fc.constant<LatLng>({ lat: 37.777, lng: -122.42 }) }),
      status: fc.constantFrom("available", "available", "available", "busy", "offline")
    }),
    { minLength: min, maxLength: max, size: "max" }
  ).map((ds) => ds.map((d, i) => ({ driverId: `d${String(i).padStart(3, "0")}`, lat: d.position.lat, lng: d.position.lng, status: d.status })))

export const ordersArbitrary = (min: number, max: number): fc.Arbitrary<Array<OrderRequest>> =>
  fc.array(uniformPoint, { minLength: min, maxLength: max, size: "max" }).map((ps) =>
    ps.map((pickup, i) => ({ orderId: `o${i}`, pickup, requestedAt: NOW, maxWaitMs: 60_000 }))
  )

/** Radii from tight (many orders without supply) to the whole test box. */
export const radiusArbitrary = fc.constantFrom(300, 800, 1500, 5000)
