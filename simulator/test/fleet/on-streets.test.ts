/**
 * In a whole run on the SF sample (roads, repositioning, declines, shifts): every position a
 * driver publishes in the middle of a leg lies on the street route of that leg, farther along
 * it as time goes on; pickup legs take exactly the road ETA at their hour; no pickup or
 * reposition leg is shorter than its chord.
 */
import { assert, describe, it } from "@effect/vitest"
import { defaultDispatchSettings, Dispatcher, distanceMeters, type DriverState, RouteLine, StreetRoutes } from "#engine"
import { Effect } from "effect"
import type { LegDriven } from "../../src/events/sim-events.ts"
import { loadSf, runRecorded } from "../runner/scenario.ts"
import { alongLine } from "./on-route.ts"

describe("driving on streets", () => {
  it.effect("published positions lie on the leg's route; pickups take the road ETA", () =>
    Effect.gen(function*() {
      const { market, eta } = yield* loadSf
      const published: Array<DriverState> = []
      // A fleet larger than the evening needs, on duty all run: drivers idle, then reposition.
      const run = yield* runRecorded(1_200, "greedy", {
        drivers: 150,
        shiftHours: undefined,
        openPort: () => {
          const dispatcher = new Dispatcher(market, eta, defaultDispatchSettings("greedy"))
          return {
            transport: "in-process, recorded",
            request: (m, now) => dispatcher.request(m, now),
            cancel: (m, now) => dispatcher.cancel(m, now),
            tick: (now) => dispatcher.tick(now),
            get nextDeadline() {
              return dispatcher.nextDeadline
            },
            driverState: (s) => {
              published.push(s)
              dispatcher.driverState(s)
            },
            isOpen: (id) => dispatcher.isOpen(id),
            forgetDecisionsBefore: (before) => dispatcher.forgetDecisionsBefore(before),
            close: () => Promise.resolve()
          }
        }
      })
      const routes = StreetRoutes.of(eta)!
      const legs = run.events.filter((e): e is LegDriven => e.type === "leg")
      const byDriver = new Map<string, Array<DriverState>>()
      for (const s of published) byDriver.set(s.driverId, [...(byDriver.get(s.driverId) ?? []), s])
      let midLeg = 0, pickups = 0
      for (const leg of legs) {
        if (leg.kind === "trip") continue // the record's own length, from GPS fixes
        assert.isAtLeast(leg.roadMeters, distanceMeters(leg.from.lat, leg.from.lng, leg.to.lat, leg.to.lng) * (1 - 1e-9) - 1e-6, `${leg.driverId} ${leg.kind} leg shorter than its chord`)
        if (leg.kind === "pickup") {
          pickups++
          const expected = Math.round(eta.eta(leg.from, leg.to, leg.departAt) * 1000)
          assert.isAtMost(Math.abs(leg.arriveAt - leg.departAt - expected), 1, `${leg.driverId} pickup leg of ${leg.arriveAt - leg.departAt} ms, road ETA ${expected} ms`)
        }
        // The route to where the leg ended is the start of the route it was on (a shortest
        // route's every start is one), so mid-leg positions lie on it.
        const line = new RouteLine()
        if (!routes.route(leg.from, leg.to, line)) continue
        let along = 0
        for (const s of byDriver.get(leg.driverId) ?? []) {
          if (s.at <= leg.departAt || s.at >= leg.arriveAt) continue
          const here = alongLine(line, s, along)
          assert.isDefined(here, `${leg.driverId} at ${s.lat},${s.lng} (${new Date(s.at).toISOString()}) is off its ${leg.kind} route`)
          assert.isAtLeast(here!, along - 1e-6)
          along = here!
          midLeg++
        }
      }
      assert.isAbove(pickups, 100)
      assert.isAbove(midLeg, 100, "mid-leg positions checked")
    }))
})
