/**
 * The gateway process, composed: markets (to find a pickup's home region), NATS (and the
 * streams and buckets the fallback writes to), the live region table, one breaker per target
 * region (forced open by the fleet-health trigger when it runs), the balancer and the HTTP server. Everything lives in the caller's scope: closing it
 * (SIGINT/SIGTERM under `runMain`) stops the listener, then drains NATS.
 */
import { Context, Effect, Layer } from "effect"
import { HttpServer } from "effect/http"
import { connectNats, ensureStreamsAndBuckets, layerTracing, loadMarketCatalog, MAIN_LANE, Nats, type NatsSettings } from "#engine"
import type { AuthKeys } from "../auth/auth-settings.ts"
import { makeTokenVerifier, type ClaimSettings } from "../auth/caller-token.ts"
import { Balancer, makeBalancer, type BalancerSettings } from "../balancer/balancer.ts"
import { BreakerBoard } from "../balancer/breaker-board.ts"
import { boardOf, makeTargets, type TargetSettings } from "../balancer/targets.ts"
import { makeFleetHealth } from "../health/fleet-health.ts"
import { makeHealthMetrics } from "../health/health-metrics.ts"
import type { HealthSettings } from "../health/health-settings.ts"
import { CallerAuth } from "../http/authentication.ts"
import { CallerLimits } from "../http/caller-limits.ts"
import { GatewayMetrics } from "../http/gateway-metrics.ts"
import { serveGateway } from "../http/server.ts"
import { layerRegionConfigKv } from "../regions/region-config-live.ts"
import { RegionStore } from "../regions/region-store.ts"
import type { RegionConfig } from "../regions/region-table.ts"

export interface GatewayConfig {
  readonly nats: NatsSettings
  /**
   * The ops role's seed file: the admin API writes `dispatch_config` on a connection of its
   * own as ops (docs/security.md). Without it the admin API writes on the gateway's
   * connection, which a server with Dispatch's users refuses.
   */
  readonly opsNkeyFile?: string | undefined
  readonly host: string
  readonly port: number
  /** Every known region: the balancer's targets and the valid `x-region` values. */
  readonly regions: ReadonlyArray<string>
  /** Caller region of requests with neither `x-region` nor a market (status, cancel). */
  readonly ownRegion: string
  /** The lane of requests without `x-dispatch-lane` (`--lane`): a canary gateway colours all its traffic; default main (then lane shares draw). */
  readonly lane?: string | undefined
  readonly marketFiles: ReadonlyArray<string>
  readonly balancer: BalancerSettings
  readonly targets: TargetSettings
  /** How `/v1` callers are authenticated (`--auth`): the keys, and the `iss`/`aud` tokens must carry. */
  readonly auth: { readonly keys: AuthKeys; readonly claims: ClaimSettings }
  /** The fleet-health trigger (`--health-prometheus`); off when undefined. */
  readonly health?: HealthSettings | undefined
}

export interface GatewayOptions {
  /** Replaces the KV-fed region table (tests use an in-memory one). */
  readonly regionConfig?: Layer.Layer<RegionConfig, unknown, Nats> | undefined
  /** Uniform [0, 1) draws for the weighted choice. */
  readonly random?: () => number
}

/** Starts the gateway in the current scope; returns what tests and the command need to see. */
export const startGateway = (config: GatewayConfig, options: GatewayOptions = {}) =>
  Effect.gen(function*() {
    const keys = config.auth.keys
    const catalog = yield* loadMarketCatalog(config.marketFiles)
    const client = yield* connectNats(config.nats)
    yield* ensureStreamsAndBuckets(client)
    const gatewayMetrics = GatewayMetrics.make()
    const { metrics } = gatewayMetrics
    const regionLayer = options.regionConfig ?? layerRegionConfigKv({ regions: config.regions, metrics })
    const regionContext = yield* Layer.build(regionLayer.pipe(Layer.provide(Layer.succeed(Nats, client))))
    const targets = yield* makeTargets(config.regions, config.targets, metrics)
    const balancer = yield* makeBalancer({ client, catalog, targets, metrics, settings: config.balancer, ...(options.random ? { random: options.random } : {}) }).pipe(
      Effect.provideContext(regionContext)
    )
    const healthMetrics = makeHealthMetrics(gatewayMetrics.registry)
    const fleetHealth = config.health === undefined ? undefined : yield* makeFleetHealth(config.health, targets, healthMetrics)
    const board = yield* boardOf(targets, fleetHealth?.view).pipe(Effect.provideContext(regionContext))
    const adminClient = config.opsNkeyFile === undefined
      ? client
      : yield* connectNats({ servers: config.nats.servers, name: `${config.nats.name}/admin`, nkeyFile: config.opsNkeyFile })
    const services = Layer.mergeAll(
      Layer.succeedContext(regionContext),
      // The admin API's writes go through the same store as `dispatch regions`.
      RegionStore.layer(config.regions).pipe(Layer.provide(Layer.succeed(Nats, adminClient))),
      Layer.succeed(Balancer, balancer),
      Layer.succeed(GatewayMetrics, gatewayMetrics),
      CallerLimits.layer.pipe(Layer.provide(Layer.succeed(GatewayMetrics, gatewayMetrics))),
      Layer.succeed(BreakerBoard, board),
      Layer.succeed(CallerAuth, { verifier: keys._tag === "None" ? undefined : makeTokenVerifier(keys, config.auth.claims) })
    )
    const server = yield* Layer.build(
      serveGateway({ host: config.host, port: config.port, deps: { catalog, client, ownRegion: config.ownRegion, lane: config.lane ?? MAIN_LANE } }).pipe(Layer.provide(services))
    )
    const url = HttpServer.formatAddress(Context.get(server, HttpServer.HttpServer).address)
    const auth = keys._tag === "None" ? "none" : keys.source
    yield* Effect.logInfo("gateway listening").pipe(Effect.annotateLogs({ url, regions: config.regions.join(","), ownRegion: config.ownRegion, lane: config.lane ?? MAIN_LANE, auth }))
    if (keys._tag === "None") yield* Effect.logWarning("caller authentication is OFF (--auth none): any caller may read, cancel and update any ride or driver")
    return { url, board, targets, metrics: gatewayMetrics, client }
  })

/** `dispatch api`: the gateway until interrupted, with traces exported when OTEL_EXPORTER_OTLP_ENDPOINT says where. */
export const runGateway = (config: GatewayConfig) =>
  Layer.build(layerTracing("dispatch-api")).pipe(Effect.andThen(startGateway(config)), Effect.andThen(Effect.never))
