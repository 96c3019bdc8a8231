/**
 * `dispatch calibrate --trips FILE`: fit the ETA model's road factor and hourly speeds to trip
 * records (calibration/eta-fit.ts), report the fit error against the model it replaces, and
 * write the market config with the fitted `eta` (to --out, else to stdout, so that
 * `dispatch calibrate --trips f > sf.json` works). `dispatch simulate --market-file` then uses it.
 */
import { atLeast, above, DEFAULT_ETA_PARAMETERS, finiteFlag, marketFilesFromEnv } from "#engine"
import { Console, Effect, Option, Stream } from "effect"
import { CliError, Command, Flag } from "effect/cli"
import { writeFile } from "node:fs/promises"
import { DEFAULT_MAX_KM, DEFAULT_MIN_KM, type EtaFit, EtaFitter } from "../calibration/eta-fit.ts"
import { CalibrationFailed } from "../calibration/errors.ts"
import { findMarketConfig, rebaseRoads, withEta } from "../calibration/market-config-file.ts"
import { formatReadSummary } from "../trips/rejections.ts"
import { InvalidFlag } from "../scenario/errors.ts"
import { loadMarket, tripsFromFile } from "../scenario/inputs.ts"
import { DEFAULT_MARKET_ID } from "../scenario/scenario.ts"
import { OutputFailed } from "./errors.ts"
import { columnsFlag, marketFlags } from "./simulate-flags.ts"

const calibrateFlags = {
  market: marketFlags,
  columns: columnsFlag,
  trips: Flag.String("trips").pipe(Flag.withDescription("trips CSV file with dropoff_time and trip_distance_km (required)")),
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
  )
}

const hourly = (values: ReadonlyArray<number>) =>
  [0, 12].map((from) => values.slice(from, from + 12).map((v, i) => `${String(from + i).padStart(2, "0")} ${v}`).join(" | ")).join("\n  ")

export const fitReport = (fit: EtaFit, previousRoadFactor: number): string =>
  [
    `trips used: ${fit.tripsUsed.toLocaleString("en-US")} of ${fit.tripsSeen.toLocaleString("en-US")} read` +
    ` (skipped: ${Object.entries(fit.skipped).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`).join(", ") || "none"})`,
    `road factor: ${fit.parameters.roadFactor} (was ${previousRoadFactor})`,
    `speed by local hour, km/h:\n  ${hourly(fit.parameters.speedKmhByHour)}`,
    ...(fit.sparseHours.length > 0 ? [`hours with under 30 trips took the all-day speed: ${fit.sparseHours.join(", ")}`] : []),
    `fit error (trip duration, on the trips used): MAPE ${fit.error.mape}%, median ${fit.error.medianApe}%, bias ${fit.error.bias}%`,
    `model replaced:                               MAPE ${fit.previousError.mape}%, median ${fit.previousError.medianApe}%, bias ${fit.previousError.bias}%`
  ].join("\n")

const runCalibrate = (flags: Command.Command.Config.Infer<typeof calibrateFlags>) =>
  Effect.gen(function*() {
    const choice = yield* loadMarket(
      Option.getOrElse(flags.market.id, () => DEFAULT_MARKET_ID),
      Option.getOrElse(flags.market.files, () => marketFilesFromEnv())
    )
    const input = yield* tripsFromFile(flags.trips, Option.getOrUndefined(flags.columns), choice)
    if (!(flags.minKm < flags.maxKm)) return yield* new InvalidFlag({ flag: "max-km", problem: `must be above --min-km (${flags.minKm})` })
    const fitter = new EtaFitter(choice.market.timeZone, flags.minKm, flags.maxKm)
    yield* Stream.runForEachArray(input.source.trips, (trips) => Effect.sync(() => trips.forEach((t) => fitter.add(t))))
    const read = yield* input.summary
    if (read !== undefined && read.rejected > 0) yield* Console.error(formatReadSummary(read).join("\n"))
    const previous = choice.market.eta ?? DEFAULT_ETA_PARAMETERS
    const fit = fitter.result(previous)
    if (fit === undefined) return yield* new CalibrationFailed({ problem: `${flags.trips}: no trip with dropoff_time and trip_distance_km passed the filters (docs/simulator.md, "Calibration")` })
    const { path, config } = yield* findMarketConfig(choice.files, choice.market.id)
    const out = Option.getOrUndefined(flags.out)
    const text = yield* Effect.fromResult(out === undefined ? withEta(config, fit.parameters, `${path} (calibrated)`) : withEta(rebaseRoads(config, path, out), fit.parameters, out))
    const report = `calibrated market ${choice.market.id} (${path}) from ${flags.trips}\n${fitReport(fit, previous.roadFactor)}`
    if (out === undefined) {
      yield* Console.error(report)
      yield* Console.log(text.trimEnd())
    } else {
      yield* Effect.tryPromise({ try: () => writeFile(out, text, "utf8"), catch: (e) => new OutputFailed({ path: out, detail: (e as Error).message }) })
      yield* Console.log(`${report}\nwrote ${out}: use it with dispatch simulate --market-file ${out}`)
    }
  })

export const calibrateCommand = Command.make("calibrate", calibrateFlags, (flags) =>
  runCalibrate(flags).pipe(Effect.mapError((e) => new CliError.UserError({ cause: e, userMessage: e.message })))
).pipe(Command.withDescription("Fit the ETA model's road factor and hourly speeds to trip records; write them into the market config (docs/simulator.md)."))
