/**
 * The `EtaModel` service: hands out the ETA model (./eta.ts) of each market.
 *
 * The default model is great-circle distance × road factor ÷ hour-of-day speed
 * (great-circle-eta.ts). Another model replaces it with another `EtaModel` layer; policies do
 * not change, because they see only `Eta`.
 */
import { Context, Layer } from "effect"
import type { Market } from "../domain/market.ts"
import type { Eta } from "./eta.ts"
import { GreatCircleEta } from "./great-circle-eta.ts"

export class EtaModel extends Context.Service<EtaModel, {
  /** The model of a market; the same object for the same market. */
  readonly forMarket: (market: Market) => Eta
}>()("dispatch/EtaModel") {
  /** Wraps a per-market factory, building each market's model once. */
  static readonly make = (build: (market: Market) => Eta): EtaModel["Service"] => {
    const models = new WeakMap<Market, Eta>()
    return {
      forMarket: (market) => {
        let model = models.get(market)
        if (model === undefined) {
          model = build(market)
          models.set(market, model)
        }
        return model
      }
    }
  }

  /** Great-circle model: the market's `eta` parameters, else the documented defaults. */
  static readonly layerGreatCircle: Layer.Layer<EtaModel> = Layer.sync(EtaModel, () => EtaModel.make(GreatCircleEta.forMarket))

  /** Any other model, e.g. a routing-service client or a fixed model for tests. */
  static readonly layer = (build: (market: Market) => Eta): Layer.Layer<EtaModel> =>
    Layer.sync(EtaModel, () => EtaModel.make(build))
}
