/**
 * `RegionConfig` fed live from KV `dispatch_config`: the gateway's view of the region table.
 *
 * At build it reads every `weights.*` / `drain.*` / `lanes.*` / `limits.*` key (so the first request already routes by
 * the stored table), noting the bucket's last sequence first; then it watches every filter from
 * that sequence on (one watch per filter), so nothing written between the read and the watch is missed, and applies each
 * entry to a `SubscriptionRef`: `current` is a plain read that never waits on NATS. Entries are
 * applied per key by revision (an older or repeated one is skipped), which makes the re-read /
 * re-watch after a lost watch safe.
 *
 * A value that breaks the rules (hand-written with `nats kv put`, or naming a region this
 * gateway does not know) is logged and ignored: the key keeps its last good value. A deleted key
 * returns to its default (`weightsOf`: all traffic at home; not drained).
 */
import type { KV, KvEntry } from "@nats-io/kv"
import { Duration, Effect, Layer, Result, Schedule, type Scope, Semaphore, Stream, SubscriptionRef } from "effect"
import { Nats } from "#engine"
import type { BalancerMetrics } from "../observability/metrics.ts"
import { kvCall, openConfigBucket } from "./config-bucket.ts"
import type { RegionStoreFailure } from "./errors.ts"
import { type RegionEntry, tableOf } from "./region-snapshot.ts"
import { CONFIG_KEY_FILTERS, decodeEntry, readRegionSnapshot } from "./region-store.ts"
import { limitOf, RegionConfig, type RegionTable, weightsOf } from "./region-table.ts"
import { parseRegionKey } from "./region-values.ts"

/** Wait before watching again after a watch ended (NATS gone, consumer lost). */
export const REWATCH_DELAY = Duration.seconds(1)

export interface RegionConfigOptions {
  readonly regions: ReadonlyArray<string>
  /** The gateway's gauges and counter (makeBalancerMetrics); none in tools and tests. */
  readonly metrics?: Pick<BalancerMetrics, "regionWeight" | "regionDrained" | "laneShare" | "regionRateLimit" | "configChanges"> | undefined
}

const publishMetrics = (metrics: NonNullable<RegionConfigOptions["metrics"]>, table: RegionTable) => {
  // Reset first: a target removed from a caller's weights must not keep its old gauge value.
  metrics.regionWeight.reset()
  for (const caller of table.regions) {
    for (const target of table.regions) metrics.regionWeight.set({ caller, target }, weightsOf(table, caller).get(target) ?? 0)
  }
  for (const region of table.regions) metrics.regionDrained.set({ region }, table.drained.has(region) ? 1 : 0)
  metrics.laneShare.reset()
  for (const [caller, shares] of table.lanes) {
    for (const [lane, percent] of shares) metrics.laneShare.set({ caller, lane }, percent)
  }
  metrics.regionRateLimit.reset()
  for (const region of table.regions) {
    const limit = limitOf(table, region)
    if (limit === undefined) continue
    metrics.regionRateLimit.set({ region, setting: "burst" }, limit.burst)
    metrics.regionRateLimit.set({ region, setting: "per_second" }, limit.perSecond)
  }
}

export const makeRegionConfig = (kv: KV, options: RegionConfigOptions): Effect.Effect<RegionConfig["Service"], RegionStoreFailure, Scope.Scope> =>
  Effect.gen(function*() {
    const { regions, metrics } = options
    const lastSeq = yield* kvCall("status", () => kv.status()).pipe(Effect.map((s) => s.streamInfo.state.last_seq))
    const initial = yield* readRegionSnapshot(kv, regions)
    for (const bad of initial.invalid) yield* Effect.logWarning("ignoring invalid region config value", { key: bad.key, revision: bad.revision, problems: bad.problems })
    const snapshot = new Map<string, RegionEntry>(initial.snapshot)
    // Highest revision applied per key, deletes included, so a replayed entry is recognised.
    const applied = new Map<string, number>([...snapshot.values()].map((e) => [e.key, e.revision]))
    const ref = yield* SubscriptionRef.make(tableOf(regions, snapshot))
    if (metrics) publishMetrics(metrics, tableOf(regions, snapshot))

    // The two watches apply one entry at a time: each table is built from the snapshot as it
    // is when set, so a slower fiber can never overwrite a newer table with an older one.
    const oneAtATime = yield* Semaphore.make(1)
    const apply = (entry: KvEntry) =>
      Effect.gen(function*() {
        const key = parseRegionKey(entry.key)
        if (key === undefined || entry.revision <= (applied.get(entry.key) ?? 0)) return
        applied.set(entry.key, entry.revision)
        if (entry.operation !== "PUT") {
          if (!snapshot.delete(entry.key)) return
        } else {
          const decoded = decodeEntry(entry, regions)
          if (decoded === undefined) return
          if (Result.isFailure(decoded)) {
            return yield* Effect.logWarning("ignoring invalid region config value; keeping the last good one", {
              key: entry.key,
              revision: entry.revision,
              problems: decoded.failure.problems
            })
          }
          snapshot.set(entry.key, { key: entry.key, revision: entry.revision, created: entry.created.getTime(), value: decoded.success })
        }
        const table = tableOf(regions, snapshot)
        yield* SubscriptionRef.set(ref, table)
        if (metrics) {
          metrics.configChanges.inc({ kind: key.kind })
          publishMetrics(metrics, table)
        }
        yield* Effect.logInfo("region config applied", { key: entry.key, revision: entry.revision, operation: entry.operation })
      }).pipe(oneAtATime.withPermits(1))

    /** One filter's watch from `from`, re-opened after `from` = the last revision it delivered. */
    const follow = (filter: string) => {
      let position = lastSeq
      const once = Stream.unwrap(
        kvCall(`watch ${filter}`, () => kv.watch({ key: filter, resumeFromRevision: position + 1 })).pipe(
          Effect.map((watch) =>
            Stream.fromAsyncIterable(watch, (e) => e).pipe(Stream.ensuring(Effect.sync(() => watch.stop())))
          )
        )
      ).pipe(
        Stream.runForEach((entry) => Effect.andThen(Effect.sync(() => { position = Math.max(position, entry.revision) }), apply(entry))),
        Effect.andThen(Effect.logWarning("region config watch ended; watching again", { filter, from: position + 1 })),
        Effect.catchCause((cause) => Effect.logWarning("region config watch failed; watching again", { filter, from: position + 1, cause }))
      )
      return once.pipe(Effect.repeat(Schedule.spaced(REWATCH_DELAY)))
    }

    for (const filter of CONFIG_KEY_FILTERS) yield* Effect.forkScoped(follow(filter), { startImmediately: true })
    return { current: SubscriptionRef.get(ref), changes: SubscriptionRef.changes(ref) }
  })

/** `RegionConfig` over the `Nats` connection (bucket created if missing); the watches stop with the layer. */
export const layerRegionConfigKv = (options: RegionConfigOptions) =>
  Layer.effect(RegionConfig, Effect.gen(function*() {
    return yield* makeRegionConfig(yield* openConfigBucket(yield* Nats), options)
  }))
