/**
 * `dispatch calibrate --trips FILE`: fit the ETA models to trip records (calibration/eta-fit.ts):
 * the great-circle model's road factor and hourly speeds and, for a market with roads, the road
 * model's hourly factors (road distances from the graph, so records need no distance column);
 * report both models' fit errors on the same trips against the models they replace (and as
 * JSON with --json), and write the market config with the fitted `eta` and speed profile (to
 * --out, else to stdout, so that `dispatch calibrate --trips f > sf.json` works).
 * `dispatch simulate --market-file` then uses it.
 */
import { atLeast, above, DEFAULT_ETA_PARAMETERS, finiteFlag, marketFilesFromEnv, runAsTool, TripRoutes } from "#engine"
import { Console, Effect, Option, Stream } from "effect"
import { Command, Flag } from "effect/cli"
import { writeFile } from "node:fs/promises"
import { DEFAULT_MAX_KM, DEFAULT_MIN_KM, type EtaFit, EtaFitter, type FitError, type SkipReason } from "../calibration/eta-fit.ts"
import { CalibrationFailed } from "../calibration/errors.ts"
import { findMarketConfig, rebaseRoads, withEta } from "../calibration/market-config-file.ts"
import type { RequiredColumns } from "../trips/column-mapping.ts"
import { formatReadSummary } from "../trips/rejections.ts"
import { InvalidFlag } from "../scenario/errors.ts"
import { loadMarket, tripsFromFile } from "../scenario/inputs.ts"
import { DEFAULT_MARKET_ID } from "../scenario/scenario.ts"
import { OutputFailed } from "./errors.ts"
import { columnsFlag, marketFlags } from "./simulate-flags.ts"

/** Where calibrate is documented; errors cite it. */
const DOCS = `docs/simulator.md, "dispatch calibrate"`

/**
 * The columns the fit needs besides the ones every trips file has (request_time and the
 * endpoints): checked at the header, so a file without them fails before it is read. A market
 * with roads takes its distances from the graph, so only the durations are needed.
 */
const calibrationColumns = (roads: boolean): RequiredColumns =>
  roads
    ? { columns: ["dropoff_time"], purpose: "calibrate fits speeds from trip durations", docs: DOCS }
    : {
      columns: ["dropoff_time", "trip_distance_km"],
      purpose: "calibrate fits speeds from trip durations and, for a market without roads, the road factor from trip distances",
      docs: DOCS
    }

const calibrateFlags = {
  market: marketFlags,
  columns: columnsFlag,
  trips: Flag.String("trips").pipe(
    Flag.withDescription("trips CSV file with dropoff_time, and trip_distance_km unless the market has roads (required)")
  ),
  minKm: finiteFlag("min-km", atLeast(0)).pipe(
    Flag.withDefault(DEFAULT_MIN_KM),
    Flag.withDescription(`fit trips whose great-circle length is at least this, km (default ${DEFAULT_MIN_KM}: pickup-leg lengths)`)
  ),
  maxKm: finiteFlag("max-km", above(0)).pipe(
    Flag.withDefault(DEFAULT_MAX_KM),
    Flag.withDescription(`... and at most this, km (default ${DEFAULT_MAX_KM})`)
  ),
  out: Flag.String("out").pipe(
    Flag.optional,
    Flag.withDescription("write the calibrated market file here (default: print it on stdout, the report on stderr)")
  ),
  json: Flag.String("json").pipe(
    Flag.optional,
    Flag.withDescription("also write the fit (parameters, trips used, both models' errors) as JSON to this file")
  )
}

/** A progress line on stderr every this many trips read. */
const PROGRESS_EVERY = 50_000

const skipCounts = (skipped: Readonly<Record<SkipReason, number>>) =>
  Object.entries(skipped).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n.toLocaleString("en-US")}`).join(", ") || "none"

/** Why no trip was usable, with the counts, and what to try. */
const noTripFitted = (path: string, seen: number, skipped: Readonly<Record<SkipReason, number>>, minKm: number, maxKm: number) => {
  const lengths = skipped.too_short + skipped.too_long
  const hint = seen === 0
    ? "the file has no trip in the market"
    : lengths === seen
    ? `every trip's great-circle length is outside --min-km ${minKm} .. --max-km ${maxKm}; widen them`
    : skipped.no_dropoff_time_or_distance === seen
    ? "every row has an empty dropoff_time or trip_distance_km"
    : skipped.off_roads === seen
    ? "no trip has both ends on the market's roads"
    : "check the units of trip_distance_km (km) and dropoff_time"
  return new CalibrationFailed({
    problem: `${path}: no trip passed the filters: 0 of ${seen.toLocaleString("en-US")} used (skipped: ${skipCounts(skipped)}); ${hint} (${DOCS})`
  })
}

const hourly = (values: ReadonlyArray<number>) =>
  [0, 12].map((from) => values.slice(from, from + 12).map((v, i) => `${String(from + i).padStart(2, "0")} ${v}`).join(" | ")).join("\n  ")

const percent = (v: number, signed = false) => `${signed && v >= 0 ? "+" : ""}${v.toFixed(signed ? 2 : 1)}%`

const errorRow = (label: string, e: FitError) =>
  `  ${label.padEnd(24)}${percent(e.mape).padStart(8)}${percent(e.medianApe).padStart(8)}${percent(e.bias, true).padStart(9)}`

export const fitReport = (fit: EtaFit, previousRoadFactor: number, previousFactors?: ReadonlyArray<number>): string =>
  [
    `trips used: ${fit.tripsUsed.toLocaleString("en-US")} of ${fit.tripsSeen.toLocaleString("en-US")} read` +
    ` (skipped: ${skipCounts(fit.skipped)})`,
    `road factor: ${fit.parameters.roadFactor} (was ${previousRoadFactor}; ` +
    (fit.roadKmFrom === "records" ? "the records' trip_distance_km)" : `road km of ${fit.routesMeasured.toLocaleString("en-US")} sampled routes on the graph)`),
    `great circle, speed by local hour, km/h:\n  ${hourly(fit.parameters.speedKmhByHour)}`,
    ...(fit.road === undefined ? [] : [
      `road model, free-flow time factor by local hour:\n  ${hourly(fit.road.factorByHour)}`,
      ...(previousFactors === undefined ? [] : [`  (was)\n  ${hourly(previousFactors)}`])
    ]),
    ...(fit.sparseHours.length > 0 ? [`hours with under 30 trips took the all-day fit: ${fit.sparseHours.join(", ")}`] : []),
    `fit error (trip duration) on the same ${fit.tripsUsed.toLocaleString("en-US")} trips:`,
    `${"".padEnd(26)}    MAPE  median     bias`,
    ...(fit.road === undefined ? [] : [errorRow("road model, fitted", fit.road.error)]),
    errorRow("great circle, fitted", fit.error),
    ...(fit.road === undefined ? [] : [errorRow("road model, replaced", fit.road.previousError)]),
    errorRow("great circle, replaced", fit.previousError)
  ].join("\n")

/** The fit as the --json file holds it. */
const fitJson = (fit: EtaFit, market: string, trips: string, previous: { eta: object; factorByHour: ReadonlyArray<number> | undefined }) => ({
  market,
  trips,
  tripsSeen: fit.tripsSeen,
  tripsUsed: fit.tripsUsed,
  skipped: fit.skipped,
  tripsByLocalHour: fit.tripsByHour,
  sparseHours: fit.sparseHours,
  roadKmFrom: fit.roadKmFrom,
  routesMeasured: fit.routesMeasured,
  greatCircle: { fitted: fit.parameters, replaced: previous.eta, error: fit.error, replacedError: fit.previousError },
  road: fit.road === undefined ? null : {
    fitted: { factorByHour: fit.road.factorByHour },
    replaced: { factorByHour: previous.factorByHour },
    error: fit.road.error,
    replacedError: fit.road.previousError
  }
})

const writeOut = (path: string, text: string) =>
  Effect.tryPromise({ try: () => writeFile(path, text, "utf8"), catch: (e) => new OutputFailed({ path, detail: (e as Error).message }) })

const runCalibrate = (flags: Command.Command.Config.Infer<typeof calibrateFlags>) =>
  Effect.gen(function*() {
    const choice = yield* loadMarket(
      Option.getOrElse(flags.market.id, () => DEFAULT_MARKET_ID),
      Option.getOrElse(flags.market.files, () => marketFilesFromEnv())
    )
    const input = yield* tripsFromFile(flags.trips, Option.getOrUndefined(flags.columns), choice, calibrationColumns(choice.market.roads !== undefined))
    if (!(flags.minKm < flags.maxKm)) return yield* new InvalidFlag({ flag: "max-km", problem: `must be above --min-km (${flags.minKm})` })
    if (choice.market.roads !== undefined) yield* Console.error(`calibrate: loading the road graph ${choice.market.roads.directory}`)
    const routes = yield* TripRoutes.forMarket(choice.market)
    const fitter = new EtaFitter(choice.market.timeZone, flags.minKm, flags.maxKm, routes)
    const started = performance.now()
    let read = 0
    yield* Stream.runForEachArray(input.source.trips, (trips) =>
      Effect.gen(function*() {
        for (const trip of trips) {
          fitter.add(trip)
          if (++read % PROGRESS_EVERY === 0) {
            yield* Console.error(`calibrate: ${read.toLocaleString("en-US")} trips read, ${fitter.tripsUsed.toLocaleString("en-US")} used, ${((performance.now() - started) / 1000).toFixed(0)} s`)
          }
        }
      }))
    const summary = yield* input.summary
    if (summary !== undefined && summary.rejected > 0) yield* Console.error(formatReadSummary(summary).join("\n"))
    const previous = choice.market.eta ?? DEFAULT_ETA_PARAMETERS
    const previousFactors = choice.market.roads?.factorByHour
    if (fitter.routesToMeasure > 0) yield* Console.error(`calibrate: measuring the road km of ${fitter.routesToMeasure.toLocaleString("en-US")} sampled routes`)
    const fit = fitter.result(previous, previousFactors)
    if (fit === undefined) return yield* noTripFitted(flags.trips, fitter.tally.seen, fitter.tally.skipped, flags.minKm, flags.maxKm)
    const { path, config } = yield* findMarketConfig(choice.files, choice.market.id)
    const out = Option.getOrUndefined(flags.out)
    const factors = fit.road?.factorByHour
    const text = yield* Effect.fromResult(
      out === undefined ? withEta(config, fit.parameters, `${path} (calibrated)`, factors) : withEta(rebaseRoads(config, path, out), fit.parameters, out, factors)
    )
    const report = `calibrated market ${choice.market.id} (${path}) from ${flags.trips} in ${((performance.now() - started) / 1000).toFixed(1)} s\n` +
      fitReport(fit, previous.roadFactor, previousFactors)
    const json = Option.getOrUndefined(flags.json)
    if (json !== undefined) {
      yield* writeOut(json, `${JSON.stringify(fitJson(fit, choice.market.id, flags.trips, { eta: previous, factorByHour: previousFactors }), null, 2)}\n`)
    }
    if (out === undefined) {
      yield* Console.error(report)
      yield* Console.log(text.trimEnd())
    } else {
      yield* writeOut(out, text)
      yield* Console.log(`${report}\nwrote ${out}: use it with npx dispatch simulate --market-file ${out}`)
    }
  })

export const calibrateCommand = Command.make("calibrate", calibrateFlags, (flags) =>
  runAsTool(runCalibrate(flags))
).pipe(Command.withDescription(
    "Fit the ETA models (great circle; a roads market's speed profile) to trip records; write them into the market config (docs/simulator.md)."
  ))
