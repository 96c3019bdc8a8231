/**
 * The `EtaModel` service: hands out the ETA model (./eta.ts) of each market. A market's model is chosen by its market file: the road model (road-eta.ts, shortest routes on
 * its road graph × an hour-of-day factor) when it has a `roads` section, else great-circle
 * distance × road factor ÷ hour-of-day speed (great-circle-eta.ts). `EtaModel.layerFromMarkets`
 * is that choice; the engine and the simulator both get their models through it. Policies do
 * not change with the model, because they see only `Eta`.
 */
import { Context, Effect, Layer } from "effect"
import type { Market } from "../domain/market.ts"
import type { RoadGraphError } from "../roads/errors.ts"
import { loadRoadNetwork, type LoadOptions, type RoadNetwork } from "../roads/road-network.ts"
import type { Eta } from "./eta.ts"
import { GreatCircleEta } from "./great-circle-eta.ts"
import { RoadEta } from "./road-eta.ts"

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

  /**
   * Each market's own model, as its file says: roads when it has a `roads` section, great
   * circle otherwise. The graphs of `markets` are loaded when the layer is built (once per
   * directory, shared by the markets that name it), so a bad graph fails the start with the
   * file and line at fault; a roads market not in `markets` is loaded when first asked for.
   */
  static readonly layerFromMarkets = (markets: ReadonlyArray<Market>, options: LoadOptions = {}): Layer.Layer<EtaModel, RoadGraphError> =>
    Layer.effect(
      EtaModel,
      Effect.gen(function*() {
        const networks = new Map<string, RoadNetwork>()
        for (const market of markets) {
          const directory = market.roads?.directory
          if (directory === undefined || networks.has(directory)) continue
          const network = yield* loadRoadNetwork(directory, options)
          networks.set(directory, network)
          const { report: r, timings: t } = network
          yield* Effect.logInfo("road graph loaded").pipe(Effect.annotateLogs({
            market: market.id,
            directory,
            nodes: r.nodes,
            arcs: r.arcs,
            dropped: `${r.droppedNodes} nodes, ${r.droppedArcs} arcs in ${r.droppedComponents} unreachable parts`,
            labels: t.labelsFrom,
            ms: Math.round(t.readMs + t.graphMs + t.snapIndexMs + t.labelsMs),
            mb: Math.round(network.byteSize / 1e5) / 10
          }))
        }
        return EtaModel.make((market) => {
          if (market.roads === undefined) return GreatCircleEta.forMarket(market)
          let network = networks.get(market.roads.directory)
          if (network === undefined) {
            network = Effect.runSync(loadRoadNetwork(market.roads.directory, options))
            networks.set(market.roads.directory, network)
          }
          return RoadEta.forMarket(market, network)
        })
      })
    )

  /** Any other model, e.g. a routing-service client or a fixed model for tests. */
  static readonly layer = (build: (market: Market) => Eta): Layer.Layer<EtaModel> =>
    Layer.sync(EtaModel, () => EtaModel.make(build))
}
