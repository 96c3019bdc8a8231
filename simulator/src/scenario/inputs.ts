/**
 * What a scenario and `calibrate` read: the market (from the market files, shipped or given)
 * and the trips (a file, the shipped sample, or a synthetic city), each failing with an error
 * that names the file, line or flag at fault.
 */
import { EtaModel, loadMarketCatalog, type Eta, type Market, type MarketCatalog, type RoadGraphError } from "#engine"
import { Context, Effect, Layer } from "effect"
import { fileURLToPath } from "node:url"
import { parseColumnMapping, type RequiredColumns } from "../trips/column-mapping.ts"
import { startOfLocalDay } from "../trips/local-time.ts"
import { type TripReadSummary } from "../trips/rejections.ts"
import { syntheticCity } from "../trips/synthetic-city.ts"
import { readTripCsv } from "../trips/trip-csv.ts"
import type { TripSource } from "../runner/replay.ts"
import type { TripFileError } from "../trips/errors.ts"
import { InvalidFlag } from "./errors.ts"
import type { TripsSource } from "./scenario.ts"

/** The shipped San Francisco sample (simulator/scenarios/sf-sample/README.md). */
export const SF_SAMPLE_TRIPS = fileURLToPath(new URL("../../scenarios/sf-sample/trips.csv", import.meta.url))

export interface MarketChoice {
  readonly catalog: MarketCatalog
  readonly market: Market
  readonly files: ReadonlyArray<string>
}

export const loadMarket = (id: string, files: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const catalog = yield* loadMarketCatalog(files)
    const market = catalog.get(id)
    if (market === undefined) {
      return yield* new InvalidFlag({ flag: "market", problem: `unknown market "${id}" in ${files.join(", ")} (known: ${catalog.markets.map((m) => m.id).join(", ")})` })
    }
    return { catalog, market, files } satisfies MarketChoice
  })

/**
 * The market's ETA model through the engine's seam (`EtaModel.layerFromMarkets`): the road
 * model on its graph when the market file has a `roads` section, else great circle. Fails with
 * the graph's file and line when the graph cannot be used.
 */
export const marketEta = (market: Market): Effect.Effect<Eta, RoadGraphError> =>
  Effect.scoped(Effect.map(Layer.build(EtaModel.layerFromMarkets([market])), (context) => Context.get(context, EtaModel).forMarket(market)))

export interface TripInput {
  readonly source: TripSource<TripFileError>
  /** The file's read summary (rows used and rejected) after a run; none for a synthetic city. */
  readonly summary: Effect.Effect<TripReadSummary | undefined>
}

/** `require`: optional columns the caller cannot do without (calibrate's). */
export const tripsFromFile = (path: string, columns: string | undefined, choice: MarketChoice, require?: RequiredColumns) =>
  Effect.gen(function*() {
    const mapping = columns === undefined ? undefined : yield* Effect.fromResult(parseColumnMapping(columns))
    const csv = yield* readTripCsv(path, {
      ...(mapping === undefined ? {} : { columns: mapping }),
      ...(require === undefined ? {} : { require }),
      market: { catalog: choice.catalog, marketId: choice.market.id }
    })
    return { source: { name: path, trips: csv.trips }, summary: csv.summary } satisfies TripInput
  })

export const syntheticTrips = (tripsPerDay: number, date: string, hours: number, seed: number, choice: MarketChoice) =>
  Effect.gen(function*() {
    const start = startOfLocalDay(date, choice.market.timeZone)
    if (start === undefined) return yield* new InvalidFlag({ flag: "synthetic-date", problem: `expected a date YYYY-MM-DD, got "${date}"` })
    const trips = yield* syntheticCity({ market: { catalog: choice.catalog, marketId: choice.market.id }, seed, start, hours, tripsPerDay })
    const source: TripSource<TripFileError> = { name: `synthetic:${tripsPerDay}/day from ${date}, ${hours} h`, trips }
    return { source, summary: Effect.succeed(undefined) } satisfies TripInput
  })

/** The trips of a scenario's source; a synthetic city draws from the scenario's seed. */
export const tripsOf = (source: TripsSource, seed: number, choice: MarketChoice) =>
  source.kind === "sample"
    ? tripsFromFile(SF_SAMPLE_TRIPS, undefined, choice)
    : source.kind === "file"
    ? tripsFromFile(source.path, source.columns, choice)
    : syntheticTrips(source.tripsPerDay, source.date, source.hours, seed, choice)
