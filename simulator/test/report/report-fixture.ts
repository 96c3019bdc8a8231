/**
 * A comparison report of a small run (greedy vs batch on the first sample trips), its maps over
 * the SF streets, for the report tests.
 */
import { readRoadShapes } from "#engine"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { renderHtmlReport } from "../../src/report/html-report.ts"
import { runRecorded } from "../runner/scenario.ts"

/** The shipped SF road graph, whose streets the maps draw. */
const SF_ROADS = fileURLToPath(new URL("../../../engine/markets/roads/sf", import.meta.url))

export const comparisonReport = Effect.gen(function*() {
  const greedy = yield* runRecorded(500, "greedy")
  const batch = yield* runRecorded(500, "batch")
  const runs = [greedy, batch]
  const roads = yield* readRoadShapes(SF_ROADS)
  return { runs, html: renderHtmlReport(runs, { timeZone: "America/Los_Angeles", transport: "in-process", roads }) }
})

/** The ids of the maps of a comparison. */
export const MAP_CONTAINERS = ["plot-map-trips", "plot-map-0", "plot-map-1", "plot-map-diff"]

/** The ids of the elements the page draws plots into, for a comparison. */
export const PLOT_CONTAINERS = ["plot-demand", "plot-supply", "plot-hourly-diff", "plot-waits", "plot-wait-stats", "plot-utilisation", ...MAP_CONTAINERS]
