/**
 * How long a driver takes to reach a pickup: the one interface every policy sees (`Eta`), and
 * the `EtaModel` service that hands out a model per market.
 *
 * The default model is great-circle distance × road factor ÷ hour-of-day speed
 * (great-circle-eta.ts). A routing service can replace it later with another `EtaModel` layer;
 * policies do not change, because they rely only on this contract, including `minEta`, which
 * keeps them exact for models whose ETA is not monotone in distance (docs/matching.md, "Why
 * candidates are exact").
 */
import { Context, Layer } from "effect"
import type { LatLng } from "../domain/geo.ts"
import type { Market } from "../domain/market.ts"
import { GreatCircleEta } from "./great-circle-eta.ts"

export interface Eta {
  /** Seconds for a driver at `from` to reach `to`, leaving at `atMs` (epoch ms). */
  eta(from: LatLng, to: LatLng, atMs: number): number
  /**
   * A lower bound (s) of `eta` over all pairs of points `distanceMeters` apart on the great
   * circle, leaving at `atMs`; nondecreasing in the distance. A routing model can answer
   * distance ÷ its top speed; the great-circle model answers its own ETA, which is exact.
   */
  minEta(distanceMeters: number, atMs: number): number
}

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
