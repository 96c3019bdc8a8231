/**
 * Which market a trip source serves, and the one test of "is this point in it" that both the
 * file reader (to reject rows) and the synthetic city (to place trips) use: the engine's
 * `MarketCatalog.marketOf`, so a trip the simulator keeps is a trip the engine would accept.
 */
import { Result } from "effect"
import type { Market, MarketCatalog } from "#engine"
import { InvalidTripOption } from "./errors.ts"

export interface MarketScope {
  readonly catalog: MarketCatalog
  readonly marketId: string
}

export interface ResolvedMarket {
  readonly market: Market
  readonly contains: (lat: number, lng: number) => boolean
}

export const resolveMarket = (scope: MarketScope): Result.Result<ResolvedMarket, InvalidTripOption> => {
  const market = scope.catalog.get(scope.marketId)
  if (market === undefined) {
    const known = scope.catalog.markets.map((m) => m.id).join(", ")
    return Result.fail(new InvalidTripOption({ option: "market", problem: `unknown market "${scope.marketId}" (known: ${known || "none"})` }))
  }
  return Result.succeed({ market, contains: (lat, lng) => scope.catalog.marketOf(lat, lng) === market })
}
