/**
 * One region's intake as its own process, for gateway.bench.ts: what `dispatch engine` runs on
 * `dispatch.rpc.<region>.*`, without the partition (so the bench measures the request path,
 * not matching). SIGTERM stops it, as it would a region outage.
 *
 * Usage: node api/bench/intake-process.ts <nats-url> <region>; prints "intake ready".
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Logger } from "effect"
import { connectNats, loadMarketCatalog, marketFilesFromEnv, runRegionIntake } from "#engine"

const [url = "nats://127.0.0.1:4222", region = "us-west"] = process.argv.slice(2)

NodeRuntime.runMain(Effect.gen(function*() {
  const catalog = yield* loadMarketCatalog(marketFilesFromEnv({}))
  const client = yield* connectNats({ servers: [url], name: `bench-intake-${region}` })
  yield* runRegionIntake({ client, catalog, region })
  console.log("intake ready")
  return yield* Effect.never
}).pipe(Effect.scoped, Effect.provide(Logger.layer([]))))
