/**
 * `dispatch markets`: list the configured markets and check market files before deploying
 * them, with the same validation the engine runs at start.
 */
import { Console, Effect } from "effect"
import { Argument, Command } from "effect/cli"
import { loadMarketCatalog, marketFilesFromEnv } from "../domain/market-files.ts"

const list = Command.make("list", {}, () =>
  Effect.gen(function*() {
    const files = marketFilesFromEnv()
    const catalog = yield* loadMarketCatalog(files)
    yield* Console.log(`markets from ${files.join(", ")}:`)
    for (const m of catalog.markets) {
      yield* Console.log(
        `  ${m.id.padEnd(10)} ${m.name} · ${m.timeZone} · home region ${m.homeRegion} · H3 res ${m.h3Resolution} · ${catalog.cellCount(m.id)} cells · max pickup ${m.maxPickupRadiusMeters} m`
      )
    }
  })
).pipe(Command.withDescription("List the markets this process would serve (DISPATCH_MARKETS, else the shipped ones)."))

const check = Command.make("check", {
  files: Argument.String("file").pipe(Argument.atLeast(1), Argument.withDescription("market JSON files to validate together"))
}, ({ files }) =>
  Effect.gen(function*() {
    const catalog = yield* loadMarketCatalog(files)
    for (const m of catalog.markets) yield* Console.log(`ok  ${m.id}: ${catalog.cellCount(m.id)} H3 cells at resolution ${m.h3Resolution}`)
  })
).pipe(Command.withDescription("Validate market files (schema, geometry, overlaps); exits 1 with the problems when one is bad."))

export const marketsCommand = Command.make("markets").pipe(
  Command.withDescription("Inspect and validate market configuration files."),
  Command.withSubcommands([list, check])
)
