/**
 * Writing calibrated ETA parameters into a market config: the market's own file is read as
 * JSON, its `eta` key (and a roads market's speed profile) set, every other key kept in order,
 * and the result checked with the engine's own market parser before anyone writes it.
 */
import { type EtaParameters, parseMarket } from "#engine"
import { Effect, Result } from "effect"
import { readFile } from "node:fs/promises"
import { dirname, isAbsolute, relative, resolve } from "node:path"
import { CalibrationFailed } from "./errors.ts"

/** The file among `files` that defines market `id`, and its JSON object. */
export const findMarketConfig = (files: ReadonlyArray<string>, id: string) =>
  Effect.gen(function*() {
    for (const path of files) {
      const text = yield* Effect.tryPromise({ try: () => readFile(path, "utf8"), catch: (e) => new CalibrationFailed({ problem: `${path}: cannot read: ${(e as Error).message}` }) })
      const json = Result.try(() => JSON.parse(text) as unknown)
      if (Result.isSuccess(json) && typeof json.success === "object" && json.success !== null && (json.success as { id?: unknown }).id === id) {
        return { path, config: json.success as Record<string, unknown> }
      }
    }
    return yield* new CalibrationFailed({ problem: `no market file among ${files.join(", ")} defines market "${id}"` })
  })

/**
 * The config with a relative `roads.path` re-pointed from `fromFile`'s directory to `toFile`'s,
 * so that a calibrated copy written elsewhere still finds the market's road graph.
 */
export const rebaseRoads = (config: Record<string, unknown>, fromFile: string, toFile: string): Record<string, unknown> => {
  const roads = config["roads"]
  if (typeof roads !== "object" || roads === null) return config
  const path = (roads as { path?: unknown }).path
  if (typeof path !== "string" || isAbsolute(path)) return config
  const moved = relative(dirname(resolve(toFile)), resolve(dirname(fromFile), path)) || "."
  return { ...config, roads: { ...roads, path: moved } }
}

/**
 * The config with `eta` set and, given `factorByHour` (a market with roads), its roads' speed
 * profile, as the file's text (2-space JSON), validated by the engine's parser.
 */
export const withEta = (config: Record<string, unknown>, eta: EtaParameters, source: string, factorByHour?: ReadonlyArray<number>): Result.Result<string, CalibrationFailed> => {
  const roads = config["roads"]
  const calibrated = factorByHour === undefined || typeof roads !== "object" || roads === null
    ? { ...config, eta }
    : { ...config, roads: { ...roads, speedProfile: { ...(roads as { speedProfile?: object }).speedProfile, factorByHour } }, eta }
  const text = `${JSON.stringify(calibrated, null, 2)}\n`
  const parsed = parseMarket(text, source)
  return Result.isFailure(parsed) ? Result.fail(new CalibrationFailed({ problem: parsed.failure.message })) : Result.succeed(text)
}
