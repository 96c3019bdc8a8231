/**
 * Demand-aware repositioning (`--reposition-method rebalance`): every `intervalMs` the idle
 * fleet is rebalanced over H3 zones toward where recent demand exceeds supply, by a minimum-cost
 * transportation problem: the zone-level method of MATSim DRT's MinCostFlowRebalancingStrategy
 * (Bischoff & Maciejewski, "Proactive empty vehicle rebalancing for Demand Responsive
 * Transport services", Procedia Computer Science 170, 2020) and of AMoDeus's feedforward
 * fluidic rebalancing (Pavone et al., "Robotic load balancing for mobility-on-demand systems",
 * IJRR 31(7), 2012; Ruch et al., "AMoDeus", ITSC 2018).
 *
 * One step, given each zone's requests over the last `horizonMs`, its idle drivers and the
 * drivers soon in it (repositioning toward it, or ending a ride there within the interval):
 *
 *   1. target: the supply S (idle + soon there) shared out in proportion to recent requests,
 *      t_z = S × d_z / D, rounded by largest remainder so that the targets sum to S (MATSim's
 *      "equal vehicles-to-demand ratio"; AMoDeus's fluidic targets). The fleet is spread as
 *      demand is, never asked for drivers it does not have;
 *   2. surplus s_z = min(idle_z, supply_z − t_z) and deficit e_z = t_z − supply_z, where
 *      positive: only idle drivers move, and only out of zones that have more than their share;
 *   3. transportation: ship surplus to deficits, the most units first and then the least total
 *      great-circle distance, over zone pairs no farther apart than `maxMeters`. Solved exactly as
 *      an assignment (each unit of deficit a row, each unit of surplus a column) with the batch
 *      policy's sparse solver (`assignSparse`);
 *   4. each unit shipped from zone a to zone b sends a's idle driver nearest b's target point (a
 *      recent pickup there: on the street grid, where a cell centre may be in the bay), if it is
 *      within `maxMeters` of it.
 *
 * Deterministic: zones come sorted by cell, drivers by number; no randomness.
 */
import { assignSparse, distanceMeters, type LatLng } from "#engine"

export interface RebalanceSettings {
  readonly method: "rebalance"
  /** Time between rebalancing steps, ms. */
  readonly intervalMs: number
  /** Recent demand: requests over this much time before the step, ms. */
  readonly horizonMs: number
  /** H3 resolution of the zones. */
  readonly resolution: number
  /** Farthest a driver is sent (great circle, to its target point), metres. */
  readonly maxMeters: number
}

/** Every 5 minutes, as AMoDeus's default rebalancing period (MATSim DRT's examples use 5-30 min). */
export const DEFAULT_REBALANCE_INTERVAL_MS = 300_000
/** The last 30 minutes of requests: about two rides' time of a driver, recent enough to follow the evening. */
export const DEFAULT_REBALANCE_HORIZON_MS = 1_800_000
/** Zones of H3 resolution 7 (~5 km², ~1.4 km across): a few dozen over SF, each with enough requests to count. */
export const DEFAULT_REBALANCE_RESOLUTION = 7
/**
 * Farthest move: 50 km, so that drivers left where riders go and few are picked up (SFO, 19 km
 * from downtown; the East Bay; the peninsula) are brought back to demand. At 10 or 25 km, a
 * few dozen of 250 drivers stayed stranded for good in a day's replay of the SF record.
 */
export const DEFAULT_REBALANCE_MAX_METERS = 50_000

export const defaultRebalanceSettings: RebalanceSettings = {
  method: "rebalance",
  intervalMs: DEFAULT_REBALANCE_INTERVAL_MS,
  horizonMs: DEFAULT_REBALANCE_HORIZON_MS,
  resolution: DEFAULT_REBALANCE_RESOLUTION,
  maxMeters: DEFAULT_REBALANCE_MAX_METERS
}

export interface IdleDriver {
  /** The driver's number in the fleet. */
  readonly number: number
  readonly position: LatLng
}

/** One zone as a step sees it. */
export interface Zone {
  readonly cell: string
  /** The cell's centre: where its surplus ships from. */
  readonly centre: LatLng
  /** Where a driver sent to the zone goes (a recent pickup in it); undefined with no recent request. */
  readonly point: LatLng | undefined
  /** Requests over the horizon. */
  readonly demand: number
  /** Drivers soon in the zone that cannot be moved now (repositioning toward it, ending a ride in it). */
  readonly arriving: number
  /** Idle drivers in the zone, which may be moved. */
  readonly idle: ReadonlyArray<IdleDriver>
}

export interface RebalanceMove {
  readonly driver: number
  readonly to: LatLng
  /** Great-circle metres from the driver to `to`. */
  readonly meters: number
}

/** Each zone's share of `supply`, in proportion to `demand`, rounded by largest remainder (ties: lower index). */
export const zoneTargets = (demand: ReadonlyArray<number>, supply: number): Array<number> => {
  const total = demand.reduce((a, b) => a + b, 0)
  if (total === 0) return demand.map(() => 0)
  const exact = demand.map((d) => (supply * d) / total)
  const targets = exact.map(Math.floor)
  let left = supply - targets.reduce((a, b) => a + b, 0)
  const byRemainder = exact.map((_, i) => i).sort((i, j) => exact[j]! - targets[j]! - (exact[i]! - targets[i]!) || i - j)
  for (const i of byRemainder) {
    if (left <= 0) break
    targets[i]!++
    left--
  }
  return targets
}

/** One unit shipped, source index to sink index. */
export interface Shipment {
  readonly from: number
  readonly to: number
}

/**
 * The transportation problem: ship `supply[i]` units from sources to `demand[j]` at sinks,
 * over pairs with a defined `cost(i, j)` (undefined: not allowed); the most units, then the
 * least total cost. Returns one shipment per unit, in sink order.
 */
export const transport = (
  supply: ReadonlyArray<number>,
  demand: ReadonlyArray<number>,
  cost: (from: number, to: number) => number | undefined
): Array<Shipment> => {
  const colZone: Array<number> = []
  supply.forEach((s, i) => {
    for (let k = 0; k < s; k++) colZone.push(i)
  })
  const rowZone: Array<number> = []
  demand.forEach((d, j) => {
    for (let k = 0; k < d; k++) rowZone.push(j)
  })
  const rowStart = new Int32Array(rowZone.length + 1)
  const cols: Array<number> = [], costs: Array<number> = []
  // The pair costs once per sink, not once per unit of it.
  let costsOf: Array<number | undefined> = [], costsFor = -1
  rowZone.forEach((j, r) => {
    if (j !== costsFor) {
      costsFor = j
      costsOf = supply.map((_, i) => cost(i, j))
    }
    colZone.forEach((i, c) => {
      const q = costsOf[i]
      if (q !== undefined) {
        cols.push(c)
        costs.push(q)
      }
    })
    rowStart[r + 1] = cols.length
  })
  const { rowToCol } = assignSparse({ rows: rowZone.length, cols: colZone.length, rowStart, edgeCol: Int32Array.from(cols), edgeCost: Float64Array.from(costs) })
  const shipments: Array<Shipment> = []
  rowToCol.forEach((c, r) => {
    if (c >= 0) shipments.push({ from: colZone[c]!, to: rowZone[r]! })
  })
  return shipments
}

/** One rebalancing step over `zones` (sorted by cell): which idle drivers to send where. */
export const planRebalance = (zones: ReadonlyArray<Zone>, maxMeters: number): Array<RebalanceMove> => {
  const supplyOf = zones.map((z) => z.idle.length + z.arriving)
  const targets = zoneTargets(zones.map((z) => z.demand), supplyOf.reduce((a, b) => a + b, 0))
  const surplus = zones.map((z, i) => Math.max(0, Math.min(z.idle.length, supplyOf[i]! - targets[i]!)))
  const deficit = zones.map((_, i) => Math.max(0, targets[i]! - supplyOf[i]!))
  const sources = surplus.flatMap((s, i) => (s > 0 ? [i] : []))
  const sinks = deficit.flatMap((d, j) => (d > 0 ? [j] : []))
  const shipments = transport(sources.map((i) => surplus[i]!), sinks.map((j) => deficit[j]!), (a, b) => {
    const from = zones[sources[a]!]!.centre, to = zones[sinks[b]!]!.point!
    const d = distanceMeters(from.lat, from.lng, to.lat, to.lng)
    return d <= maxMeters ? d : undefined
  })
  const left = zones.map((z) => [...z.idle].sort((a, b) => a.number - b.number))
  const moves: Array<RebalanceMove> = []
  for (const { from, to } of shipments) {
    const drivers = left[sources[from]!]!, point = zones[sinks[to]!]!.point!
    let best = -1, bestMeters = Number.POSITIVE_INFINITY
    drivers.forEach((d, k) => {
      const m = distanceMeters(d.position.lat, d.position.lng, point.lat, point.lng)
      if (m < bestMeters) {
        best = k
        bestMeters = m
      }
    })
    if (best < 0 || bestMeters > maxMeters) continue
    moves.push({ driver: drivers[best]!.number, to: point, meters: bestMeters })
    drivers.splice(best, 1)
  }
  return moves
}
