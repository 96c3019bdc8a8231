/**
 * Reading market files: JSON text -> validated `Market`, with an error that names the file and
 * the field at fault. The shipped markets live in engine/markets/; `DISPATCH_MARKETS` (a
 * comma-separated list of files) or a `--market-file` flag replaces them.
 */
import { Effect, Result, Schema } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { MarketConfigError } from "./errors.ts"
import { MarketCatalog } from "./market-catalog.ts"
import { MarketConfig, marketFromConfig, type Market } from "./market.ts"
import { decodeJsonText } from "./schema-issues.ts"

/** The markets shipped with Dispatch, used when no file is configured. */
export const SHIPPED_MARKET_FILES: ReadonlyArray<string> = [
  fileURLToPath(new URL("../../markets/sf.json", import.meta.url))
]

const decodeConfig = Schema.decodeUnknownResult(MarketConfig, { errors: "all", onExcessProperty: "error" })

/** Parses one market file's text. `source` names the file in error messages. */
export const parseMarket = (text: string, source: string): Result.Result<Market, MarketConfigError> =>
  Result.mapBoth(decodeJsonText(decodeConfig, text), {
    onSuccess: (config) => marketFromConfig(config, source),
    onFailure: (problems) => new MarketConfigError({ source, problems })
  })

export const readMarketFile = (path: string): Effect.Effect<Market, MarketConfigError> =>
  Effect.try({
    try: () => readFileSync(path, "utf8"),
    catch: (e) => new MarketConfigError({ source: path, problems: [`cannot read: ${(e as Error).message}`] })
  }).pipe(Effect.flatMap((text) => Effect.fromResult(parseMarket(text, path))))

/** Loads the files and builds the catalog; overlapping or duplicate markets are an error. */
export const loadMarketCatalog = (paths: ReadonlyArray<string>): Effect.Effect<MarketCatalog, MarketConfigError> =>
  Effect.forEach(paths, readMarketFile).pipe(
    Effect.flatMap((markets) => {
      const catalog = MarketCatalog.make(markets)
      return typeof catalog === "string"
        ? Effect.fail(new MarketConfigError({ source: paths.join(", "), problems: [catalog] }))
        : Effect.succeed(catalog)
    })
  )

/** Files named by `DISPATCH_MARKETS` (comma-separated), else the shipped markets. */
export const marketFilesFromEnv = (env: NodeJS.ProcessEnv = process.env): ReadonlyArray<string> => {
  const listed = (env["DISPATCH_MARKETS"] ?? "").split(",").map((s) => s.trim()).filter((s) => s.length > 0)
  return listed.length > 0 ? listed : SHIPPED_MARKET_FILES
}
