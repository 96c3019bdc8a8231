/**
 * Fleet physics: drivers never teleport (each leg starts where the last one ended), never go
 * back in time, and drive at plausible speeds: pickup and reposition legs exactly at the ETA
 * model's speed, rides at their record's own speed (the data keeps trips under 120 km/h).
 */
import { assert, describe, it } from "@effect/vitest"
import { distanceMeters, DEFAULT_SPEED_KMH_BY_HOUR } from "#engine"
import { Effect } from "effect"
import type { LegDriven } from "../../src/events/sim-events.ts"
import { runRecorded } from "../runner/scenario.ts"

const MAX_RIDE_KMH = 130

describe("fleet physics", () => {
  it.effect("no teleports, no negative times, speeds within bounds", () =>
    Effect.gen(function*() {
      const run = yield* runRecorded(1_200, "batch")
      const start = Date.parse(run.kpis.scenario.from)
      const legs = new Map<string, Array<LegDriven>>()
      for (const e of run.events) if (e.type === "leg") legs.set(e.driverId, [...(legs.get(e.driverId) ?? []), e])
      assert.isAbove(legs.size, 10)
      const fastestModel = Math.max(...DEFAULT_SPEED_KMH_BY_HOUR) / run.settings.roadFactor
      let kinds = new Set<string>()
      for (const [driverId, list] of legs) {
        list.forEach((leg, i) => {
          kinds.add(leg.kind)
          assert.isAtLeast(leg.departAt, start, `${driverId} leg ${i} departs before the run`)
          assert.isAtLeast(leg.arriveAt, leg.departAt, `${driverId} leg ${i} ends before it starts`)
          const next = list[i + 1]
          if (next !== undefined) {
            assert.isAtLeast(next.departAt, leg.arriveAt, `${driverId} leg ${i + 1} starts before leg ${i} ends`)
            assert.isBelow(distanceMeters(leg.to.lat, leg.to.lng, next.from.lat, next.from.lng), 0.01, `${driverId} teleports between legs ${i} and ${i + 1}`)
          }
          const hours = (leg.arriveAt - leg.departAt) / 3_600_000
          if (hours === 0) return
          const kmh = distanceMeters(leg.from.lat, leg.from.lng, leg.to.lat, leg.to.lng) / 1000 / hours
          const bound = leg.kind === "trip" ? MAX_RIDE_KMH : fastestModel * 1.01 + 0.5
          assert.isAtMost(kmh, bound, `${driverId} ${leg.kind} leg ${i} at ${kmh.toFixed(1)} km/h`)
        })
      }
      assert.deepStrictEqual([...kinds].sort(), ["pickup", "reposition", "trip"])
    }))
})
