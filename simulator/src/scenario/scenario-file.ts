/**
 * Reading a scenario file (`dispatch simulate --scenario FILE`): JSON decoded by the
 * `ScenarioFile` Schema, every problem reported at once with the field at fault; unknown fields
 * are refused, as they are mostly typos. Input paths in the file (trips, drivers and market
 * files) are relative to the file, so a scenario runs from any directory; the output directory
 * is relative to where the command runs, as `--out` is.
 */
import { decodeJsonText } from "#engine"
import { Effect, Result, Schema } from "effect"
import { readFile } from "node:fs/promises"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { ScenarioFileError } from "./errors.ts"
import { ScenarioFile } from "./scenario.ts"

/** The scenario `--demo` runs: the shipped SF sample, greedy vs batch. */
export const DEMO_SCENARIO = fileURLToPath(new URL("../../scenarios/sf-demo.json", import.meta.url))

const decode = Schema.decodeUnknownResult(ScenarioFile, { errors: "all", onExcessProperty: "error" })

const relativeTo = (dir: string, file: ScenarioFile): ScenarioFile => {
  const at = (path: string) => resolve(dir, path)
  const { trips, fleet, market } = file
  return {
    ...file,
    ...(trips?.kind === "file" ? { trips: { ...trips, path: at(trips.path) } } : {}),
    fleet: fleet.driversFile === undefined ? fleet : { ...fleet, driversFile: at(fleet.driversFile) },
    market: market.files === undefined ? market : { ...market, files: market.files.map(at) }
  }
}

/** The scenario in `text`; `path` names the file in errors and anchors its relative paths. */
export const parseScenarioFile = (text: string, path: string): Result.Result<ScenarioFile, ScenarioFileError> =>
  Result.mapBoth(decodeJsonText(decode, text), {
    onSuccess: (file) => relativeTo(dirname(resolve(path)), file),
    onFailure: (problems) => new ScenarioFileError({ path, problems })
  })

export const readScenarioFile = (path: string): Effect.Effect<ScenarioFile, ScenarioFileError> =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (e) => new ScenarioFileError({ path, problems: [`cannot read: ${(e as Error).message}`] })
  }).pipe(Effect.flatMap((text) => Effect.fromResult(parseScenarioFile(text, path))))

/** The scenario of no file: every default, no trips yet. */
export const EMPTY_SCENARIO: ScenarioFile = Result.getOrThrow(decode({}))
