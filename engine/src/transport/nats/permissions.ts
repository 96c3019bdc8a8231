/**
 * What each kind of Dispatch client may do on NATS: one user per role, allow lists only (a
 * subject not listed is denied), every subject taken from the subjects module. docs/security.md
 * has the same table for people; `dispatch nats config` writes it into the server's config.
 *
 * Which role needs what follows from the code that runs as it:
 * - engine: consumes ORDERS (durable consumer per partition, acks), publishes decisions and
 *   dead letters, replays RESULTS, follows KV `drivers`, holds leases in `dispatch_leases`,
 *   answers intake (orders, `dispatch_rides`, driver states) and clock ticks, sweeps stray
 *   ORDERS subjects (purge);
 * - gateway: asks the regions' intakes, runs the same intake as its fallback, follows the
 *   region weights and drains in `dispatch_config` (read only);
 * - simulator: publishes order events and driver states, listens to decisions, ticks a
 *   `--clock sim` engine;
 * - ops: the JetStream API as a whole (`dispatch nats init`) and the only writer of
 *   `dispatch_config` (`dispatch regions`, the gateway's admin API with `--ops-nkey`);
 * - observer: subscribes to everything and reads streams and keys; publishes no message,
 *   creates no consumer.
 */
import { ALL_KV_SUBJECTS, jsApi, KV_BUCKETS, kvStream, kvSubjects, STREAMS, subjectFilters } from "../../domain/subjects.ts"

export const NATS_ROLES = ["engine", "gateway", "simulator", "ops", "observer"] as const
export type NatsRole = (typeof NATS_ROLES)[number]

/** A user's permissions as nats-server's config spells them. */
export interface NatsPermissions {
  readonly publish: { readonly allow: ReadonlyArray<string> }
  readonly subscribe: { readonly allow: ReadonlyArray<string> }
  /** May reply to a request it received (once, within the request's life), whatever its reply subject. */
  readonly allow_responses?: boolean
}

const ALL_STREAMS = [...Object.values(STREAMS), ...Object.values(KV_BUCKETS).map(kvStream)]
/** Every role checks the streams and buckets at start (setup.ts `ensureStreamsAndBuckets` reads them; only ops creates). */
const READ_ALL = ALL_STREAMS.flatMap(jsApi.readStream)
const DRIVERS = kvStream(KV_BUCKETS.drivers)

/** The intake's writes: order events, ride records, driver states (region-intake.ts, run by the engine and by the gateway's fallback). */
const INTAKE_WRITES = [subjectFilters.orderEvents, kvSubjects(KV_BUCKETS.rides), kvSubjects(KV_BUCKETS.drivers)]

const ROLE_PERMISSIONS: Record<NatsRole, NatsPermissions> = {
  engine: {
    publish: {
      allow: [
        jsApi.accountInfo,
        ...READ_ALL,
        ...[STREAMS.orders, STREAMS.results, DRIVERS, kvStream(KV_BUCKETS.leases)].flatMap(jsApi.consumeStream),
        jsApi.purgeStream(STREAMS.orders),
        subjectFilters.decisions,
        subjectFilters.deadLetters,
        kvSubjects(KV_BUCKETS.leases),
        ...INTAKE_WRITES
      ]
    },
    subscribe: { allow: [subjectFilters.inboxes, subjectFilters.regionRpc, subjectFilters.laneRpc, subjectFilters.clockTicks] },
    allow_responses: true
  },
  gateway: {
    publish: {
      allow: [jsApi.accountInfo, ...READ_ALL, ...jsApi.consumeStream(kvStream(KV_BUCKETS.config)), subjectFilters.regionRpc, subjectFilters.laneRpc, ...INTAKE_WRITES]
    },
    subscribe: { allow: [subjectFilters.inboxes] }
  },
  simulator: {
    publish: { allow: [jsApi.accountInfo, ...jsApi.readStream(DRIVERS), subjectFilters.orderEvents, kvSubjects(KV_BUCKETS.drivers), subjectFilters.clockTicks] },
    subscribe: { allow: [subjectFilters.inboxes, subjectFilters.decisions] }
  },
  ops: {
    publish: { allow: [jsApi.all, kvSubjects(KV_BUCKETS.config)] },
    subscribe: { allow: [subjectFilters.inboxes, subjectFilters.all, ALL_KV_SUBJECTS] }
  },
  observer: {
    publish: { allow: [jsApi.accountInfo, ...jsApi.listStreams, ...READ_ALL] },
    subscribe: { allow: [subjectFilters.inboxes, subjectFilters.all, ALL_KV_SUBJECTS] }
  }
}

export const rolePermissions = (role: NatsRole): NatsPermissions => ROLE_PERMISSIONS[role]
