/**
 * The KV bucket `dispatch_config` as the control plane uses it: opened (created with the
 * engine's history depth when missing, so `dispatch regions` works before `dispatch nats init`),
 * and NATS failures turned into typed errors.
 */
import type { KV } from "@nats-io/kv"
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream"
import { Effect } from "effect"
import { DESIRED_BUCKETS, KV_BUCKETS, type NatsClient } from "#engine"
import { RegionStoreFailure } from "./errors.ts"

/** Revisions KV keeps per key (engine/src/transport/nats/setup.ts): the depth of the audit log. */
export const CONFIG_HISTORY_DEPTH: number = DESIRED_BUCKETS.find((b) => b.name === KV_BUCKETS.config)?.history ?? 64

const detail = (e: unknown) => (e instanceof Error ? e.message : String(e))

/** Runs one KV call; any failure becomes a `RegionStoreFailure` naming the operation. */
export const kvCall = <A>(operation: string, f: () => Promise<A>): Effect.Effect<A, RegionStoreFailure> =>
  Effect.tryPromise({ try: f, catch: (e) => new RegionStoreFailure({ operation, detail: detail(e) }) })

/** The compare-and-set refusal (JetStream "wrong last sequence"), as opposed to a real failure. */
export const isRevisionConflict = (e: unknown): boolean =>
  e instanceof JetStreamApiError && (e.code === JetStreamApiCodes.StreamWrongLastSequence || e.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)

export const isNoMessage = (e: unknown): boolean => e instanceof JetStreamApiError && e.code === JetStreamApiCodes.NoMessageFound

export const openConfigBucket = (client: Pick<NatsClient, "kvm">): Effect.Effect<KV, RegionStoreFailure> =>
  kvCall(`open of KV bucket ${KV_BUCKETS.config}`, () => client.kvm.create(KV_BUCKETS.config, { history: CONFIG_HISTORY_DEPTH }))
