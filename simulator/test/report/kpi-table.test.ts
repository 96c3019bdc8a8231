/**
 * The KPI table's figures: hours with two decimals (0.98 and 1.04 h must not both read `1`),
 * never `-0`, and a difference that rounds to zero written `±0`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { kpiRows, type ReportRun } from "../../src/report/kpi-table.ts"
import { runRecorded } from "../runner/scenario.ts"

const withIdleHours = (run: ReportRun, idleHoursPerDriver: number): ReportRun => ({ ...run, kpis: { ...run.kpis, fleet: { ...run.kpis.fleet, idleHoursPerDriver } } })
const idleRow = (runs: ReadonlyArray<ReportRun>) => kpiRows(runs).find((r) => r.label === "idle hours per driver")!

describe("KPI table", () => {
  it.effect("writes idle hours per driver with two decimals, no -0, and ±0 for no difference", () =>
    Effect.gen(function*() {
      const run = yield* runRecorded(100, "greedy")
      assert.deepStrictEqual(idleRow([withIdleHours(run, 0.98), withIdleHours(run, 1.04)]), { label: "idle hours per driver", values: ["0.98", "1.04"], difference: "+0.06" })
      assert.deepStrictEqual(idleRow([withIdleHours(run, -0.001), withIdleHours(run, 0.001)]), { label: "idle hours per driver", values: ["0", "0"], difference: "±0" })
      assert.strictEqual(idleRow([withIdleHours(run, 1.5), withIdleHours(run, 1.25)]).difference, "−0.25")
    }))
})
