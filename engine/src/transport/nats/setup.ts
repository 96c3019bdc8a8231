/**
 * Creates the streams and KV buckets Dispatch needs, idempotently: at engine start and by
 * `dispatch nats init`. An existing stream is checked, never changed: one whose subjects,
 * storage or retention differ from what Dispatch relies on is a `StreamConfigConflict` that
 * names each difference. Settings an operator may tune (age, size) are left alone; replicas
 * are checked only when asked for (`dispatch nats init --replicas 3` on a cluster: an existing
 * stream or bucket with fewer copies is a conflict, never silently scaled).
 */
import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, type StreamConfig } from "@nats-io/jetstream"
import { nanos } from "@nats-io/transport-node"
import { Effect } from "effect"
import { KV_BUCKETS, STREAMS, streamSubjects } from "../../domain/subjects.ts"
import type { NatsClient } from "./connection.ts"
import { JetStreamError, StreamConfigConflict } from "./errors.ts"

const HOUR_MS = 3_600_000
/**
 * How long RESULTS remembers a decision's `Nats-Msg-Id` (= orderId): a redelivered order
 * whose decision was stored but not acked (crash between the two) must hit it. Redelivery
 * comes after the consumer's ack wait (10 s) plus a takeover (a lease TTL, 10 s): 10 minutes
 * leaves a wide margin.
 */
export const RESULTS_DUPLICATE_WINDOW_MS = 10 * 60_000
/** ORDERS deduplicates publishes retried by intake (same msgID = orderId). */
export const ORDERS_DUPLICATE_WINDOW_MS = 10 * 60_000

/** File storage, oldest dropped first at the limits: how every Dispatch stream keeps messages. */
const fileStream = (name: string, subjects: ReadonlyArray<string>, maxAgeMs: number, duplicateWindowMs?: number) => ({
  name,
  subjects: [...subjects],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  discard: DiscardPolicy.Old,
  max_age: nanos(maxAgeMs),
  ...(duplicateWindowMs === undefined ? {} : { duplicate_window: nanos(duplicateWindowMs) })
})

/** What Dispatch creates when a stream is missing. */
export const DESIRED_STREAMS: ReadonlyArray<Partial<StreamConfig> & { name: string; subjects: Array<string> }> = [
  fileStream(STREAMS.orders, streamSubjects.ORDERS, 24 * HOUR_MS, ORDERS_DUPLICATE_WINDOW_MS),
  fileStream(STREAMS.results, streamSubjects.RESULTS, 24 * HOUR_MS, RESULTS_DUPLICATE_WINDOW_MS),
  fileStream(STREAMS.dlq, streamSubjects.DLQ, 7 * 24 * HOUR_MS)
]

/**
 * How long an accepted order's record lives in KV `dispatch_rides` (ms): as long as ORDERS
 * keeps the order itself; after that a status request answers "unknown". nats-server 2.9 has
 * no per-key TTL, so it is the bucket's.
 */
export const RIDES_TTL_MS = 24 * HOUR_MS

/** KV buckets, their history depth and bucket-level TTL (file storage). */
export const DESIRED_BUCKETS: ReadonlyArray<{ readonly name: string; readonly history: number; readonly ttlMs?: number }> = [
  { name: KV_BUCKETS.drivers, history: 1 },
  { name: KV_BUCKETS.config, history: 64 },
  { name: KV_BUCKETS.leases, history: 1 },
  { name: KV_BUCKETS.rides, history: 1, ttlMs: RIDES_TTL_MS }
]

/** Differences that make an existing stream unusable, as readable lines; empty if fine. */
export const streamConflicts = (desired: Partial<StreamConfig> & { subjects: Array<string> }, actual: StreamConfig): Array<string> => {
  const problems: Array<string> = []
  const missing = desired.subjects.filter((s) => !actual.subjects?.includes(s))
  if (missing.length > 0) problems.push(`subjects: missing ${missing.join(", ")} (has ${actual.subjects?.join(", ") || "none"})`)
  if (desired.storage !== undefined && actual.storage !== desired.storage) problems.push(`storage: ${actual.storage}, needs ${desired.storage}`)
  if (desired.retention !== undefined && actual.retention !== desired.retention) problems.push(`retention: ${actual.retention}, needs ${desired.retention}`)
  const replicas = desired.num_replicas ?? 0
  if (replicas > 1 && (actual.num_replicas ?? 1) < replicas) {
    problems.push(`replicas: ${actual.num_replicas ?? 1}, needs at least ${replicas} (raise it with nats stream edit ${actual.name} --replicas ${replicas})`)
  }
  const window = desired.duplicate_window ?? 0
  if (window > 0 && (actual.duplicate_window ?? 0) < window) {
    problems.push(`duplicate_window: ${(actual.duplicate_window ?? 0) / 1e6} ms, needs at least ${window / 1e6} ms`)
  }
  return problems
}

const jsError = (operation: string) => (e: unknown) => new JetStreamError({ operation, detail: e instanceof Error ? e.message : String(e) })

const isStreamNotFound = (e: unknown) => e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound

/** A stream's config, or undefined when there is none. */
const streamConfig = (client: NatsClient, name: string) =>
  Effect.tryPromise({
    try: () => client.jsm.streams.info(name).then((info) => info.config, (e) => (isStreamNotFound(e) ? undefined : Promise.reject(e))),
    catch: jsError(`stream info ${name}`)
  })

const ensureStream = (
  client: NatsClient,
  desired: (typeof DESIRED_STREAMS)[number]
): Effect.Effect<"created" | "exists", StreamConfigConflict | JetStreamError> =>
  Effect.gen(function*() {
    const actual = yield* streamConfig(client, desired.name)
    if (actual === undefined) {
      yield* Effect.tryPromise({ try: () => client.jsm.streams.add(desired), catch: jsError(`create stream ${desired.name}`) })
      return "created"
    }
    const differences = streamConflicts(desired, actual)
    if (differences.length > 0) return yield* new StreamConfigConflict({ stream: desired.name, differences })
    return "exists"
  })

export interface SetupReport {
  readonly streams: ReadonlyArray<{ readonly name: string; readonly outcome: "created" | "exists" }>
  readonly buckets: ReadonlyArray<string>
}

export interface SetupOptions {
  /**
   * Copies of every stream and bucket (a cluster's nodes keep one each): what is created gets
   * this many, and an existing one with fewer is a `StreamConfigConflict`. Unset: created with
   * one, existing ones not checked (an engine or gateway finds what `nats init` made).
   */
  readonly replicas?: number | undefined
}

/** A KV bucket's stream is `KV_<bucket>`. */
const bucketStream = (bucket: string) => `KV_${bucket}`

/** Creates what is missing and checks what exists. Safe to run any number of times. */
export const ensureStreamsAndBuckets = (client: NatsClient, options: SetupOptions = {}): Effect.Effect<SetupReport, StreamConfigConflict | JetStreamError> =>
  Effect.gen(function*() {
    const replicas = options.replicas
    const streams: Array<SetupReport["streams"][number]> = []
    for (const desired of DESIRED_STREAMS) {
      streams.push({ name: desired.name, outcome: yield* ensureStream(client, replicas === undefined ? desired : { ...desired, num_replicas: replicas }) })
    }
    for (const bucket of DESIRED_BUCKETS) {
      if (replicas !== undefined) {
        // The KV client opens an existing bucket as it is: its replicas are checked here.
        const actual = yield* streamConfig(client, bucketStream(bucket.name))
        const differences = actual === undefined ? [] : streamConflicts({ subjects: [], num_replicas: replicas }, actual)
        if (differences.length > 0) return yield* new StreamConfigConflict({ stream: bucketStream(bucket.name), differences })
      }
      yield* Effect.tryPromise({
        try: () =>
          client.kvm.create(bucket.name, {
            history: bucket.history,
            storage: StorageType.File,
            ...(replicas === undefined ? {} : { replicas }),
            ...(bucket.ttlMs === undefined ? {} : { ttl: bucket.ttlMs })
          }),
        catch: jsError(`create KV bucket ${bucket.name}`)
      })
    }
    return { streams, buckets: DESIRED_BUCKETS.map((b) => b.name) }
  })
