/**
 * `dispatch markets`: list the configured markets and check market files before deploying
 * them, with the same validation the engine runs at start.
 */
import { Console, Effect } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { listFlag } from "../cli/flags.ts"
import { DEFAULT_REGIONS } from "../cli/shared-flags.ts"
import { MarketConfigError } from "../domain/errors.ts"
import { loadMarketCatalog, marketFilesFromEnv, readMarketFile } from "../domain/market-files.ts"

const list = Command.make("list", {
  json: Flag.Boolean("json").pipe(Flag.withDefault(false), Flag.withDescription("print the markets as a JSON array (id, name, timeZone, homeRegion, h3Resolution, cells, maxPickupRadiusMeters, eta, roads)"))
}, ({ json }) =>
  Effect.gen(function*() {
    const files = marketFilesFromEnv()
    const catalog = yield* loadMarketCatalog(files)
    if (json) {
      const markets = catalog.markets.map(({ area: _, roads, ...m }) => ({ ...m, cells: catalog.cellCount(m.id), roads: roads?.directory ?? null, eta: m.eta ?? null }))
      return yield* Console.log(JSON.stringify(markets, null, 2))
    }
    yield* Console.log(`markets from ${files.join(", ")}:`)
    for (const m of catalog.markets) {
      yield* Console.log(
        `  ${m.id.padEnd(10)} ${m.name} · ${m.timeZone} · home region ${m.homeRegion} · H3 res ${m.h3Resolution} · ${catalog.cellCount(m.id)} cells · max pickup ${m.maxPickupRadiusMeters} m`
      )
    }
  })
).pipe(Command.withDescription("List the markets this process would serve (DISPATCH_MARKETS, else the shipped ones)."))

const regionsFlag = listFlag("regions", "DISPATCH_REGIONS").pipe(
  Flag.withDefault(DEFAULT_REGIONS),
  Flag.withDescription(`the deployment's regions, comma-separated: a market's homeRegion must be one (env DISPATCH_REGIONS; default ${DEFAULT_REGIONS.join(",")})`)
)

/** A market whose home region the deployment does not have would be routed nowhere: refused, naming the file. */
const checkHomeRegions = (files: ReadonlyArray<string>, regions: ReadonlyArray<string>) =>
  Effect.forEach(files, (file) =>
    Effect.flatMap(readMarketFile(file), (m) =>
      regions.includes(m.homeRegion) ? Effect.void : Effect.fail(
        new MarketConfigError({
          source: file,
          problems: [`homeRegion: ${JSON.stringify(m.homeRegion)} is not a region of the deployment (${regions.join(", ")}; set with --regions or DISPATCH_REGIONS)`]
        })
      )), { discard: true })

const check = Command.make("check", {
  files: Argument.String("file").pipe(Argument.atLeast(1), Argument.withDescription("market JSON files to validate together")),
  regions: regionsFlag
}, ({ files, regions }) =>
  Effect.gen(function*() {
    yield* checkHomeRegions(files, regions)
    const catalog = yield* loadMarketCatalog(files)
    for (const m of catalog.markets) yield* Console.log(`ok  ${m.id}: ${catalog.cellCount(m.id)} H3 cells at resolution ${m.h3Resolution}`)
  })
).pipe(Command.withDescription("Validate market files (schema, geometry, overlaps, home region among --regions); exits 1 with the problems when one is bad."))

export const marketsCommand = Command.make("markets").pipe(
  Command.withDescription("Inspect and validate market configuration files."),
  Command.withSubcommands([list, check])
)
