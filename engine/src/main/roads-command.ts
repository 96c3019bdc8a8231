/**
 * `dispatch roads`: road graphs for routing. `roads import FILE` turns an OpenStreetMap extract
 * (.osm, .osm.gz, or .osm.pbf through osmium-tool) into the road-graph CSV set the router loads
 * (docs/roads.md, "Importing OSM").
 */
import { Console, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { runAsTool } from "../cli/cli-output.ts"
import { basename } from "node:path"
import { formatImportSummary, importOsm } from "../roads/osm/osm-import.ts"
import { findExecutable } from "../transport/executables.ts"

/** `city.osm.pbf` -> `city-roads`: the default output directory, in the working directory. */
const defaultOutDir = (file: string): string =>
  `${basename(file).replace(/(\.osm)?(\.pbf|\.gz|\.xml)?$/i, "").replace(/\.osm$/i, "") || "osm"}-roads`

const importCommand = Command.make("import", {
  file: Argument.String("file").pipe(
    Argument.withDescription("OpenStreetMap extract: OSM XML (.osm), gzipped (.osm.gz), or PBF (.osm.pbf, read through osmium-tool)")
  ),
  out: Flag.String("out").pipe(
    Flag.optional,
    Flag.withDescription("directory for nodes.csv.gz, edges.csv.gz, edges_geometry.csv.gz (default: FILE's name + -roads, here)")
  )
}, ({ file, out }) =>
  Effect.gen(function*() {
    const outDir = Option.getOrElse(out, () => defaultOutDir(file))
    const summary = yield* importOsm(file, outDir, { osmium: findExecutable("osmium", "OSMIUM_BIN"), progress: process.stderr })
    yield* Console.log(formatImportSummary(summary))
  }).pipe(runAsTool)
).pipe(Command.withDescription(
  "Import an OpenStreetMap extract as a car road graph: drivable ways, oneway rules, speeds, largest strongly connected component."
))

export const roadsCommand = Command.make("roads").pipe(
  Command.withDescription("Road graphs for routing: import OpenStreetMap data."),
  Command.withSubcommands([importCommand])
)
