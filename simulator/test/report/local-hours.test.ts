/**
 * Times in the market's zone and partial hours: the KPI file carries the window and each hour's
 * start with the local offset beside the UTC ones, marks an hour the window covers only in part
 * and gives its counts as per-hour rates; the terminal summary reads the window in local time.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { markdownSummary } from "../../src/report/markdown-summary.ts"
import { runRecorded } from "../runner/scenario.ts"

describe("KPIs in local time", () => {
  it.effect("a 33-minute run: local times beside UTC, its one hour partial, counts as rates", () =>
    Effect.gen(function*() {
      // The first 500 trips of the sample: 17:00:01 to 17:33:19 PDT.
      const run = yield* runRecorded(500, "greedy")
      const { scenario, hourly } = run.kpis
      assert.deepStrictEqual(
        [scenario.from, scenario.timeZone, scenario.fromLocal, scenario.toLocal],
        ["2008-06-01T00:00:01.000Z", "America/Los_Angeles", "2008-05-31T17:00:01.000-07:00", "2008-05-31T17:33:19.001-07:00"]
      )
      assert.strictEqual(hourly.length, 1)
      const hour = hourly[0]!
      assert.deepStrictEqual([hour.start, hour.startLocal, hour.minutes, hour.partial], ["2008-06-01T00:00:00.000Z", "2008-05-31T17:00:00.000-07:00", 33.3, true])
      assert.strictEqual(hour.requests, 500)
      assert.closeTo(hour.requestsPerHour!, 500 * (60 / 33.3), 1)
      assert.closeTo(hour.matchedPerHour!, hour.matched * (60 / 33.3), 1)
      const heading = markdownSummary([run], "in-process").split("\n")[2]
      assert.strictEqual(heading, "2008-05-31 17:00 → 17:33 PDT (America/Los_Angeles) · transport: in-process · clock: virtual")
    }))

  it.effect("an hour the window covers whole is not partial, and its rate is its count", () =>
    Effect.gen(function*() {
      const from = Date.parse("2008-06-01T00:00:00Z")
      const run = yield* runRecorded(2_000, "greedy", { from, to: from + 90 * 60_000 })
      const [whole, half] = run.kpis.hourly
      assert.deepStrictEqual([whole!.minutes, whole!.partial, whole!.requestsPerHour], [60, false, whole!.requests])
      assert.deepStrictEqual([half!.minutes, half!.partial, half!.requestsPerHour], [30, true, half!.requests * 2])
    }))
})
