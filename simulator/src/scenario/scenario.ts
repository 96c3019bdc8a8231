/**
 * A simulation scenario as one typed value: where the trips come from and which window of them,
 * the market, the fleet, the riders, the policies, the clock, the transport mode and the
 * outputs, the shape AMoDeus, FleetPy and MATSim give their users. Built from a scenario file
 * (scenario-file.ts) and/or flags (cli/scenario-from-flags.ts), then run (run-scenario.ts).
 *
 * The Schema is the file format (docs/simulator.md, "Scenario files"): every field but `trips`
 * has a default, and each numeric field has the range its flag has (the same `Range`, so a
 * value refused on the command line is refused in a file, with the same words).
 */
import { between, DEFAULT_BATCH_MAX_ORDERS, DEFAULT_BATCH_WINDOW_MS, DISPATCH_RANGES, isInRange, POLICIES, type Range } from "#engine"
import { Effect, Result, Schema } from "effect"
import { REPOSITION_METHODS } from "../fleet/repositioning.ts"
import { parsePatience, DEFAULT_PATIENCE_SPEC } from "../riders/patience.ts"
import {
  DEFAULT_DECLINE_PROBABILITY,
  DEFAULT_DECLINE_RESPONSE_MS,
  DEFAULT_DRIVERS,
  DEFAULT_MAX_WAIT_MS,
  DEFAULT_PUBLISH_INTERVAL_MS,
  DEFAULT_REALTIME_SPEED,
  DEFAULT_SEED
} from "../runner/defaults.ts"
import { parseTripTime } from "../trips/trip-time.ts"

/** Where reports go when no output directory is given: under the checkout's git-ignored out/. */
const DEFAULT_OUT_DIR = "out/simulate"
export const DEFAULT_MARKET_ID = "sf"
const DEFAULT_METRICS_HOST = "127.0.0.1"
/** Synthetic city defaults: a Friday, a whole day. */
export const DEFAULT_SYNTHETIC_DATE = "2025-06-06"
export const DEFAULT_SYNTHETIC_HOURS = 24

/** Each numeric setting's range, shared by its flag and its field. */
export const LIMITS = {
  tripsPerDay: between(1, 50_000_000),
  syntheticHours: between(1, 8_784),
  drivers: between(1, 1_000_000),
  seed: between(0, 4_294_967_295),
  seeds: between(1, 100),
  workers: between(1, 256),
  batchWindowMs: DISPATCH_RANGES.batchWindowMs,
  batchMaxOrders: DISPATCH_RANGES.batchMaxOrders,
  speed: between(0.001, 1_000_000),
  maxWaitS: between(1, 3_600),
  declineProbability: between(0, 1),
  declineResponseS: between(0, 600),
  publishIntervalS: between(0, 3_600),
  shiftHours: between(0.5, 24),
  rebalanceIntervalS: between(10, 3_600),
  rebalanceHorizonMin: between(1, 1_440),
  rebalanceResolution: between(4, 10),
  rebalanceMaxKm: between(0.1, 100),
  metricsPort: between(1, 65_535),
  mapResolution: between(4, 10)
} satisfies Record<string, Range>

export const CLOCKS = ["virtual", "realtime"] as const
export const MODES = ["in-process", "nats", "live", "auto"] as const

export const TRIP_TIME_EXPECTED = "expected an ISO-8601 time with a zone (2008-06-01T00:00:00Z) or epoch"

const int = (range: Range) => Schema.Int.check(isInRange(range))
const finite = (range: Range) => Schema.Finite.check(isInRange(range))
const orDefault = <S extends Schema.Top>(value: S["Encoded"]) => (schema: S) => schema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value)))

const TripTime = Schema.String.check(Schema.makeFilter((s) => parseTripTime(s) !== undefined || `${TRIP_TIME_EXPECTED}, got "${s}"`))
const LocalDate = Schema.String.check(Schema.makeFilter((s) => /^\d{4}-\d{2}-\d{2}$/.test(s) || `expected a date YYYY-MM-DD, got "${s}"`))
const Patience = Schema.String.check(Schema.makeFilter((s) => {
  const parsed = parsePatience(s)
  return Result.isSuccess(parsed) || parsed.failure.message
}))
const Path = Schema.String.check(Schema.isMinLength(1))

export const TripsSource = Schema.Union([
  /** The shipped SF sample (simulator/scenarios/sf-sample/README.md). */
  Schema.Struct({ kind: Schema.Literal("sample") }),
  Schema.Struct({ kind: Schema.Literal("file"), path: Path, columns: Schema.optionalKey(Schema.String) }),
  Schema.Struct({
    kind: Schema.Literal("synthetic"),
    tripsPerDay: int(LIMITS.tripsPerDay),
    date: LocalDate.pipe(orDefault(DEFAULT_SYNTHETIC_DATE)),
    hours: int(LIMITS.syntheticHours).pipe(orDefault(DEFAULT_SYNTHETIC_HOURS))
  })
]).annotate({ message: 'must be {"kind": "sample"}, {"kind": "file", "path": FILE} or {"kind": "synthetic", "tripsPerDay": N}' })
export type TripsSource = typeof TripsSource.Type

const PolicyNames = Schema.Array(Schema.Literals(POLICIES)).check(
  Schema.isMinLength(1),
  Schema.makeFilter((names) => new Set(names).size === names.length || `names a policy twice: ${names.join(", ")}`)
)

const settings = {
  description: Schema.optionalKey(Schema.String),
  /** Requests replayed: [from, to); absent ends are the trips' own. */
  window: Schema.Struct({ from: Schema.optionalKey(TripTime), to: Schema.optionalKey(TripTime) }).pipe(orDefault({})),
  /** `files` absent: DISPATCH_MARKETS, else the shipped markets. */
  market: Schema.Struct({
    id: Schema.String.pipe(orDefault(DEFAULT_MARKET_ID)),
    files: Schema.optionalKey(Schema.Array(Path).check(Schema.isMinLength(1)))
  }).pipe(orDefault({})),
  fleet: Schema.Struct({
    drivers: int(LIMITS.drivers).pipe(orDefault(DEFAULT_DRIVERS)),
    driversFile: Schema.optionalKey(Path),
    reposition: Schema.Boolean.pipe(orDefault(false)),
    /** Absent: DEFAULT_REPOSITION_METHOD; the rebalance settings absent: rebalancing.ts's defaults. */
    repositionMethod: Schema.optionalKey(Schema.Literals(REPOSITION_METHODS)),
    rebalanceIntervalS: Schema.optionalKey(int(LIMITS.rebalanceIntervalS)),
    rebalanceHorizonMin: Schema.optionalKey(finite(LIMITS.rebalanceHorizonMin)),
    rebalanceResolution: Schema.optionalKey(int(LIMITS.rebalanceResolution)),
    rebalanceMaxKm: Schema.optionalKey(finite(LIMITS.rebalanceMaxKm)),
    shiftHours: Schema.optionalKey(finite(LIMITS.shiftHours)),
    publishIntervalS: finite(LIMITS.publishIntervalS).pipe(orDefault(DEFAULT_PUBLISH_INTERVAL_MS / 1000)),
    declineProbability: finite(LIMITS.declineProbability).pipe(orDefault(DEFAULT_DECLINE_PROBABILITY)),
    declineResponseS: finite(LIMITS.declineResponseS).pipe(orDefault(DEFAULT_DECLINE_RESPONSE_MS / 1000))
  }).pipe(orDefault({})),
  riders: Schema.Struct({
    patience: Patience.pipe(orDefault(DEFAULT_PATIENCE_SPEC)),
    maxWaitS: int(LIMITS.maxWaitS).pipe(orDefault(DEFAULT_MAX_WAIT_MS / 1000))
  }).pipe(orDefault({})),
  policies: Schema.Struct({
    names: PolicyNames.pipe(orDefault(["greedy"])),
    batchWindowMs: int(LIMITS.batchWindowMs).pipe(orDefault(DEFAULT_BATCH_WINDOW_MS)),
    batchMaxOrders: int(LIMITS.batchMaxOrders).pipe(orDefault(DEFAULT_BATCH_MAX_ORDERS))
  }).pipe(orDefault({})),
  seed: int(LIMITS.seed).pipe(orDefault(DEFAULT_SEED)),
  /** Replays per policy, with the seeds `seed`, `seed + 1`, … (run-scenario.ts, `replaySeeds`). */
  seeds: int(LIMITS.seeds).pipe(orDefault(1)),
  /** Worker threads for the replays (in-process, virtual clock); absent: 1, the replays one after another in this thread. */
  workers: Schema.optionalKey(int(LIMITS.workers)),
  /** `speed` also paces live mode. */
  clock: Schema.Struct({
    kind: Schema.Literals(CLOCKS).pipe(orDefault("virtual")),
    speed: finite(LIMITS.speed).pipe(orDefault(DEFAULT_REALTIME_SPEED))
  }).pipe(orDefault({})),
  /** `nats` absent: NATS_URL, else (nats mode) a private nats-server. */
  mode: Schema.Struct({
    kind: Schema.Literals(MODES).pipe(orDefault("in-process")),
    nats: Schema.optionalKey(Schema.String),
    /** Live mode: the nkey seed file the run connects with (the simulator role's, docs/security.md). */
    natsNkey: Schema.optionalKey(Schema.String),
    api: Schema.optionalKey(Schema.String)
  }).pipe(orDefault({})),
  outputs: Schema.Struct({
    dir: Path.pipe(orDefault(DEFAULT_OUT_DIR)),
    mapResolution: Schema.optionalKey(int(LIMITS.mapResolution)),
    metricsPort: Schema.optionalKey(int(LIMITS.metricsPort)),
    metricsHost: Schema.String.pipe(orDefault(DEFAULT_METRICS_HOST)),
    metricsHold: Schema.Boolean.pipe(orDefault(false))
  }).pipe(orDefault({}))
}

/** What a scenario file holds: a scenario whose trips may still come from a flag. */
export const ScenarioFile = Schema.Struct({ trips: Schema.optionalKey(TripsSource), ...settings })
export type ScenarioFile = typeof ScenarioFile.Type

/** A scenario ready to run. */
export type Scenario = ScenarioFile & { readonly trips: TripsSource }
