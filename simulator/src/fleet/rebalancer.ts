/**
 * The fleet-wide rebalancing of one run (`--reposition-method rebalance`): it remembers the
 * requests the run has seen (recent-demand.ts) and, at each step, reads the fleet as zones and
 * plans which idle drivers to send where (rebalancing.ts). The simulation drives the moves.
 */
import type { LatLng } from "#engine"
import type { SimDriver } from "./driver.ts"
import { planRebalance, type RebalanceMove, type RebalanceSettings, type Zone } from "./rebalancing.ts"
import { RecentDemand } from "./recent-demand.ts"

export class Rebalancer {
  readonly settings: RebalanceSettings
  readonly #demand: RecentDemand

  constructor(settings: RebalanceSettings) {
    this.settings = settings
    this.#demand = new RecentDemand(settings.horizonMs, settings.resolution)
  }

  /** A request the run has just seen. */
  record(at: number, pickup: LatLng): void {
    this.#demand.record(at, pickup)
  }

  /** One step at `now`: the moves of the fleet's idle drivers. */
  step(now: number, drivers: ReadonlyArray<SimDriver>): Array<RebalanceMove> {
    return planRebalance(this.#zones(now, drivers), this.settings.maxMeters)
  }

  /**
   * The zones a step reads, sorted by cell: recent requests; idle drivers where they stand;
   * repositioning drivers where they are headed and riding ones where their ride ends within
   * the interval (MATSim's "soon idle"), as supply that is not moved.
   */
  #zones(now: number, drivers: ReadonlyArray<SimDriver>): Array<Zone> {
    const demand = this.#demand
    const byCell = new Map<string, { demand: number; arriving: number; idle: Array<{ number: number; position: LatLng }> }>()
    const zone = (cell: string) => {
      let z = byCell.get(cell)
      if (z === undefined) byCell.set(cell, z = { demand: 0, arriving: 0, idle: [] })
      return z
    }
    for (const [cell, n] of demand.countsAt(now)) zone(cell).demand = n
    const soon = now + this.settings.intervalMs
    for (const driver of drivers) {
      if (driver.state === "idle") {
        const position = driver.positionAt(now)
        zone(demand.cellOf(position)).idle.push({ number: driver.number, position })
      } else if (driver.state === "repositioning" || (driver.state === "on_trip" && driver.arriveAt <= soon && !driver.logOffWhenFree)) {
        zone(demand.cellOf({ lat: driver.toLat, lng: driver.toLng })).arriving++
      }
    }
    return [...byCell.keys()].sort().map((cell) => {
      const z = byCell.get(cell)!
      return { cell, centre: demand.centreOf(cell), point: demand.pointIn(cell), ...z }
    })
  }
}
