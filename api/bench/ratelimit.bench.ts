/**
 * Rate limits under load (docs/performance.md, "Gateway rate limits"):
 *
 *  1. the check alone: `RateLimiter.check` over 1 000 callers in turn, CPU time per check, and
 *     the accepted count against burst + rate × t on a virtual clock (1 µs per check);
 *  2. the gateway: a real nats-server, one region intake and the gateway (in this process),
 *     limit `limits.us-west` = burst 50, 20/s written to KV as `dispatch regions set-limit`
 *     would; `connections` clients hammer `GET /v1/rides/:id` for `seconds` as one caller (the
 *     same address, `--auth none`). Accepted answers (the region's 404) against the most the
 *     limit allows over the run's wall time, burst + rate × t.
 *
 * Usage: node api/bench/ratelimit.bench.ts [seconds=10] [connections=64]
 * (enough connections that the demand stays above the limit even when an accepted request takes
 * a few hundred ms on a busy machine: otherwise the client, not the limit, caps the count)
 */
import { cpuUsage } from "node:process"
import { loadavg } from "node:os"
import { Effect, Exit, References, Scope } from "effect"
import { connectNats, ensureStreamsAndBuckets, loadMarketCatalog, marketFilesFromEnv, runRegionIntake } from "#engine"
import { LocalNatsServer } from "#engine/testing"
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from "../src/auth/auth-settings.ts"
import { DEFAULT_CIRCUIT_BREAKER_CONFIG, DEFAULT_OUTLIER_CONFIG } from "../src/breaker/breaker-config.ts"
import { startGateway } from "../src/main/gateway.ts"
import { newDecision, RateLimiter } from "../src/ratelimit/rate-limiter.ts"
import { openConfigBucket } from "../src/regions/config-bucket.ts"
import { makeRegionStore } from "../src/regions/region-store.ts"

const SECONDS = Number(process.argv[2] ?? 10)
const CONNECTIONS = Number(process.argv[3] ?? 64)
const REGIONS = ["us-west", "us-east", "eu-central"] as const
const LIMIT = { burst: 50, perSecond: 20 }

const load = () => loadavg().map((x) => x.toFixed(1)).join(" ")

const checkAlone = () => {
  const limiter = new RateLimiter()
  const d = newDecision()
  const callers = Array.from({ length: 1_000 }, (_, i) => `sub:rider-${i}`)
  const checks = 10_000_000
  const limit = { burst: 5, perSecond: 10 }
  let accepted = 0
  const before = cpuUsage()
  for (let i = 0; i < checks; i++) if (limiter.check("us-west", callers[i % callers.length]!, limit, i, d).allowed) accepted++
  const cpu = cpuUsage(before)
  // Virtual time: check i at i µs, so the run lasts `checks` µs; each caller may take burst + rate × t.
  const bound = callers.length * (limit.burst + (limit.perSecond * checks) / 1e6)
  return { nsPerCheck: ((cpu.user + cpu.system) * 1000) / checks, accepted, bound }
}

const gatewayRun = async () => {
  const scope = Effect.runSync(Scope.make())
  const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) =>
    Effect.runPromise(Scope.provide(effect, scope).pipe(Effect.provideService(References.MinimumLogLevel, "Error")))
  const server = await LocalNatsServer.start()
  try {
    const client = await run(connectNats({ servers: [server.url], name: "ratelimit-bench" }))
    await run(ensureStreamsAndBuckets(client))
    await run(Effect.gen(function*() {
      const catalog = yield* loadMarketCatalog(marketFilesFromEnv({}))
      yield* runRegionIntake({ client: yield* connectNats({ servers: [server.url], name: "intake-us-west" }), catalog, region: "us-west" })
    }))
    const store = makeRegionStore(await run(openConfigBucket(client)), REGIONS)
    await run(store.setLimit("us-west", LIMIT, { by: "bench" }))
    const gateway = await run(startGateway({
      nats: { servers: [server.url], name: "gateway-bench" },
      host: "127.0.0.1",
      port: 0,
      regions: REGIONS,
      ownRegion: "us-west",
      marketFiles: marketFilesFromEnv({}),
      balancer: { deadlineMs: 3_000, tryTimeoutMs: 1_000 },
      targets: { breaker: DEFAULT_CIRCUIT_BREAKER_CONFIG, outlier: DEFAULT_OUTLIER_CONFIG },
      auth: { keys: { _tag: "None" }, claims: { issuer: DEFAULT_ISSUER, audience: DEFAULT_AUDIENCE } }
    }))
    const counts = new Map<number, number>()
    const started = performance.now()
    const end = started + SECONDS * 1000
    await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const res = await fetch(`${gateway.url}/v1/rides/r_bench`, { headers: { "x-region": "us-west" } })
        await res.arrayBuffer()
        counts.set(res.status, (counts.get(res.status) ?? 0) + 1)
      }
    }))
    const elapsed = (performance.now() - started) / 1000
    const accepted = counts.get(404) ?? 0
    const limited = counts.get(429) ?? 0
    const others = [...counts].filter(([status]) => status !== 404 && status !== 429)
    return { elapsed, accepted, limited, others, bound: LIMIT.burst + LIMIT.perSecond * elapsed }
  } finally {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await server.dispose()
  }
}

const alone = checkAlone()
console.log(`load average before: ${load()}`)
console.log(`1. RateLimiter.check, 1 000 callers, 10 000 000 checks (virtual 10 s, limit burst 5 + 10/s, each caller at 1000/s): ${alone.nsPerCheck.toFixed(0)} ns CPU per check; accepted ${alone.accepted} of at most ${alone.bound} (${((100 * alone.accepted) / alone.bound).toFixed(2)}%)`)
const live = await gatewayRun()
const sent = live.accepted + live.limited + live.others.reduce((n, [, c]) => n + c, 0)
console.log(
  `2. gateway, limit burst ${LIMIT.burst} + ${LIMIT.perSecond}/s, ${CONNECTIONS} connections for ${live.elapsed.toFixed(2)} s: ${sent} requests (${(sent / live.elapsed).toFixed(0)}/s), ` +
    `${live.accepted} accepted of at most ${live.bound.toFixed(0)} (${((100 * live.accepted) / live.bound).toFixed(2)}%), ${live.limited} × 429` +
    (live.others.length > 0 ? `, others: ${live.others.map(([s, c]) => `${c} × ${s}`).join(", ")}` : "")
)
console.log(`load average after: ${load()}`)
