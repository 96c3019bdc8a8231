/**
 * `dispatch simulate` flags, built from the engine's flag helpers. Each is optional: a flag
 * given overrides the scenario file's field of the same name, grouped as the file groups them
 * (`fleet.drivers` is `--drivers`), so that cli/scenario-from-flags.ts can lay the flags over
 * the file. Defaults are the scenario's (scenario/scenario.ts) and are stated in each
 * description, as `--help` shows them; ranges are the scenario's `LIMITS`.
 */
import { choiceFlag, finiteFlag, intFlag, marketFileListFlag, POLICIES, policyChoicesText, stringFlag } from "#engine"
import { type Command, Flag } from "effect/cli"
import {
  DEFAULT_REBALANCE_HORIZON_MS,
  DEFAULT_REBALANCE_INTERVAL_MS,
  DEFAULT_REBALANCE_MAX_METERS,
  DEFAULT_REBALANCE_RESOLUTION
} from "../fleet/rebalancing.ts"
import { DEFAULT_REPOSITION_AFTER_MS, DEFAULT_REPOSITION_MAX_METERS, DEFAULT_REPOSITION_METHOD, REPOSITION_METHODS } from "../fleet/repositioning.ts"
import { CLOCKS, DEFAULT_SYNTHETIC_DATE, DEFAULT_SYNTHETIC_HOURS, LIMITS, MODES } from "../scenario/scenario.ts"
import { EMPTY_SCENARIO } from "../scenario/scenario-file.ts"

/** The defaults the descriptions state: the scenario's own, so `--help` cannot drift from them. */
const { market, fleet, riders, policies, clock, outputs } = EMPTY_SCENARIO

/** The simulator's metrics port in the local stack (dashboards/prometheus/prometheus.yml). */
const DEFAULT_SIM_METRICS_PORT = 9465

const optional = (description: string) => <A>(flag: Flag.Flag<A>) => flag.pipe(Flag.optional, Flag.withDescription(description))

/** The market, for `simulate` and `calibrate`: `--market-file` wins over DISPATCH_MARKETS, read when the flag is not given. */
export const marketFlags = {
  id: stringFlag("market").pipe(optional(`the market the trips are in: its id in the market files (default ${market.id})`)),
  files: marketFileListFlag.pipe(
    optional("market files, comma-separated (env DISPATCH_MARKETS; default the shipped engine/markets/sf.json); a calibrated file's `eta` is used")
  )
}

export const columnsFlag = stringFlag("columns").pipe(
  optional("map the trips file's column names: ours=theirs,... (docs/simulator-inputs.md; default: the file uses our names)")
)

export const simulateFlags = {
  scenario: stringFlag("scenario").pipe(
    optional("run the scenario in this JSON file (docs/simulator.md, \"Scenario files\"); flags given override its fields (default: none)")
  ),
  demo: Flag.Boolean("demo").pipe(
    Flag.withDefault(false),
    Flag.withDescription("run the shipped scenario simulator/scenarios/sf-demo.json: the SF sample (Sat 2008-05-31 17-22h PDT), greedy vs batch, and print the KPIs (default off)")
  ),
  trips: {
    trips: stringFlag("trips").pipe(optional("trips CSV file, plain or gzip (docs/simulator-inputs.md); default: the SF sample with --demo")),
    columns: columnsFlag,
    synthetic: intFlag("synthetic", LIMITS.tripsPerDay).pipe(optional("instead of a file, a seeded synthetic city of this many trips per day (default off)")),
    syntheticDate: stringFlag("synthetic-date").pipe(optional(`local date the synthetic city starts on, YYYY-MM-DD (default ${DEFAULT_SYNTHETIC_DATE})`)),
    syntheticHours: intFlag("synthetic-hours", LIMITS.syntheticHours).pipe(optional(`hours of synthetic city (default ${DEFAULT_SYNTHETIC_HOURS})`))
  },
  market: marketFlags,
  fleet: {
    drivers: intFlag("drivers", LIMITS.drivers).pipe(optional(`fleet size, placed at random pickups of the run (default ${fleet.drivers})`)),
    driversFile: stringFlag("drivers-file").pipe(optional("place the fleet from a CSV file with columns lat,lng[,driver_id] instead (replaces --drivers)")),
    reposition: Flag.Boolean("reposition").pipe(optional("idle drivers drive toward demand, by --reposition-method (default off)")),
    repositionMethod: choiceFlag("reposition-method", REPOSITION_METHODS).pipe(
      optional(
        `how idle drivers reposition (implies --reposition): heuristic: after ${DEFAULT_REPOSITION_AFTER_MS / 60_000} idle minutes each drives toward the nearest of a few sampled pickups of the hour, at most ${DEFAULT_REPOSITION_MAX_METERS / 1000} km; rebalance: every --rebalance-interval-s, surplus idle drivers of H3 zones go to zones short of their share of recent demand, by min-cost transportation (MATSim DRT, AMoDeus) (default ${DEFAULT_REPOSITION_METHOD})`
      )
    ),
    rebalanceIntervalS: intFlag("rebalance-interval-s", LIMITS.rebalanceIntervalS).pipe(
      optional(`rebalance: seconds between rebalancing steps (default ${DEFAULT_REBALANCE_INTERVAL_MS / 1000})`)
    ),
    rebalanceHorizonMin: finiteFlag("rebalance-horizon-min", LIMITS.rebalanceHorizonMin).pipe(
      optional(`rebalance: recent demand is the requests of this many minutes before each step (default ${DEFAULT_REBALANCE_HORIZON_MS / 60_000})`)
    ),
    rebalanceResolution: intFlag("rebalance-resolution", LIMITS.rebalanceResolution).pipe(
      optional(`rebalance: H3 resolution of the zones (default ${DEFAULT_REBALANCE_RESOLUTION})`)
    ),
    rebalanceMaxKm: finiteFlag("rebalance-max-km", LIMITS.rebalanceMaxKm).pipe(
      optional(`rebalance: farthest a driver is sent, km of great circle (default ${DEFAULT_REBALANCE_MAX_METERS / 1000})`)
    ),
    shiftHours: finiteFlag("shift-hours", LIMITS.shiftHours).pipe(optional("each driver works one shift of this many hours a day, timed by demand (default: on duty all run)")),
    publishIntervalS: finiteFlag("publish-interval-s", LIMITS.publishIntervalS).pipe(
      optional(`repositioning drivers publish their position this often, seconds; 0: on change only (default ${fleet.publishIntervalS})`)
    ),
    declineProbability: finiteFlag("decline-probability", LIMITS.declineProbability).pipe(
      optional(`probability that a matched driver declines; the order goes back to matching (default ${fleet.declineProbability})`)
    ),
    declineResponseS: finiteFlag("decline-response-s", LIMITS.declineResponseS).pipe(
      optional(`seconds a declining driver takes to answer (default ${fleet.declineResponseS})`)
    )
  },
  riders: {
    maxWaitS: intFlag("max-wait-s", LIMITS.maxWaitS).pipe(optional(`the engine's wait limit per order (maxWaitMs), seconds (default ${riders.maxWaitS})`)),
    patience: stringFlag("patience").pipe(
      optional(`rider patience before cancelling, seconds: fixed:S | uniform:MIN,MAX | exponential:MEAN | lognormal:MEDIAN,SIGMA (default ${riders.patience})`)
    )
  },
  seed: intFlag("seed", LIMITS.seed).pipe(optional(`random seed of every model; same inputs and seed give the same KPI file (default ${EMPTY_SCENARIO.seed})`)),
  seeds: intFlag("seeds", LIMITS.seeds).pipe(
    optional(`replay every policy with this many seeds (--seed, --seed + 1, ...: fleet placement, patience, declines; the same trips) and report each KPI's mean and the paired difference with its 95% interval (default ${EMPTY_SCENARIO.seeds})`)
  ),
  workers: intFlag("workers", LIMITS.workers).pipe(
    optional("worker threads the replays of --seeds and --compare spread over (in-process mode, virtual clock, no --metrics-port); each thread reads the inputs again, so it pays only when replays are long (default 1: one after another in this thread)")
  ),
  policies: {
    policy: choiceFlag("policy", POLICIES).pipe(optional(`matching policy: ${policyChoicesText()} (default ${policies.names.join(",")})`)),
    compare: stringFlag("compare").pipe(optional("run several policies on the same input, e.g. greedy,batch; one report side by side (replaces --policy)")),
    batchWindowMs: intFlag("batch-window-ms", LIMITS.batchWindowMs).pipe(optional(`batch policy window, and greedy's re-offer interval, ms (default ${policies.batchWindowMs}, the engine's)`)),
    batchMaxOrders: intFlag("batch-max-orders", LIMITS.batchMaxOrders).pipe(optional(`a batch window closes early at this many new orders (default ${policies.batchMaxOrders}, the engine's)`))
  },
  clock: {
    kind: choiceFlag("clock", CLOCKS).pipe(
      optional(`virtual: as fast as possible, deterministic; realtime: paced by the wall clock × --speed (default ${clock.kind})`)
    ),
    speed: finiteFlag("speed", LIMITS.speed).pipe(
      optional(`real-time speed factor (--clock realtime and --mode live), simulated seconds per wall second (default ${clock.speed})`)
    )
  },
  mode: {
    kind: choiceFlag("mode", MODES).pipe(
      optional("in-process: the engine's dispatcher in this process; nats: through a `dispatch engine --clock sim` over NATS (--nats or env NATS_URL, else a private nats-server); live: drive an already running `dispatch engine` on the wall clock at --speed (needs --nats or NATS_URL; one policy, the engine's); auto: nats when NATS_URL is set or nats-server is installed, else in-process (default in-process; auto with --demo)")
    ),
    nats: stringFlag("nats").pipe(optional("NATS server URL for --mode nats (env NATS_URL; default a private nats-server started and stopped by the run)")),
    natsNkey: stringFlag("nats-nkey").pipe(optional("--mode live: the nkey seed file to connect with, simulator.nk from `dispatch nats config` (env NATS_NKEY; docs/security.md)")),
    api: stringFlag("api").pipe(
      optional("--mode live: send riders' orders through the API gateway at this URL (POST /v1/rides) instead of publishing them to NATS (default off)")
    )
  },
  window: {
    from: stringFlag("from").pipe(optional("first request time replayed, ISO-8601 with a zone or epoch (default: the first trip's)")),
    to: stringFlag("to").pipe(optional("replay requests before this time, ISO-8601 with a zone or epoch (default: through the last trip)"))
  },
  outputs: {
    dir: stringFlag("out").pipe(optional(`output directory for kpis.<policy>.json, run.json, summary.md, report.html (default ${outputs.dir})`)),
    mapResolution: intFlag("map-resolution", LIMITS.mapResolution).pipe(optional("H3 resolution of the report's wait map (default: the market's)")),
    metricsPort: intFlag("metrics-port", LIMITS.metricsPort).pipe(
      optional(`serve the run's KPIs as Prometheus metrics on this port at /metrics (--metrics-host; the local stack's Prometheus scrapes ${DEFAULT_SIM_METRICS_PORT}) (default off)`)
    ),
    metricsHost: stringFlag("metrics-host").pipe(optional(`address of the --metrics-port server (default ${outputs.metricsHost})`)),
    metricsHold: Flag.Boolean("metrics-hold").pipe(
      optional("with --metrics-port: after the run, keep serving /metrics until Ctrl-C, so a scraper sees the final figures (default off)")
    )
  }
}

export type SimulateFlags = Command.Command.Config.Infer<typeof simulateFlags>
