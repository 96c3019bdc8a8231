/**
 * The live metrics agree with the KPI file folded from the same events: a Grafana panel of a
 * replay and its report tell one story.
 */
import { assert, describe, it } from "@effect/vitest"
import { makeSimulatorMetrics } from "../../src/observability/metrics.ts"
import { defaultDispatchSettings, Dispatcher, WIRE_VERSION } from "#engine"
import { Effect, Stream } from "effect"
import { Registry } from "prom-client"
import { FLEET_STATES } from "../../src/fleet/driver.ts"
import { KpiMetrics } from "../../src/report/kpi-metrics.ts"
import { loadSf, runRecorded, sampleSource } from "../runner/scenario.ts"

const sum = async (registry: Registry, name: string, labels: Record<string, string> = {}) => {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name)
  return (metric?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .filter((v) => !("metricName" in v) || v.metricName === name || v.metricName === `${name}_count`)
    .reduce((n, v) => n + v.value, 0)
}

describe("KPI metrics", () => {
  it.effect("count what the KPI file counts; the fleet gauges add up to the fleet", () =>
    Effect.gen(function*() {
      const registry = new Registry()
      const metrics = makeSimulatorMetrics(registry)
      const live = new KpiMetrics(metrics, { market: "sf", policy: "greedy", start: 0, end: 1, drivers: 60 })
      const run = yield* runRecorded(800, "greedy", { observer: live.on })
      const { orders } = run.kpis
      const fleet = yield* Effect.promise(() => Promise.all(FLEET_STATES.map((state) => sum(registry, "dispatch_sim_fleet_drivers", { state }))))
      assert.isTrue(fleet.every((n) => n >= 0), `no state below zero: ${fleet.join(", ")}`)
      assert.strictEqual(fleet.reduce((a, b) => a + b, 0), run.settings.drivers)
      assert.strictEqual(yield* Effect.promise(() => sum(registry, "dispatch_sim_trips_requested_total")), orders.requested)
      assert.strictEqual(yield* Effect.promise(() => sum(registry, "dispatch_sim_decisions_total")), orders.decisions)
      assert.strictEqual(yield* Effect.promise(() => sum(registry, "dispatch_sim_declines_total")), orders.declines)
      const unmatched = Object.values(orders.unmatchedByReason).reduce((a, b) => a + b, 0)
      assert.strictEqual(yield* Effect.promise(() => sum(registry, "dispatch_sim_decisions_total", { outcome: "matched" })), orders.decisions - unmatched)
      assert.isAbove(yield* Effect.promise(() => sum(registry, "dispatch_sim_pickups_total")), 0)
    }))

  it.effect("a match to a driver the run does not own is counted in both and declined back", () =>
    Effect.gen(function*() {
      const { market, eta } = yield* loadSf
      const pickups = [...yield* Effect.flatMap(sampleSource(5), (source) => Stream.runCollect(source.trips))].map((t) => t.pickup)
      const registry = new Registry()
      const live = new KpiMetrics(makeSimulatorMetrics(registry), { market: "sf", policy: "greedy", start: 0, end: 1, drivers: 60 })
      const run = yield* runRecorded(200, "greedy", {
        observer: live.on,
        // Drivers someone else put into the market, at the first pickups: greedy offers them first.
        openPort: (start) => {
          const dispatcher = new Dispatcher(market, eta, defaultDispatchSettings("greedy"))
          for (const [i, p] of pickups.entries()) {
            dispatcher.driverState({ v: WIRE_VERSION, type: "driver.state", driverId: `foreign-${i}`, market: "sf", lat: p.lat, lng: p.lng, status: "available", at: start })
          }
          return Object.assign(dispatcher, { transport: "in-process with foreign drivers", close: () => Promise.resolve() })
        }
      })
      const { orders } = run.kpis
      // Each foreign driver stays reserved after its one match: at most one match each.
      assert.isTrue(orders.foreignDriverMatches > 0 && orders.foreignDriverMatches <= pickups.length, `foreign matches: ${orders.foreignDriverMatches}`)
      assert.strictEqual(yield* Effect.promise(() => sum(registry, "dispatch_sim_foreign_driver_matches_total")), orders.foreignDriverMatches)
      assert.strictEqual(orders.matched + orders.unmatched, orders.requested)
      assert.strictEqual(orders.completed, orders.matched)
    }))
})
