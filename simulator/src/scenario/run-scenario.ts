/**
 * Running a scenario: resolve its transport mode, load the market, trips and fleet it names,
 * replay the trips once per policy (the same demand scan for each, so the policies see the
 * same riders) and return what happened. Writing the outputs is the caller's next step
 * (cli/outputs.ts); this only runs.
 */
import { findNatsServer, makeRegistry, marketFilesFromEnv, type PolicyName, redactUrls, type Eta, statusServer } from "#engine"
import { Console, Effect, Layer } from "effect"
import { NoDemandToPlaceDrivers } from "../fleet/errors.ts"
import { type PlacedDriver, readDriversFile } from "../fleet/drivers-file.ts"
import { makeSimulatorMetrics } from "../observability/metrics.ts"
import { KpiMetrics } from "../report/kpi-metrics.ts"
import { parsePatience, type PatienceDistribution } from "../riders/patience.ts"
import { replaySettings } from "../runner/defaults.ts"
import { type DemandScan, replay, type ReplayResult, type ReplaySettings, scanDemand } from "../runner/replay.ts"
import { LiveDispatchPort } from "../transport/live-port.ts"
import { NatsDispatchPort } from "../transport/nats-port.ts"
import { formatReadSummary, type TripReadSummary, whyNoTrips } from "../trips/rejections.ts"
import { parseTripTime } from "../trips/trip-time.ts"
import { InvalidFlag } from "./errors.ts"
import { loadMarket, type MarketChoice, marketEta, tripsOf } from "./inputs.ts"
import { replayInWorkers, type SeedReplays } from "./replay-pool.ts"
import { describeReposition, repositionOf } from "./reposition-settings.ts"
import type { Scenario } from "./scenario.ts"

/** The transport of a run with no port; the summary and the report say it. */
const IN_PROCESS_TRANSPORT = "in-process (the engine's Dispatcher in this process)"

/** End of the SF sample's replay in NATS mode when no window is given: its first 2 hours (17:00-19:00 PDT). */
const SAMPLE_NATS_TO = Date.parse("2008-06-01T02:00:00Z")

/** The mode a scenario runs in, `auto` resolved, and why. */
export type Transport =
  | { readonly mode: "in-process"; readonly why: string }
  | { readonly mode: "nats"; readonly natsUrl: string | undefined; readonly why: string }
  | { readonly mode: "live"; readonly natsUrl: string; readonly nkeyFile: string | undefined; readonly why: string }

/** `auto` is NATS when a server is given or installed; settings only one mode can use are refused. */
const resolveTransport = (scenario: Scenario): Effect.Effect<Transport, InvalidFlag> =>
  Effect.gen(function*() {
    const natsUrl = scenario.mode.nats ?? (process.env["NATS_URL"] || undefined)
    const wanted = scenario.mode.kind
    if (wanted === "live") {
      if (natsUrl === undefined) return yield* new InvalidFlag({ flag: "mode", problem: "live drives a running engine: give its NATS server with --nats or NATS_URL" })
      if (scenario.policies.names.length > 1) {
        return yield* new InvalidFlag({ flag: "mode", problem: "live replays through the running engine, which has one policy: give --policy (the engine's) and --trips instead of --compare or --demo" })
      }
      if (scenario.clock.kind === "realtime") return yield* new InvalidFlag({ flag: "clock", problem: "live mode paces itself by --speed: leave --clock at virtual" })
      if (scenario.seeds > 1) return yield* new InvalidFlag({ flag: "seeds", problem: "live mode drives the running engine once, on the wall clock: give --mode in-process or nats for several seeds" })
      return { mode: "live", natsUrl, nkeyFile: scenario.mode.natsNkey ?? (process.env["NATS_NKEY"] || undefined), why: "--mode live" }
    }
    if (scenario.mode.api !== undefined) return yield* new InvalidFlag({ flag: "api", problem: "only with --mode live (orders through a gateway to a running engine)" })
    if (wanted !== "auto") return wanted === "nats" ? { mode: "nats", natsUrl, why: "--mode nats" } : { mode: "in-process", why: "--mode in-process" }
    if (natsUrl !== undefined) return { mode: "nats", natsUrl, why: "auto: NATS_URL is set" }
    if (findNatsServer() !== undefined) return { mode: "nats", natsUrl, why: "auto: nats-server is installed" }
    return { mode: "in-process", why: "auto: no NATS_URL and no nats-server binary" }
  })

/** The run's clock as the KPI file and run.json state it. */
const clockOf = (scenario: Scenario, transport: Transport) =>
  scenario.clock.kind === "realtime" ? `realtime x${scenario.clock.speed}` : transport.mode === "live" ? `live x${scenario.clock.speed}` : "virtual"

/** Every setting as the flags name it, for the KPI file's scenario. */
const describe = (scenario: Scenario, transport: Transport) => ({
  "max-wait-s": scenario.riders.maxWaitS,
  "patience": scenario.riders.patience,
  "decline-probability": scenario.fleet.declineProbability,
  "decline-response-s": scenario.fleet.declineResponseS,
  "publish-interval-s": scenario.fleet.publishIntervalS,
  "reposition": describeReposition(repositionOf(scenario.fleet)),
  "shift-hours": scenario.fleet.shiftHours ?? "off",
  "batch-window-ms": scenario.policies.batchWindowMs,
  "batch-max-orders": scenario.policies.batchMaxOrders,
  "clock": clockOf(scenario, transport),
  "mode": transport.mode
})

const portOf = (transport: Transport, scenario: Scenario, choice: MarketChoice, policy: PolicyName): ReplaySettings["openPort"] => {
  const market = choice.market.id
  switch (transport.mode) {
    case "in-process":
      return undefined
    case "live":
      return (start) => LiveDispatchPort.open({ natsUrl: transport.natsUrl, nkeyFile: transport.nkeyFile, market, start, speed: scenario.clock.speed, apiUrl: scenario.mode.api })
    case "nats":
      return (start) =>
        NatsDispatchPort.open({
          natsUrl: transport.natsUrl,
          market,
          engineArgs: ["--policy", policy, "--batch-window-ms", String(scenario.policies.batchWindowMs), "--batch-max-orders", String(scenario.policies.batchMaxOrders), "--market-file", choice.files.join(",")],
          start
        })
  }
}

interface Setup {
  readonly scenario: Scenario
  readonly transport: Transport
  readonly choice: MarketChoice
  /** The market's ETA model (marketEta): roads when its file has them. */
  readonly eta: Eta
  readonly patience: PatienceDistribution
  readonly placedDrivers: ReadonlyArray<PlacedDriver> | undefined
  readonly from: number | undefined
  readonly to: number | undefined
}

const settingsFor = ({ scenario, transport, choice, eta, patience, placedDrivers, from, to }: Setup) => (policy: PolicyName, seed: number): ReplaySettings => {
  const base = replaySettings(choice.market, eta, policy)
  return replaySettings(choice.market, eta, policy, {
    dispatch: { ...base.dispatch, batchWindowMs: scenario.policies.batchWindowMs, batchMaxOrders: scenario.policies.batchMaxOrders },
    drivers: placedDrivers?.length ?? scenario.fleet.drivers,
    placedDrivers,
    seed,
    maxWaitMs: scenario.riders.maxWaitS * 1000,
    patience,
    declineProbability: scenario.fleet.declineProbability,
    declineResponseMs: Math.round(scenario.fleet.declineResponseS * 1000),
    publishIntervalMs: Math.round(scenario.fleet.publishIntervalS * 1000),
    reposition: repositionOf(scenario.fleet),
    shiftHours: scenario.fleet.shiftHours,
    from,
    to,
    mapResolution: scenario.outputs.mapResolution ?? choice.market.h3Resolution,
    // Live mode is paced by the runner's real-time clock, which sleeps between events, so this
    // process keeps answering (--metrics-port); the port's own pacing only guards the drain.
    clock: scenario.clock.kind === "realtime" || transport.mode === "live" ? { kind: "realtime", speed: scenario.clock.speed } : { kind: "virtual" },
    progress: process.stderr,
    describe: describe(scenario, transport),
    observer: undefined,
    openPort: portOf(transport, scenario, choice, policy)
  })
}

/** `outputs.metricsPort`: the run's KPI metrics plus Node's, on a status port closed with the caller's scope. */
const serveMetrics = (outputs: Scenario["outputs"]) =>
  Effect.gen(function*() {
    if (outputs.metricsPort === undefined) return undefined
    const registry = makeRegistry()
    const metrics = makeSimulatorMetrics(registry)
    yield* Layer.build(statusServer({ host: outputs.metricsHost, port: outputs.metricsPort, flag: "--metrics-port", registry, readiness: () => ({ ready: true }) }))
    yield* Console.error(`metrics: http://${outputs.metricsHost}:${outputs.metricsPort}/metrics`)
    return metrics
  })

/** The seeds of a scenario's replays: `seed`, `seed + 1`, … `seed + seeds − 1`, past 2³² − 1 wrapping to 0. */
export const replaySeeds = (scenario: Scenario): Array<number> => Array.from({ length: scenario.seeds }, (_, i) => (scenario.seed + i) >>> 0)

/** What a run gave: a replay per policy and seed, and what the outputs say about how it ran. */
export interface ScenarioRun {
  readonly scenario: Scenario
  readonly choice: MarketChoice
  /** The first seed's replays (the scenario's `seed`): what a single-seed run gives. */
  readonly runs: ReadonlyArray<ReplayResult>
  /** Every seed's, the first one first. */
  readonly seeds: ReadonlyArray<SeedReplays>
  readonly transport: string
  readonly clock: string
  readonly tripsRead: TripReadSummary | undefined
  readonly scanSeconds: number
}

const transportLine = (transport: Transport, speed: number) =>
  transport.mode === "nats"
    ? `NATS, a dispatch engine --clock sim per policy (${transport.why})`
    : transport.mode === "live"
    ? `live, the running engine on ${redactUrls(transport.natsUrl)} at x${speed}`
    : `${IN_PROCESS_TRANSPORT} (${transport.why})`

/**
 * What every replay of a scenario shares, read once: the market, the trips (a synthetic city
 * from the scenario's `seed`, whatever the replay's), the fleet file, the ETA model.
 */
export const prepare = (scenario: Scenario, transport: Transport) =>
  Effect.gen(function*() {
    const window = scenario.window
    // NATS mode replays ~230 trips per wall second (lockstep round trips), so the whole 5-hour
    // sample takes ~70 s for the two policies; the demo keeps under a minute with its first 2 hours.
    const sampleCut = scenario.trips.kind === "sample" && transport.mode === "nats" && window.from === undefined && window.to === undefined
    const from = window.from === undefined ? undefined : parseTripTime(window.from)
    const to = sampleCut ? SAMPLE_NATS_TO : window.to === undefined ? undefined : parseTripTime(window.to)
    if (from !== undefined && to !== undefined && !(from < to)) return yield* new InvalidFlag({ flag: "to", problem: "must be after --from" })
    const patience = yield* Effect.fromResult(parsePatience(scenario.riders.patience))
    const choice = yield* loadMarket(scenario.market.id, scenario.market.files ?? marketFilesFromEnv())
    const input = yield* tripsOf(scenario.trips, scenario.seed, choice)
    const contains = (lat: number, lng: number) => choice.catalog.marketOf(lat, lng) === choice.market
    const placedDrivers = scenario.fleet.driversFile === undefined ? undefined : yield* readDriversFile(scenario.fleet.driversFile, contains)
    const eta = yield* marketEta(choice.market)
    return { choice, input, sampleCut, settings: settingsFor({ scenario, transport, choice, eta, patience, placedDrivers, from, to }) }
  })

type Prepared = Effect.Success<ReturnType<typeof prepare>>

/**
 * One seed's replays of `policies`, after the seed's own demand scan (each seed places its own
 * fleet, and the scan draws the placement); `observe` gives each replay's observer.
 */
export const replaySeed = (
  { input, settings }: Prepared,
  seed: number,
  policies: ReadonlyArray<PolicyName>,
  observe: (run: ReplaySettings, scan: DemandScan) => ReplaySettings["observer"] = () => undefined,
  scanned?: DemandScan
) =>
  Effect.gen(function*() {
    const scan = scanned ?? (yield* scanDemand(input.source, settings(policies[0]!, seed)))
    return yield* Effect.forEach(policies, (policy) => {
      const run = settings(policy, seed)
      return replay(input.source, { ...run, observer: observe(run, scan) }, scan)
    })
  })

/**
 * Worker threads when asked for (`--workers`) and usable: in-process replays on the virtual
 * clock with no live metrics (those are this process's), at most one per replay. Not by
 * default: each thread loads the modules and the market's road graph again (~5 s of CPU), which
 * on this 2-core machine outweighed the parallel replays of the demo (docs/simulator.md, "Seeds").
 */
const workersFor = (scenario: Scenario, transport: Transport, tasks: number): number => {
  const wanted = scenario.workers ?? 1
  const usable = transport.mode === "in-process" && scenario.clock.kind === "virtual" && scenario.outputs.metricsPort === undefined
  return usable ? Math.max(1, Math.min(wanted, tasks)) : 1
}

export const runScenario = (scenario: Scenario) =>
  Effect.gen(function*() {
    const transport = yield* resolveTransport(scenario)
    const prepared = yield* prepare(scenario, transport)
    const { choice, input, sampleCut, settings } = prepared
    const policies = scenario.policies.names
    const seeds = replaySeeds(scenario)
    const workers = workersFor(scenario, transport, seeds.length * policies.length)

    const seedsLine = seeds.length > 1 ? ` · seeds ${seeds[0]}..${seeds[seeds.length - 1]}` : ""
    const ignored = workers === 1 && (scenario.workers ?? 1) > 1 && seeds.length * policies.length > 1
    const workersLine = workers > 1 ? ` · ${workers} worker threads` : ignored ? " · --workers ignored (in-process mode on the virtual clock without --metrics-port only)" : ""
    yield* Console.error(`dispatch simulate: ${input.source.name} · market ${choice.market.id} · ${policies.join(" vs ")}${seedsLine} · transport ${transportLine(transport, scenario.clock.speed)}${workersLine}`)
    if (sampleCut) {
      yield* Console.error(`demo in NATS mode: the first 2 hours of the sample (--to ${new Date(SAMPLE_NATS_TO).toISOString()}) to stay under a minute; --mode in-process replays all 5 hours in ~5 s, or give --to`)
    }
    const scanStarted = performance.now()
    const scan = yield* scanDemand(input.source, settings(policies[0]!, seeds[0]!)).pipe(
      Effect.catchTag("NoDemandToPlaceDrivers", (e) =>
        Effect.flatMap(input.summary, (read) => {
          const why = read === undefined ? undefined : whyNoTrips(read, choice.market.id)
          return Effect.fail(why === undefined ? e : new NoDemandToPlaceDrivers({ source: e.source, read: why }))
        }))
    )
    const scanSeconds = Math.round(performance.now() - scanStarted) / 1000
    const tripsRead = yield* input.summary
    if (tripsRead !== undefined && tripsRead.rejected > 0) yield* Console.error(formatReadSummary(tripsRead).join("\n"))
    const metrics = yield* serveMetrics(scenario.outputs)
    const observe = (run: ReplaySettings, scan: DemandScan) =>
      metrics === undefined ? undefined : new KpiMetrics(metrics, { market: choice.market.id, policy: run.dispatch.policy.name, start: scan.start, end: scan.end, drivers: run.drivers }).on
    const replays: ReadonlyArray<SeedReplays> = workers > 1
      ? yield* replayInWorkers(scenario, seeds, workers)
      : yield* Effect.forEach(seeds, (seed, s) => Effect.map(replaySeed(prepared, seed, policies, observe, s === 0 ? scan : undefined), (runs) => ({ seed, runs })))
    const runs = replays[0]!.runs
    return {
      scenario,
      choice,
      runs,
      seeds: replays,
      transport: runs.findLast((r) => r.transport !== undefined)?.transport ?? IN_PROCESS_TRANSPORT,
      clock: clockOf(scenario, transport),
      tripsRead,
      scanSeconds
    } satisfies ScenarioRun
  })
