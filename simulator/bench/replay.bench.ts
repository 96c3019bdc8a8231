/**
 * Virtual-time replay speed, in-process, greedy and batch, on the two reference workloads:
 *
 * - the whole 23-day San Francisco record (the shared sf-cabspotting-2008/trips.csv.gz, not
 *   shipped: point `SF_TRIPS_FILE` at it; skipped without) with 500 drivers, repositioning on (without it, drivers
 *   left where riders dropped them strand over the weeks: docs/performance.md, "Simulator performance");
 * - a 400,000-trip synthetic day in the sf market with 10,000 drivers.
 *
 * Prints trips per wall second and simulated seconds per wall second for each (target: each run
 * <= 60 s of wall time), and the greedy vs batch KPIs of the SF record. The demand scan (the
 * first pass over the trips) is timed apart. Profile with
 * `node --cpu-prof --cpu-prof-dir=out simulator/bench/replay.bench.ts [sf|synthetic] [greedy|batch]`.
 *
 *   node simulator/bench/replay.bench.ts            # all four runs
 *   node simulator/bench/replay.bench.ts sf batch   # one
 */
import { loadMarketCatalog, type PolicyName, SHIPPED_MARKET_FILES } from "#engine"
import { Effect } from "effect"
import { existsSync } from "node:fs"
import { defaultHeuristicSettings } from "../src/fleet/repositioning.ts"
import { markdownSummary } from "../src/report/markdown-summary.ts"
import { marketEta } from "../src/scenario/inputs.ts"
import { replaySettings } from "../src/runner/defaults.ts"
import { replay, scanDemand, type ReplayResult, type TripSource } from "../src/runner/replay.ts"
import { startOfLocalDay } from "../src/trips/local-time.ts"
import { syntheticCity } from "../src/trips/synthetic-city.ts"
import { readTripCsv } from "../src/trips/trip-csv.ts"

const SF_TRIPS_FILE = process.env["SF_TRIPS_FILE"] ?? ""
const SF_DRIVERS = 500
const SYNTHETIC_TRIPS = 400_000
const SYNTHETIC_DRIVERS = 10_000

const [onlyWorkload, onlyPolicy] = process.argv.slice(2)
const policies: Array<PolicyName> = onlyPolicy === undefined ? ["greedy", "batch"] : [onlyPolicy as PolicyName]

const bench = Effect.gen(function*() {
  const catalog = yield* loadMarketCatalog(SHIPPED_MARKET_FILES)
  const market = catalog.get("sf")!
  const eta = yield* marketEta(market)
  const scope = { catalog, marketId: "sf" }
  const workloads: Array<{ name: string; drivers: number; reposition: boolean; source: TripSource<unknown> }> = []
  if (onlyWorkload === undefined || onlyWorkload === "sf") {
    if (existsSync(SF_TRIPS_FILE)) workloads.push({ name: "sf-23-days", drivers: SF_DRIVERS, reposition: true, source: { name: SF_TRIPS_FILE, trips: (yield* readTripCsv(SF_TRIPS_FILE, { market: scope })).trips } })
    else console.log(`skipping the SF record: ${SF_TRIPS_FILE} not found (set SF_TRIPS_FILE)`)
  }
  if (onlyWorkload === undefined || onlyWorkload === "synthetic") {
    const trips = yield* syntheticCity({ market: scope, seed: 1, start: startOfLocalDay("2025-06-06", market.timeZone)!, tripsPerDay: SYNTHETIC_TRIPS })
    workloads.push({ name: "synthetic-400k", drivers: SYNTHETIC_DRIVERS, reposition: false, source: { name: `synthetic:${SYNTHETIC_TRIPS}`, trips } })
  }
  console.log(`Node ${process.version}, in-process, virtual time`)
  console.log("| workload | policy | drivers | trips | scan s | replay wall s | trips/s | sim s per wall s | decisions/s | driver updates |")
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
  for (const w of workloads) {
    const settings = (policy: PolicyName) =>
      replaySettings(market, eta, policy, { drivers: w.drivers, reposition: w.reposition ? defaultHeuristicSettings : undefined })
    const base = settings("greedy")
    const scanStart = performance.now()
    const scan = yield* scanDemand(w.source, base)
    const scanSeconds = (performance.now() - scanStart) / 1000
    const runs: Array<ReplayResult> = []
    for (const policy of policies) {
      const result = yield* replay(w.source, settings(policy), scan)
      runs.push(result)
      const t = result.timing
      console.log(`| ${w.name} | ${policy} | ${w.drivers.toLocaleString("en-US")} | ${t.trips.toLocaleString("en-US")} | ${scanSeconds.toFixed(1)} | ${t.wallSeconds.toFixed(1)} | ${t.tripsPerWallSecond.toLocaleString("en-US")} | ${t.simSecondsPerWallSecond.toLocaleString("en-US")} | ${t.decisionsPerWallSecond.toLocaleString("en-US")} | ${t.driverUpdates.toLocaleString("en-US")} |`)
    }
    if (runs.length === 2) console.log(`\n${markdownSummary(runs, "in-process")}\n`)
  }
})

Effect.runPromise(bench).catch((e) => {
  console.error(e)
  process.exitCode = 1
})
