/**
 * The rebalancing step (fleet/rebalancing.ts): targets share the supply out in proportion to
 * demand; the transportation is optimal (against a brute force on small instances); a step
 * moves only idle drivers of zones over their target, no more than the surplus, never farther
 * than the maximum, each at most once, and the same step twice gives the same moves.
 */
import { distanceMeters, type LatLng } from "#engine"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { planRebalance, transport, type Zone, zoneTargets } from "../../src/fleet/rebalancing.ts"

/** Best (most units, then least cost) over every way to ship: each sink unit to a source or none. */
const bruteForce = (supply: ReadonlyArray<number>, demand: ReadonlyArray<number>, cost: (i: number, j: number) => number | undefined) => {
  const sinks = demand.flatMap((d, j) => Array.from({ length: d }, () => j))
  let best = { units: 0, cost: 0 }
  const left = [...supply]
  const go = (k: number, units: number, total: number) => {
    if (k === sinks.length) {
      if (units > best.units || (units === best.units && total < best.cost)) best = { units, cost: total }
      return
    }
    go(k + 1, units, total)
    left.forEach((s, i) => {
      const c = cost(i, sinks[k]!)
      if (s === 0 || c === undefined) return
      left[i]!--
      go(k + 1, units + 1, total + c)
      left[i]!++
    })
  }
  go(0, 0, 0)
  return best
}

const small = fc.record({
  supply: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
  demand: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }),
  costs: fc.array(fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }), { minLength: 9, maxLength: 9 })
})

/** Zones 1.1 km apart on a line near SF, their idle drivers up to ~2 km from the centre (a zone is what the step is told, not geometry). */
const zonesArb = fc.array(
  fc.record({
    demand: fc.integer({ min: 0, max: 12 }),
    arriving: fc.integer({ min: 0, max: 3 }),
    idle: fc.array(fc.tuple(fc.double({ min: -0.015, max: 0.015, noNaN: true }), fc.double({ min: -0.015, max: 0.015, noNaN: true })), { maxLength: 6 })
  }),
  { minLength: 1, maxLength: 8 }
).map((specs) => {
  let number = 0
  return specs.map((spec, k): Zone => {
    const centre: LatLng = { lat: 37.70 + 0.01 * k, lng: -122.42 }
    return {
      cell: `z${k}`,
      centre,
      point: spec.demand > 0 ? { lat: centre.lat + 0.001, lng: centre.lng } : undefined,
      demand: spec.demand,
      arriving: spec.arriving,
      idle: spec.idle.map(([dLat, dLng]) => ({ number: number++, position: { lat: centre.lat + dLat, lng: centre.lng + dLng } }))
    }
  })
})

describe("zoneTargets", () => {
  it("shares the supply out exactly, each zone within one of its proportional share", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 300 }), (demand, supply) => {
      const targets = zoneTargets(demand, supply)
      const total = demand.reduce((a, b) => a + b, 0)
      if (total === 0) {
        expect(targets.every((t) => t === 0)).toBe(true)
        return
      }
      expect(targets.reduce((a, b) => a + b, 0)).toBe(supply)
      targets.forEach((t, i) => expect(Math.abs(t - (supply * demand[i]!) / total)).toBeLessThan(1))
    }))
  })
})

describe("transport", () => {
  it("ships the most units at the least cost, as a brute force does", () => {
    fc.assert(fc.property(small, ({ supply, demand, costs }) => {
      const cost = (i: number, j: number) => costs[i * 3 + j]
      const shipments = transport(supply, demand, cost)
      const best = bruteForce(supply, demand, cost)
      expect(shipments.length).toBe(best.units)
      expect(shipments.reduce((sum, s) => sum + cost(s.from, s.to)!, 0)).toBe(best.cost)
      supply.forEach((s, i) => expect(shipments.filter((x) => x.from === i).length).toBeLessThanOrEqual(s))
      demand.forEach((d, j) => expect(shipments.filter((x) => x.to === j).length).toBeLessThanOrEqual(d))
    }))
  })

  it("fills the cheaper deficit first when supply is short", () => {
    // One driver, two sinks: the nearer one gets it.
    expect(transport([1], [1, 1], (_, j) => (j === 0 ? 5 : 2))).toEqual([{ from: 0, to: 1 }])
  })
})

describe("planRebalance", () => {
  it("moves only surplus idle drivers, each once, to a zone short of its target, never farther than the maximum", () => {
    fc.assert(fc.property(zonesArb, fc.integer({ min: 500, max: 6_000 }), (zones, maxMeters) => {
      const moves = planRebalance(zones, maxMeters)
      const supply = zones.map((z) => z.idle.length + z.arriving)
      const targets = zoneTargets(zones.map((z) => z.demand), supply.reduce((a, b) => a + b, 0))
      const zoneOf = new Map(zones.flatMap((z, i) => z.idle.map((d) => [d.number, i] as const)))
      expect(new Set(moves.map((m) => m.driver)).size).toBe(moves.length)
      zones.forEach((z, i) => {
        const out = moves.filter((m) => zoneOf.get(m.driver) === i).length
        expect(out).toBeLessThanOrEqual(Math.max(0, Math.min(z.idle.length, supply[i]! - targets[i]!)))
        const into = moves.filter((m) => m.to === z.point).length
        expect(into).toBeLessThanOrEqual(Math.max(0, targets[i]! - supply[i]!))
      })
      for (const m of moves) {
        const z = zones[zoneOf.get(m.driver)!]!
        const d = z.idle.find((x) => x.number === m.driver)!
        expect(m.meters).toBeLessThanOrEqual(maxMeters)
        expect(m.meters).toBeCloseTo(distanceMeters(d.position.lat, d.position.lng, m.to.lat, m.to.lng), 6)
      }
      expect(planRebalance(zones, maxMeters)).toEqual(moves)
    }))
  })

  it("sends a zone's surplus to the nearest deficit, and the driver of the zone nearest to it", () => {
    const at = (lat: number): LatLng => ({ lat, lng: -122.42 })
    const zones: Array<Zone> = [
      { cell: "a", centre: at(37.70), point: undefined, demand: 0, arriving: 0, idle: [{ number: 0, position: at(37.699) }, { number: 1, position: at(37.703) }] },
      { cell: "b", centre: at(37.72), point: at(37.72), demand: 1, arriving: 0, idle: [] },
      { cell: "c", centre: at(37.80), point: at(37.80), demand: 1, arriving: 0, idle: [] }
    ]
    // Two drivers, two deficits (targets 1 and 1); within 5 km only b is in reach.
    const moves = planRebalance(zones, 5_000)
    expect(moves.map((m) => [m.driver, m.to])).toEqual([[1, at(37.72)]])
    expect(planRebalance(zones, 20_000).map((m) => m.driver).sort()).toEqual([0, 1])
  })

  it("keeps a driver whose own distance is over the maximum, though its zone's centre is within it", () => {
    const at = (lat: number): LatLng => ({ lat, lng: -122.42 })
    const zones: Array<Zone> = [
      { cell: "a", centre: at(37.70), point: undefined, demand: 0, arriving: 0, idle: [{ number: 0, position: at(37.67) }] },
      { cell: "b", centre: at(37.71), point: at(37.71), demand: 1, arriving: 0, idle: [] }
    ]
    // Centres 1.1 km apart, the driver 4.4 km from b's point.
    expect(planRebalance(zones, 2_000)).toEqual([])
    expect(planRebalance(zones, 5_000).map((m) => m.driver)).toEqual([0])
  })
})
