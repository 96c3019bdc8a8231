/**
 * Partition ownership: at most one engine instance matches a partition (a market) at a time,
 * by a lease in the KV bucket `dispatch_leases`, key `leases.<partition>`.
 *
 * nats-server 2.9 has no per-key TTL, so a lease expires by revision and time: a standby takes
 * a lease over only after its revision stayed unchanged for longer than its TTL on the
 * standby's own monotonic clock, by a compare-and-set over that revision (one winner); the
 * holder renews by compare-and-set every ttl/3 and demotes itself at
 * `send time of its last successful write + ttl - safety margin`, whether or not an error ever
 * arrives. The decisions are pure functions in lease-state.ts; this module does the I/O in one
 * background fiber per lease. docs/leases.md has the model, the timeline argument and the
 * failure cases.
 *
 * Use: `PartitionLease.make(options)` (= `makePartitionLease`) inside a Scope (closing it
 * releases the lease: the key is deleted, so a standby takes over at once), then
 * `awaitOwnership` / `awaitLoss` / `statusChanges` to start and stop the matcher, and
 * `isOwnerUnsafe()` / `ensureOwner` to guard each owner-only action.
 */
import { JetStreamApiCodes, JetStreamApiError, StorageType } from "@nats-io/jetstream"
import type { KV, KvEntry, Kvm } from "@nats-io/kv"
import { Clock, Context, Effect, Fiber, Option, PubSub, Queue, type Scope, Stream, SubscriptionRef } from "effect"
import { KV_BUCKETS, kvKeys } from "../../domain/subjects.ts"
import { LeaseConfigError, LeaseLost, LeaseUnavailable } from "./errors.ts"
import {
  afterConflict,
  afterRenew,
  decodeRecord,
  encodeRecord,
  hold,
  type Holding,
  type KeyView,
  leaseTiming,
  type LeaseTiming,
  type LostReason,
  ownsAt,
  type RenewOutcome,
  type RenewStep,
  type Self,
  sight,
  type Sighting,
  standbyMove,
  timingProblems
} from "./lease-state.ts"

export { DEFAULT_LEASE_TTL_MS, type LeaseTiming, type LostReason } from "./lease-state.ts"

/** Tries at deleting our own lease on release (a renewal that landed late moves the revision). */
const RELEASE_ATTEMPTS = 3

export type LeaseStatus = "standby" | "owner"

/**
 * A transition, as the engine counts and reacts to it. `at` and `noticedAt` are monotonic ms
 * of this process (comparable between leases of one process, not between hosts).
 */
export type LeaseEvent =
  | {
    readonly _tag: "Acquired"
    readonly partition: string
    readonly owner: string
    readonly revision: number
    /** `create`: key was absent or released; `takeover`: lapsed; `adopt`: our own write we had lost track of. */
    readonly via: "create" | "takeover" | "adopt"
    readonly at: number
  }
  | {
    readonly _tag: "Lost"
    readonly partition: string
    readonly owner: string
    /** The last revision this instance knew it held. */
    readonly revision: number
    readonly reason: LostReason
    /** When ownership ended in this instance's view: the fencing deadline for `deadline`. */
    readonly at: number
    /** When the background fiber noticed (>= at). */
    readonly noticedAt: number
  }
  | {
    readonly _tag: "Released"
    readonly partition: string
    readonly owner: string
    /** The revision given up, when this instance held the lease. */
    readonly revision: number | undefined
    /** The key was deleted, so a standby may `create` it at once. */
    readonly deleted: boolean
    readonly at: number
  }

/**
 * Where the lease bucket comes from: an open `dispatch_leases` bucket (`openLeaseBucket`), or a
 * client whose `kvm` opens (creating if missing) it; the Nats service's `NatsClient` fits.
 */
export type LeaseBucketSource = { readonly kv: KV } | { readonly client: { readonly kvm: Kvm } }

export type LeaseOptions = LeaseSettings & LeaseBucketSource

export interface LeaseSettings extends Partial<LeaseTiming> {
  /** Partition (market) id: a subject token. */
  readonly partition: string
  /** This engine instance's id, unique among live instances. */
  readonly owner: string
  /** Called synchronously on every transition (metrics); exceptions are logged and ignored. */
  readonly onTransition?: (event: LeaseEvent) => void
}

export interface PartitionLeaseShape {
  readonly partition: string
  readonly owner: string
  readonly timing: LeaseTiming
  /** Current status as the background fiber last decided it. */
  readonly status: Effect.Effect<LeaseStatus>
  /** The current status, then every change: start the matcher on "owner", stop it on "standby". */
  readonly statusChanges: Stream.Stream<LeaseStatus>
  /** Transitions from the moment of subscription on (use `status` for the current state). */
  readonly changes: Stream.Stream<LeaseEvent>
  /** Completes once this instance owns the partition (at once if it does). */
  readonly awaitOwnership: Effect.Effect<void>
  /** Completes once this instance does not own the partition (at once if it does not). */
  readonly awaitLoss: Effect.Effect<void>
  /** Whether this instance may act as owner NOW: checks the fencing deadline against the clock. */
  readonly isOwner: Effect.Effect<boolean>
  /** `isOwner` for hot paths outside Effect: one clock read and a comparison. */
  readonly isOwnerUnsafe: () => boolean
  /** The held revision (a fencing token for downstream writes), or `LeaseLost`. */
  readonly ensureOwner: Effect.Effect<number, LeaseLost>
  /** Stops competing and renewing and deletes the key if held. Idempotent; the scope runs it too. */
  readonly release: Effect.Effect<void>
}

/**
 * One partition's lease as a service (for wiring where an instance serves one partition);
 * `PartitionLease.make` builds one per partition inside a Scope.
 */
export class PartitionLease extends Context.Service<PartitionLease, PartitionLeaseShape>()("dispatch/PartitionLease") {
  static readonly make = (options: LeaseOptions): Effect.Effect<PartitionLeaseShape, LeaseConfigError | LeaseUnavailable, Scope.Scope> =>
    makePartitionLease(options)
}

/** Creates (or opens, unchanged, if it exists) the `dispatch_leases` bucket: history 1, file storage. */
export const openLeaseBucket = (kvm: Kvm): Effect.Effect<KV, LeaseUnavailable> =>
  Effect.tryPromise({
    try: () => kvm.create(KV_BUCKETS.leases, { history: 1, storage: StorageType.File }),
    catch: (e) => new LeaseUnavailable({ bucket: KV_BUCKETS.leases, detail: describe(e) })
  })

type KvResult<A> =
  | { readonly _tag: "Ok"; readonly value: A }
  | { readonly _tag: "Conflict" }
  | { readonly _tag: "Failed"; readonly detail: string }

const describe = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))

/** 10071 (and 10164, its variant when the server does not know the last sequence). */
const isConflict = (e: unknown): boolean =>
  e instanceof JetStreamApiError &&
  (e.code === JetStreamApiCodes.StreamWrongLastSequence || e.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)

const viewOf = (entry: KvEntry | null): KeyView => {
  if (entry === null) return { _tag: "Absent" }
  if (entry.operation !== "PUT") return { _tag: "Deleted", revision: entry.revision }
  return { _tag: "Held", revision: entry.revision, record: decodeRecord(entry.string()) }
}

/**
 * Starts competing for the partition in the background; the current Scope's close releases the
 * lease and stops every timer. Fails on unusable timings, or when the bucket cannot be opened.
 */
export const makePartitionLease = (options: LeaseOptions): Effect.Effect<PartitionLeaseShape, LeaseConfigError | LeaseUnavailable, Scope.Scope> =>
  Effect.gen(function*() {
    const { partition, owner, onTransition } = options
    const timing = leaseTiming(options)
    const problems = timingProblems(timing)
    if (problems.length > 0) return yield* new LeaseConfigError({ partition, problems })
    const kv = "kv" in options ? options.kv : yield* openLeaseBucket(options.client.kvm)

    const key = kvKeys.lease(partition)
    const self: Self = { owner, incarnation: crypto.randomUUID() }
    const clock = yield* Clock.Clock
    /** Monotonic ms with microsecond resolution. */
    const nowMs = () => Number(clock.monotonicTimeNanosUnsafe() / 1000n) / 1000

    const status = yield* SubscriptionRef.make<LeaseStatus>("standby")
    const events = yield* PubSub.unbounded<LeaseEvent>()
    const wake = yield* Queue.sliding<void>(1)
    // Plain variables: one background fiber writes them, readers are synchronous (single thread).
    let holding: Holding | undefined
    let sighting: Sighting | undefined
    let released = false
    let failing = false

    const record = () => encodeRecord({ owner, ttlMs: timing.ttlMs, renewedAt: clock.currentTimeMillisUnsafe(), incarnation: self.incarnation })
    const logged = (revision: number | undefined) =>
      Effect.annotateLogs({ partition, owner, revision: revision ?? "none" })

    const emit = (event: LeaseEvent) =>
      Effect.gen(function*() {
        yield* PubSub.publish(events, event)
        if (onTransition !== undefined) {
          try {
            onTransition(event)
          } catch (e) {
            yield* Effect.logWarning(`lease onTransition callback threw: ${describe(e)}`)
          }
        }
      })

    /** One KV request, abandoned after the request timeout: conflicts are outcomes, the rest `Failed`. */
    const call = <A>(operation: string, request: () => Promise<A>, limitMs = timing.requestTimeoutMs): Effect.Effect<KvResult<A>> =>
      Effect.tryPromise({ try: request, catch: (e) => e }).pipe(
        Effect.timeoutOption(Math.max(1, limitMs)),
        Effect.map((o): KvResult<A> => Option.isSome(o) ? { _tag: "Ok", value: o.value } : { _tag: "Failed", detail: `${operation}: timed out` }),
        Effect.catch((e) => Effect.succeed<KvResult<A>>(isConflict(e) ? { _tag: "Conflict" } : { _tag: "Failed", detail: `${operation}: ${describe(e)}` }))
      )

    /** Logs the first failure of a streak as a warning, the rest at debug. */
    const noteFailure = (detail: string, revision: number | undefined) =>
      Effect.suspend(() => {
        const first = !failing
        failing = true
        return (first ? Effect.logWarning(`lease: NATS request failed: ${detail}`) : Effect.logDebug(`lease: ${detail}`)).pipe(logged(revision))
      })
    const noteSuccess = (revision: number | undefined) =>
      Effect.suspend(() => {
        if (!failing) return Effect.void
        failing = false
        return Effect.log("lease: NATS requests succeed again").pipe(logged(revision))
      })

    /** Sleeps up to `ms`, or less when the KV watch reports a change to the key. */
    const waitOrWake = (ms: number) => Effect.raceFirst(Queue.take(wake), Effect.sleep(Math.max(1, ms)))

    const becomeOwner = (revision: number, sentAt: number, via: "create" | "takeover" | "adopt") =>
      Effect.gen(function*() {
        const next = hold(revision, sentAt, timing)
        const now = nowMs()
        sighting = undefined
        if (!ownsAt(next, now)) {
          // The answer came too late to believe it; the next read shows our write and adopts it.
          yield* Effect.logWarning(`lease: won revision ${revision} too late to own it (${Math.round(now - sentAt)} ms)`).pipe(logged(revision))
          return
        }
        holding = next
        yield* Effect.log(`lease acquired (${via})`).pipe(logged(revision))
        yield* emit({ _tag: "Acquired", partition, owner, revision, via, at: now })
        yield* SubscriptionRef.set(status, "owner")
      })

    const lose = (h: Holding, reason: LostReason) =>
      Effect.gen(function*() {
        const noticedAt = nowMs()
        holding = undefined
        sighting = undefined
        yield* Effect.log(`lease lost (${reason})`).pipe(logged(h.revision))
        const at = reason === "deadline" ? Math.min(h.deadline, noticedAt) : noticedAt
        yield* emit({ _tag: "Lost", partition, owner, revision: h.revision, reason, at, noticedAt })
        yield* SubscriptionRef.set(status, "standby")
      })

    let lastRoundConflicted = false

    /** One standby step: read the key, then create, take over, or wait. */
    const standbyRound = Effect.gen(function*() {
      yield* Queue.clear(wake)
      const read = yield* call("get", () => kv.get(key))
      if (read._tag !== "Ok") {
        if (read._tag === "Failed") yield* noteFailure(read.detail, undefined)
        return yield* waitOrWake(timing.pollIntervalMs)
      }
      yield* noteSuccess(undefined)
      const view = viewOf(read.value)
      const now = nowMs()
      sighting = sight(sighting, view, now, self, timing.ttlMs)
      const move = standbyMove(view, sighting, now)
      if (move._tag === "Wait") {
        lastRoundConflicted = false
        return yield* waitOrWake(Math.min(move.until - now, timing.pollIntervalMs))
      }
      const sentAt = nowMs()
      const written = move._tag === "Create"
        ? yield* call("create", () => kv.create(key, record()))
        : yield* call("takeover", () => kv.update(key, record(), move.revision, timing.requestTimeoutMs))
      switch (written._tag) {
        case "Ok":
          lastRoundConflicted = false
          return yield* becomeOwner(written.value, sentAt, move._tag === "Create" ? "create" : move.via)
        case "Conflict": {
          // Another candidate won the compare-and-set: read again at once (once), then wait.
          sighting = undefined
          const backToBack = lastRoundConflicted
          lastRoundConflicted = true
          if (backToBack) yield* waitOrWake(timing.pollIntervalMs)
          return
        }
        case "Failed":
          yield* noteFailure(written.detail, undefined)
          return yield* waitOrWake(timing.pollIntervalMs)
      }
    })

    /** One owner step: sleep until the renewal is due, renew, or demote at the deadline. */
    const ownerRound = (h: Holding) =>
      Effect.gen(function*() {
        const now = nowMs()
        if (now >= h.deadline) return yield* lose(h, "deadline")
        if (now < h.renewAt) return yield* Effect.sleep(Math.max(1, Math.min(h.renewAt, h.deadline) - now))
        const sentAt = nowMs()
        const untilDeadline = h.deadline - sentAt
        const result = yield* call("renew", () => kv.update(key, record(), h.revision, timing.requestTimeoutMs), Math.min(timing.requestTimeoutMs, untilDeadline))
        let step: RenewStep
        if (result._tag === "Conflict") {
          // Someone else wrote, or a renewal of ours whose answer we lost did: look.
          const read = yield* call("get", () => kv.get(key), Math.min(timing.requestTimeoutMs, h.deadline - nowMs()))
          step = read._tag === "Ok" ? afterConflict(h, viewOf(read.value), self, nowMs()) : { _tag: "Lost", reason: nowMs() < h.deadline ? "conflict" : "deadline" }
          if (step._tag === "Holding") yield* Effect.log(`lease: adopted own revision ${step.holding.revision}`).pipe(logged(h.revision))
        } else {
          const outcome: RenewOutcome = result._tag === "Ok" ? { _tag: "Renewed", revision: result.value } : { _tag: "Failed" }
          if (result._tag === "Failed") yield* noteFailure(result.detail, h.revision)
          else yield* noteSuccess(result.value)
          step = afterRenew(h, sentAt, outcome, nowMs(), timing)
        }
        if (step._tag === "Holding") holding = step.holding
        else yield* lose(h, step.reason)
      })

    const run = Effect.gen(function*() {
      while (true) {
        const h = holding
        // A bug here must not end the competition for good: log it, pause, go on. Ownership
        // stays bounded by the deadline, which the hot-path check reads directly.
        yield* (h === undefined ? standbyRound : ownerRound(h)).pipe(
          Effect.catchDefect((defect) =>
            Effect.logError("lease: unexpected failure, continuing", defect).pipe(Effect.andThen(Effect.sleep(timing.pollIntervalMs)))
          )
        )
      }
    })

    /** Wakes the standby when the key changes (a release shows up at once); polling covers gaps. */
    const openWatch = Effect.callback<Awaited<ReturnType<KV["watch"]>>, unknown>((resume) => {
      // A watch that opens after we gave up waiting is stopped at once instead of leaking.
      let abandoned = false
      kv.watch({ key }).then(
        (updates) => (abandoned ? updates.stop() : resume(Effect.succeed(updates))),
        (e: unknown) => resume(Effect.fail(e))
      )
      return Effect.sync(() => {
        abandoned = true
      })
    })
    const watchKey = Effect.acquireUseRelease(
      openWatch.pipe(Effect.timeout(timing.requestTimeoutMs)),
      (updates) =>
        Effect.tryPromise({
          try: async () => {
            for await (const _ of updates) Queue.offerUnsafe(wake, undefined)
          },
          catch: (e) => e
        }),
      (updates) => Effect.sync(() => updates.stop())
    ).pipe(Effect.ignore, Effect.andThen(Effect.sleep(timing.pollIntervalMs)), Effect.forever)

    /** Deletes the key if it holds our write, following a late renewal at most a few times. */
    const deleteOwn = (revision: number | undefined) =>
      Effect.gen(function*() {
        let rev = revision
        for (let attempt = 0; attempt < RELEASE_ATTEMPTS; attempt++) {
          if (rev === undefined) {
            const read = yield* call("get", () => kv.get(key))
            if (read._tag !== "Ok") return false
            const view = viewOf(read.value)
            if (view._tag !== "Held" || view.record?.owner !== owner || view.record.incarnation !== self.incarnation) return false
            rev = view.revision
          }
          const previousSeq = rev
          const r = yield* call("release", () => kv.delete(key, { previousSeq }))
          if (r._tag === "Ok") return true
          if (r._tag === "Failed") {
            yield* Effect.logWarning(`lease: release failed, the lease lapses after ${timing.ttlMs} ms: ${r.detail}`).pipe(logged(rev))
            return false
          }
          rev = undefined // conflict: a late write of ours may have moved it; read and retry
        }
        return false
      })

    const runFiber = yield* Effect.forkScoped(run.pipe(logged(undefined)))
    const watchFiber = yield* Effect.forkScoped(watchKey)

    const release: Effect.Effect<void> = Effect.suspend(() => {
      if (released) return Effect.void
      released = true
      return Effect.gen(function*() {
        yield* Fiber.interrupt(runFiber)
        yield* Fiber.interrupt(watchFiber)
        const h = holding
        holding = undefined
        yield* SubscriptionRef.set(status, "standby")
        const deleted = yield* deleteOwn(h?.revision)
        if (h !== undefined || deleted) {
          yield* Effect.log(`lease released${deleted ? "" : " (key not deleted: it lapses after the TTL)"}`).pipe(logged(h?.revision))
          yield* emit({ _tag: "Released", partition, owner, revision: h?.revision, deleted, at: nowMs() })
        }
      })
    }).pipe(Effect.uninterruptible)

    yield* Effect.addFinalizer(() => release)

    const isOwnerUnsafe = () => ownsAt(holding, nowMs())
    return {
      partition,
      owner,
      timing,
      status: SubscriptionRef.get(status),
      statusChanges: SubscriptionRef.changes(status),
      changes: Stream.fromPubSub(events),
      awaitOwnership: SubscriptionRef.changes(status).pipe(Stream.filter((s) => s === "owner"), Stream.runHead, Effect.asVoid),
      awaitLoss: SubscriptionRef.changes(status).pipe(Stream.filter((s) => s === "standby"), Stream.runHead, Effect.asVoid),
      isOwner: Effect.sync(isOwnerUnsafe),
      isOwnerUnsafe,
      ensureOwner: Effect.suspend(() => {
        const h = holding
        return ownsAt(h, nowMs()) && h !== undefined ? Effect.succeed(h.revision) : Effect.fail(new LeaseLost({ partition, owner }))
      }),
      release
    } satisfies PartitionLeaseShape
  })
