/**
 * A gateway world for one test file: a private nats-server with Dispatch's streams and buckets,
 * one region intake per region (each on its own NATS connection, in its own scope, so a test
 * can stop and restart a region), and the gateway itself on a free loopback port with an
 * in-memory region table. Everything is stopped after the file's tests.
 */
import { Effect, Exit, References, Scope } from "effect"
import { afterAll, beforeAll } from "vitest"
import { connectNats, ensureStreamsAndBuckets, loadMarketCatalog, marketFilesFromEnv, runRegionIntake, type NatsClient } from "#engine"
import type { Counter } from "prom-client"
import { LocalNatsServer } from "#engine/testing"
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from "../../src/auth/auth-settings.ts"
import { DEFAULT_CIRCUIT_BREAKER_CONFIG, DEFAULT_OUTLIER_CONFIG } from "../../src/breaker/breaker-config.ts"
import { startGateway, type GatewayConfig } from "../../src/main/gateway.ts"
import { makeRegionConfig, tableOf, type RegionConfigHandle } from "./region-config.ts"

export const REGIONS = ["us-west", "us-east", "eu-central"] as const

/** Fast breakers so a test sees open -> half-open -> closed in about a second. */
export const TEST_TARGETS: GatewayConfig["targets"] = {
  breaker: {
    ...DEFAULT_CIRCUIT_BREAKER_CONFIG,
    slidingWindow: { kind: "count", calls: 20 },
    minimumNumberOfCalls: 10,
    waitDurationInOpenStateMs: 1_000,
    permittedNumberOfCallsInHalfOpenState: 3
  },
  // More consecutive failures than the breaker's minimum calls: a stopped region opens its
  // breaker before outlier detection ejects it (ejected first, it would get too few calls for
  // the breaker to judge, and whether it opened would depend on how many calls were in flight).
  outlier: { ...DEFAULT_OUTLIER_CONFIG, consecutiveFailures: 15, baseEjectionTimeMs: 1_000, maxEjectionTimeMs: 4_000 }
}

export interface GatewayWorld {
  readonly server: () => LocalNatsServer
  /** A NATS client of the test's own (to read streams and KV). */
  readonly client: () => NatsClient
  readonly url: () => string
  readonly regions: () => RegionConfigHandle
  readonly gateway: () => Effect.Success<ReturnType<typeof startGateway>>
  readonly stopRegion: (region: string) => Promise<void>
  readonly startRegion: (region: string) => Promise<void>
  /** One more intake of `region` (a lane's, with `lane`), counting its requests in `counter`; resolves to its stop. */
  readonly startIntake: (region: string, options?: { readonly lane?: string; readonly counter?: IntakeCounter }) => Promise<() => Promise<void>>
  readonly request: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; json: any; headers: Headers }>
}

/** `--auth none`, what every test of routing, breakers and input checks runs with. */
export const NO_AUTH: GatewayConfig["auth"] = { keys: { _tag: "None" }, claims: { issuer: DEFAULT_ISSUER, audience: DEFAULT_AUDIENCE } }

/** An intake's request counter (`dispatch_intake_requests_total`'s labels), one per intake under test. */
export type IntakeCounter = Counter<"region" | "lane" | "operation" | "outcome">

export const useGatewayWorld = (options: {
  readonly weights?: Record<string, Record<string, number>>
  readonly balancer?: GatewayConfig["balancer"]
  readonly auth?: GatewayConfig["auth"]
  /** The gateway's `--lane`. */
  readonly lane?: string
  /** Follow KV `dispatch_config` as `dispatch api` does, instead of the in-memory table (`regions()` then changes nothing). */
  readonly kvConfig?: boolean
} = {}): GatewayWorld => {
  let server: LocalNatsServer | undefined
  let client: NatsClient | undefined
  let url = ""
  let gateway: Effect.Success<ReturnType<typeof startGateway>> | undefined
  const scope = Effect.runSync(Scope.make())
  // Warnings and errors only (breakers opening, ejections): info lines would drown the figures the tests print.
  const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>, s: Scope.Scope = scope) =>
    Effect.runPromise(Scope.provide(effect, s).pipe(Effect.provideService(References.MinimumLogLevel, "Warn")))
  const regionScopes = new Map<string, Scope.Closeable>()
  const regions = makeRegionConfig(tableOf(REGIONS, options.weights ?? {}))

  const intakeIn = (s: Scope.Scope, region: string, options: { readonly lane?: string; readonly counter?: IntakeCounter } = {}) =>
    run(Effect.gen(function*() {
      const catalog = yield* loadMarketCatalog(marketFilesFromEnv({}))
      const own = yield* connectNats({ servers: [server!.url], name: `intake-${region}${options.lane === undefined ? "" : `-${options.lane}`}` })
      yield* runRegionIntake({ client: own, catalog, region, lane: options.lane, metrics: options.counter === undefined ? undefined : { intakeRequests: options.counter } })
    }), s)
  const extraScopes = new Set<Scope.Closeable>()
  const startIntake = async (region: string, options: { readonly lane?: string; readonly counter?: IntakeCounter } = {}) => {
    const s = Effect.runSync(Scope.make())
    extraScopes.add(s)
    await intakeIn(s, region, options)
    return async () => {
      if (extraScopes.delete(s)) await Effect.runPromise(Scope.close(s, Exit.void))
    }
  }
  const startRegion = async (region: string) => {
    if (regionScopes.has(region)) return
    const regionScope = Effect.runSync(Scope.make())
    regionScopes.set(region, regionScope)
    await intakeIn(regionScope, region)
  }
  const stopRegion = async (region: string) => {
    const s = regionScopes.get(region)
    regionScopes.delete(region)
    if (s !== undefined) await Effect.runPromise(Scope.close(s, Exit.void))
  }

  beforeAll(async () => {
    server = await LocalNatsServer.start()
    client = await run(connectNats({ servers: [server.url], name: "gateway-test" }))
    await run(ensureStreamsAndBuckets(client))
    for (const region of REGIONS) await startRegion(region)
    gateway = await run(startGateway({
      nats: { servers: [server.url], name: "gateway-under-test" },
      host: "127.0.0.1",
      port: 0,
      regions: REGIONS,
      ownRegion: "us-west",
      lane: options.lane,
      marketFiles: marketFilesFromEnv({}),
      balancer: options.balancer ?? { deadlineMs: 2_000, tryTimeoutMs: 500 },
      targets: TEST_TARGETS,
      auth: options.auth ?? NO_AUTH
    }, { regionConfig: options.kvConfig === true ? undefined : regions.layer }))
    url = gateway.url
  }, 30_000)

  afterAll(async () => {
    for (const region of [...regionScopes.keys()]) await stopRegion(region)
    for (const s of [...extraScopes]) await Effect.runPromise(Scope.close(s, Exit.void))
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await server?.dispose()
  }, 30_000)

  return {
    server: () => server!,
    client: () => client!,
    url: () => url,
    regions: () => regions,
    gateway: () => gateway!,
    stopRegion,
    startRegion,
    startIntake,
    request: async (method, path, body, headers = {}) => {
      const init: RequestInit = { method, headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers } }
      if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body)
      const res = await fetch(`${url}${path}`, init)
      const text = await res.text()
      let json: unknown
      try {
        json = text === "" ? undefined : JSON.parse(text)
      } catch {
        json = text
      }
      return { status: res.status, json, headers: res.headers }
    }
  }
}
