/**
 * `dispatch simulate` flags: each with its default in its description (`--help` shows them),
 * range checks with messages naming the flag, and environment fallbacks where the engine has
 * the same setting (`DISPATCH_MARKETS`). The defaults are the named constants of the rooms
 * that use them.
 */
import { DEFAULT_BATCH_WINDOW_MS } from "#engine"
import { Config } from "effect"
import { Flag } from "effect/cli"
import { DEFAULT_REPOSITION_AFTER_MS } from "../fleet/repositioning.ts"
import { DEFAULT_PATIENCE_SPEC } from "../riders/patience.ts"
import {
  DEFAULT_DECLINE_PROBABILITY,
  DEFAULT_DECLINE_RESPONSE_MS,
  DEFAULT_DRIVERS,
  DEFAULT_MAX_WAIT_MS,
  DEFAULT_PUBLISH_INTERVAL_MS,
  DEFAULT_REALTIME_SPEED,
  DEFAULT_SEED
} from "../runner/defaults.ts"

/** Where reports go when `--out` is not given: under the checkout's git-ignored out/. */
export const DEFAULT_OUT_DIR = "out/simulate"
export const DEFAULT_MARKET_ID = "sf"
/** The simulator's metrics port in the local stack (dashboards/prometheus/prometheus.yml). */
export const DEFAULT_SIM_METRICS_PORT = 9465
/** Synthetic city defaults: a Friday, a whole day. */
export const DEFAULT_SYNTHETIC_DATE = "2025-06-06"
export const DEFAULT_SYNTHETIC_HOURS = 24

const between = (min: number, max: number) => (n: number) => n >= min && n <= max
const outside = (name: string, min: number, max: number) => (n: number) => `--${name} must be ${min}..${max}, got ${n}`
const ranged = (flag: Flag.Flag<number>, name: string, min: number, max: number) =>
  Flag.filter(flag, between(min, max), outside(name, min, max))

export const marketFlags = {
  market: Flag.String("market").pipe(
    Flag.withDefault(DEFAULT_MARKET_ID),
    Flag.withDescription(`market id to simulate (default ${DEFAULT_MARKET_ID})`)
  ),
  marketFile: Flag.String("market-file").pipe(
    Flag.withFallbackConfig(Config.String("DISPATCH_MARKETS")),
    Flag.optional,
    Flag.withDescription("market files, comma-separated (env DISPATCH_MARKETS; default the shipped engine/markets/sf.json); a calibrated file's `eta` is used")
  ),
  columns: Flag.String("columns").pipe(
    Flag.optional,
    Flag.withDescription("map the trips file's column names: ours=theirs,... (docs/simulator-inputs.md; default: the file uses our names)")
  )
}

export const simulateFlags = {
  ...marketFlags,
  demo: Flag.Boolean("demo").pipe(
    Flag.withDefault(false),
    Flag.withDescription("replay the shipped SF sample (Sat 2008-05-31 17-22h PDT), greedy vs batch, and print the KPIs (default off)")
  ),
  trips: Flag.String("trips").pipe(
    Flag.optional,
    Flag.withDescription("trips CSV file, plain or gzip (docs/simulator-inputs.md); default: the SF sample with --demo")
  ),
  synthetic: ranged(Flag.Int("synthetic"), "synthetic", 1, 50_000_000).pipe(
    Flag.optional,
    Flag.withDescription("instead of a file, a seeded synthetic city of this many trips per day (default off)")
  ),
  syntheticDate: Flag.String("synthetic-date").pipe(
    Flag.withDefault(DEFAULT_SYNTHETIC_DATE),
    Flag.withDescription(`local date the synthetic city starts on, YYYY-MM-DD (default ${DEFAULT_SYNTHETIC_DATE})`)
  ),
  syntheticHours: ranged(Flag.Int("synthetic-hours"), "synthetic-hours", 1, 8_784).pipe(
    Flag.withDefault(DEFAULT_SYNTHETIC_HOURS),
    Flag.withDescription(`hours of synthetic city (default ${DEFAULT_SYNTHETIC_HOURS})`)
  ),
  drivers: ranged(Flag.Int("drivers"), "drivers", 1, 1_000_000).pipe(
    Flag.withDefault(DEFAULT_DRIVERS),
    Flag.withDescription(`fleet size, placed at random pickups of the run (default ${DEFAULT_DRIVERS})`)
  ),
  driversFile: Flag.String("drivers-file").pipe(
    Flag.optional,
    Flag.withDescription("place the fleet from a CSV file with columns lat,lng[,driver_id] instead (replaces --drivers)")
  ),
  seed: ranged(Flag.Int("seed"), "seed", 0, 4_294_967_295).pipe(
    Flag.withDefault(DEFAULT_SEED),
    Flag.withDescription(`random seed of every model; same inputs and seed give the same KPI file (default ${DEFAULT_SEED})`)
  ),
  policy: Flag.Literals("policy", ["greedy", "batch"]).pipe(
    Flag.withDefault("greedy" as const),
    Flag.withDescription("matching policy (default greedy)")
  ),
  compare: Flag.String("compare").pipe(
    Flag.optional,
    Flag.withDescription("run several policies on the same input, e.g. greedy,batch; one report side by side (replaces --policy)")
  ),
  batchWindowMs: ranged(Flag.Int("batch-window-ms"), "batch-window-ms", 10, 60_000).pipe(
    Flag.withDefault(DEFAULT_BATCH_WINDOW_MS),
    Flag.withDescription(`batch policy window, ms (default ${DEFAULT_BATCH_WINDOW_MS}, the engine's)`)
  ),
  clock: Flag.Literals("clock", ["virtual", "realtime"]).pipe(
    Flag.withDefault("virtual" as const),
    Flag.withDescription("virtual: as fast as possible, deterministic; realtime: paced by the wall clock × --speed (default virtual)")
  ),
  speed: ranged(Flag.Finite("speed"), "speed", 0.001, 1_000_000).pipe(
    Flag.withDefault(DEFAULT_REALTIME_SPEED),
    Flag.withDescription(`real-time speed factor (--clock realtime and --mode live), simulated seconds per wall second (default ${DEFAULT_REALTIME_SPEED})`)
  ),
  mode: Flag.Literals("mode", ["in-process", "nats", "live", "auto"]).pipe(
    Flag.optional,
    Flag.withDescription("in-process: the engine's dispatcher in this process; nats: through a `dispatch engine --clock sim` over NATS (--nats or env NATS_URL, else a private nats-server); live: drive an already running `dispatch engine` on the wall clock at --speed (needs --nats or NATS_URL; one policy, the engine's); auto: nats when NATS_URL is set or nats-server is installed, else in-process (default in-process; auto with --demo)")
  ),
  nats: Flag.String("nats").pipe(
    Flag.optional,
    Flag.withDescription("NATS server URL for --mode nats (env NATS_URL; default a private nats-server started and stopped by the run)")
  ),
  api: Flag.String("api").pipe(
    Flag.optional,
    Flag.withDescription("--mode live: send riders' orders through the API gateway at this URL (POST /v1/rides) instead of publishing them to NATS (default off)")
  ),
  from: Flag.String("from").pipe(
    Flag.optional,
    Flag.withDescription("first request time replayed, ISO-8601 with a zone or epoch (default: the first trip's)")
  ),
  to: Flag.String("to").pipe(
    Flag.optional,
    Flag.withDescription("replay requests before this time, ISO-8601 with a zone or epoch (default: through the last trip)")
  ),
  out: Flag.String("out").pipe(
    Flag.withDefault(DEFAULT_OUT_DIR),
    Flag.withDescription(`output directory for kpis.<policy>.json, run.json, summary.md, report.html (default ${DEFAULT_OUT_DIR})`)
  ),
  maxWaitS: ranged(Flag.Int("max-wait-s"), "max-wait-s", 1, 3_600).pipe(
    Flag.withDefault(DEFAULT_MAX_WAIT_MS / 1000),
    Flag.withDescription(`the engine's wait limit per order (maxWaitMs), seconds (default ${DEFAULT_MAX_WAIT_MS / 1000})`)
  ),
  patience: Flag.String("patience").pipe(
    Flag.withDefault(DEFAULT_PATIENCE_SPEC),
    Flag.withDescription(`rider patience before cancelling, seconds: fixed:S | uniform:MIN,MAX | exponential:MEAN | lognormal:MEDIAN,SIGMA (default ${DEFAULT_PATIENCE_SPEC})`)
  ),
  declineProbability: ranged(Flag.Finite("decline-probability"), "decline-probability", 0, 1).pipe(
    Flag.withDefault(DEFAULT_DECLINE_PROBABILITY),
    Flag.withDescription(`probability that a matched driver declines; the order goes back to matching (default ${DEFAULT_DECLINE_PROBABILITY})`)
  ),
  declineResponseS: ranged(Flag.Finite("decline-response-s"), "decline-response-s", 0, 600).pipe(
    Flag.withDefault(DEFAULT_DECLINE_RESPONSE_MS / 1000),
    Flag.withDescription(`seconds a declining driver takes to answer (default ${DEFAULT_DECLINE_RESPONSE_MS / 1000})`)
  ),
  publishIntervalS: ranged(Flag.Finite("publish-interval-s"), "publish-interval-s", 0, 3_600).pipe(
    Flag.withDefault(DEFAULT_PUBLISH_INTERVAL_MS / 1000),
    Flag.withDescription(`repositioning drivers publish their position this often, seconds; 0: on change only (default ${DEFAULT_PUBLISH_INTERVAL_MS / 1000})`)
  ),
  reposition: Flag.Boolean("reposition").pipe(
    Flag.withDefault(false),
    Flag.withDescription(`idle drivers drive toward demand after ${DEFAULT_REPOSITION_AFTER_MS / 60_000} idle minutes (default off)`)
  ),
  shiftHours: ranged(Flag.Finite("shift-hours"), "shift-hours", 0.5, 24).pipe(
    Flag.optional,
    Flag.withDescription("each driver works one shift of this many hours a day, timed by demand (default: on duty all run)")
  ),
  metricsPort: ranged(Flag.Int("metrics-port"), "metrics-port", 1, 65_535).pipe(
    Flag.optional,
    Flag.withDescription(`serve the run's KPIs as Prometheus metrics on this port at /metrics (--metrics-host; the local stack's Prometheus scrapes ${DEFAULT_SIM_METRICS_PORT}) (default off)`)
  ),
  metricsHost: Flag.String("metrics-host").pipe(
    Flag.withDefault("127.0.0.1"),
    Flag.withDescription("address of the --metrics-port server (default 127.0.0.1)")
  ),
  metricsHold: Flag.Boolean("metrics-hold").pipe(
    Flag.withDefault(false),
    Flag.withDescription("with --metrics-port: after the run, keep serving /metrics until Ctrl-C, so a scraper sees the final figures (default off)")
  ),
  mapResolution: ranged(Flag.Int("map-resolution"), "map-resolution", 4, 10).pipe(
    Flag.optional,
    Flag.withDescription("H3 resolution of the report's wait map (default: the market's)")
  )
}
