/**
 * The partition lease's decisions, as pure functions of what was read from KV and the time:
 * when a standby may take a lease over, how long a holder may believe it owns one, what a
 * renewal's outcome means. lease.ts does the I/O and calls these; the property tests drive them
 * with invented times and outcomes.
 *
 * Every time here is a MONOTONIC instant in milliseconds of the deciding process (Effect's
 * `Clock.monotonicTimeNanos`), never a wall-clock time: two hosts never compare times. A
 * standby measures how long a revision stayed unchanged on its own clock; a holder measures
 * from the moment it sent its last successful write on its own clock. docs/leases.md has the
 * argument why that keeps a holder from overlapping its successor.
 */
import { Option, Schema } from "effect"

// ---------------------------------------------------------------------------------------------
// Defaults (docs/leases.md, "Defaults")
// ---------------------------------------------------------------------------------------------

/** How long a lease lives without a renewal (ms): the worst-case takeover time after a crash. */
export const DEFAULT_LEASE_TTL_MS = 10_000
/** Renew this many times per TTL: two renewals may fail before the holder demotes itself. */
export const RENEWALS_PER_TTL = 3
/** Part of the TTL the holder gives up early, against clock-rate drift and in-flight work. */
export const SAFETY_MARGIN_FRACTION = 0.1
/** Smallest safety margin (ms): event-loop stalls and GC pauses are tens of ms, not one. */
export const MIN_SAFETY_MARGIN_MS = 200
/** Smallest pause between failed renew attempts (ms), so a refusing server is not hammered. */
export const MIN_RENEW_RETRY_MS = 50

/** The timing one lease runs with, all in ms. */
export interface LeaseTiming {
  /** Lifetime of a revision without renewal, as stored in the record. */
  readonly ttlMs: number
  /** Holder: pause between a successful renewal's send and the next one. */
  readonly renewIntervalMs: number
  /** Holder: pause before retrying a renewal that failed (timeout, NATS down). */
  readonly renewRetryMs: number
  /** Standby: pause between reads of the key (a KV watch wakes it earlier). */
  readonly pollIntervalMs: number
  /** Holder: it stops believing it owns the lease this long before a standby may take it. */
  readonly safetyMarginMs: number
  /** Any single KV request is abandoned after this long (treated as failed). */
  readonly requestTimeoutMs: number
}

/** The defaults for a TTL: renew and poll each ttl/3, margin max(10 % of ttl, 200 ms). */
export const leaseTiming = (overrides: Partial<LeaseTiming> = {}): LeaseTiming => {
  const ttlMs = overrides.ttlMs ?? DEFAULT_LEASE_TTL_MS
  const renewIntervalMs = overrides.renewIntervalMs ?? Math.floor(ttlMs / RENEWALS_PER_TTL)
  return {
    ttlMs,
    renewIntervalMs,
    renewRetryMs: overrides.renewRetryMs ?? Math.max(MIN_RENEW_RETRY_MS, Math.floor(renewIntervalMs / 4)),
    pollIntervalMs: overrides.pollIntervalMs ?? Math.floor(ttlMs / RENEWALS_PER_TTL),
    safetyMarginMs: overrides.safetyMarginMs ?? Math.max(MIN_SAFETY_MARGIN_MS, Math.ceil(ttlMs * SAFETY_MARGIN_FRACTION)),
    requestTimeoutMs: overrides.requestTimeoutMs ?? renewIntervalMs
  }
}

/** What makes a timing unusable, one line each; empty when fine. */
export const timingProblems = (t: LeaseTiming): Array<string> => {
  const problems: Array<string> = []
  const positive = (name: keyof LeaseTiming) => {
    if (!Number.isFinite(t[name]) || t[name] <= 0) problems.push(`${name} must be a positive number of ms, got ${t[name]}`)
  }
  for (const name of ["ttlMs", "renewIntervalMs", "renewRetryMs", "pollIntervalMs", "requestTimeoutMs"] as const) positive(name)
  if (!Number.isFinite(t.safetyMarginMs) || t.safetyMarginMs < 0) problems.push(`safetyMarginMs must be >= 0, got ${t.safetyMarginMs}`)
  const believed = t.ttlMs - t.safetyMarginMs
  if (problems.length === 0 && t.renewIntervalMs >= believed) {
    problems.push(
      `renewIntervalMs (${t.renewIntervalMs}) must be below ttlMs - safetyMarginMs (${believed}): ` +
        "the holder would demote itself before its first renewal"
    )
  }
  return problems
}

// ---------------------------------------------------------------------------------------------
// The stored value
// ---------------------------------------------------------------------------------------------

/**
 * The JSON value of `leases.<partition>`. `renewedAt` is the writer's wall clock (ms since
 * epoch): for people reading the bucket, never used in a decision. `incarnation` is random per
 * lease object, so a process recognises its own writes (an answer lost to a timeout) and no
 * other process with the same `owner` id can be mistaken for it.
 */
export const LeaseRecord = Schema.Struct({
  owner: Schema.String,
  ttlMs: Schema.Finite.check(Schema.isGreaterThan(0)),
  renewedAt: Schema.Finite,
  incarnation: Schema.optionalKey(Schema.String)
})
export type LeaseRecord = typeof LeaseRecord.Type

const decodeRecordOption = Schema.decodeUnknownOption(Schema.fromJsonString(LeaseRecord))

/** The record in a KV value, or undefined when it is not one (written by something else). */
export const decodeRecord = (text: string): LeaseRecord | undefined => Option.getOrUndefined(decodeRecordOption(text))

export const encodeRecord = (record: LeaseRecord): string => JSON.stringify(record)

/** Who this lease object is. */
export interface Self {
  readonly owner: string
  readonly incarnation: string
}

const isMine = (record: LeaseRecord | undefined, self: Self) =>
  record !== undefined && record.owner === self.owner && record.incarnation === self.incarnation

// ---------------------------------------------------------------------------------------------
// Standby: reading the key, deciding when to act
// ---------------------------------------------------------------------------------------------

/** What one read of the key (a get or a watch entry) showed. */
export type KeyView =
  | { readonly _tag: "Absent" }
  | { readonly _tag: "Deleted"; readonly revision: number }
  | { readonly _tag: "Held"; readonly revision: number; readonly record: LeaseRecord | undefined }

/** A standby's memory of a held revision: when it first saw it, and the TTL that applies. */
export interface Sighting {
  readonly revision: number
  /** Monotonic ms at which this process first saw `revision`. */
  readonly since: number
  /** The longer of the holder's declared TTL and ours. */
  readonly ttlMs: number
  /** Written by this very lease object (an earlier incarnation of its ownership). */
  readonly mine: boolean
}

/**
 * Updates the sighting with a read made at `now`. A revision seen before keeps its first
 * sighting time; any other revision (newer, or older from a late read) starts a new one:
 * restarting the wait only ever delays a takeover, so it is always safe.
 */
export const sight = (previous: Sighting | undefined, view: KeyView, now: number, self: Self, ownTtlMs: number): Sighting | undefined => {
  if (view._tag !== "Held") return undefined
  if (previous !== undefined && previous.revision === view.revision) return previous
  return {
    revision: view.revision,
    since: now,
    ttlMs: Math.max(ownTtlMs, view.record?.ttlMs ?? 0),
    mine: isMine(view.record, self)
  }
}

/** The monotonic instant after which a standby may take over the sighted revision. */
export const lapsesAt = (s: Sighting): number => s.since + s.ttlMs

/** What a standby should do next. */
export type StandbyMove =
  /** No lease (never written, or released): `kv.create`. */
  | { readonly _tag: "Create" }
  /** Compare-and-set over `revision`: lapsed, or our own write we no longer track. */
  | { readonly _tag: "TakeOver"; readonly revision: number; readonly via: "takeover" | "adopt" }
  /** Someone holds it: read again at `until` at the latest. */
  | { readonly _tag: "Wait"; readonly until: number }

/**
 * The move for a view and the sighting made from it. A lease lapses only when its revision
 * stayed unchanged for MORE than its TTL on this process's clock.
 */
export const standbyMove = (view: KeyView, sighting: Sighting | undefined, now: number): StandbyMove => {
  if (view._tag !== "Held" || sighting === undefined) return { _tag: "Create" }
  if (sighting.mine) return { _tag: "TakeOver", revision: sighting.revision, via: "adopt" }
  if (now > lapsesAt(sighting)) return { _tag: "TakeOver", revision: sighting.revision, via: "takeover" }
  return { _tag: "Wait", until: lapsesAt(sighting) + 1 }
}

// ---------------------------------------------------------------------------------------------
// Holder: the fencing deadline, renewals
// ---------------------------------------------------------------------------------------------

/** What the holder knows about its lease. */
export interface Holding {
  /** The revision its next compare-and-set must name. */
  readonly revision: number
  /** Monotonic ms at which the last write this process KNOWS succeeded was sent. */
  readonly sentAt: number
  /** It owns the lease strictly before this monotonic instant, never at or after it. */
  readonly deadline: number
  /** When to send the next renewal. */
  readonly renewAt: number
}

/**
 * The self-demotion deadline of a write sent at `sentAt`: `sentAt + ttl - margin`. The write
 * lands on the server after `sentAt`, and any standby sees the new revision after that, so a
 * standby cannot take over before `sentAt + ttl` (in real time): the holder stops `margin`
 * earlier.
 */
export const fenceDeadline = (sentAt: number, t: LeaseTiming): number => sentAt + t.ttlMs - t.safetyMarginMs

/** The holding after a successful write (create, takeover or renewal) sent at `sentAt`. */
export const hold = (revision: number, sentAt: number, t: LeaseTiming): Holding => ({
  revision,
  sentAt,
  deadline: fenceDeadline(sentAt, t),
  renewAt: sentAt + t.renewIntervalMs
})

/** Whether the holder may act as owner at `now`. */
export const ownsAt = (h: Holding | undefined, now: number): boolean => h !== undefined && now < h.deadline

/** How a renewal (`kv.update` over the held revision) ended. */
export type RenewOutcome =
  | { readonly _tag: "Renewed"; readonly revision: number }
  /** 10071: the revision moved on. Someone took over, the key was deleted, or our own earlier write landed. */
  | { readonly _tag: "Conflict" }
  /** Error or timeout: we do not know whether it was written. */
  | { readonly _tag: "Failed" }

export type LostReason =
  /** A compare-and-set found another revision that is not ours: someone else wrote the key. */
  | "conflict"
  /** No renewal succeeded in time: the holder demoted itself at its fencing deadline. */
  | "deadline"

export type RenewStep =
  | { readonly _tag: "Holding"; readonly holding: Holding }
  | { readonly _tag: "Lost"; readonly reason: LostReason }

/**
 * The holding after a renewal sent at `sentAt` ended at `now`. A failure keeps the old
 * deadline (nothing is extended without a confirmed write) and retries soon; a success moves
 * the deadline to the new send time.
 */
export const afterRenew = (h: Holding, sentAt: number, outcome: RenewOutcome, now: number, t: LeaseTiming): RenewStep => {
  switch (outcome._tag) {
    case "Renewed": {
      const next = hold(outcome.revision, sentAt, t)
      return now < next.deadline ? { _tag: "Holding", holding: next } : { _tag: "Lost", reason: "deadline" }
    }
    case "Conflict":
      return { _tag: "Lost", reason: "conflict" }
    case "Failed":
      return now < h.deadline
        ? { _tag: "Holding", holding: { ...h, renewAt: Math.min(now + t.renewRetryMs, h.deadline) } }
        : { _tag: "Lost", reason: "deadline" }
  }
}

/**
 * After a renewal conflict, the key as read now: if it holds a revision written by this very
 * lease object (an earlier renewal whose answer was lost), the holder adopts that revision and
 * KEEPS its old deadline (the unknown write was sent after the last known one, so the old
 * deadline is still safe). Anything else means the lease is gone.
 */
export const afterConflict = (h: Holding, view: KeyView, self: Self, now: number): RenewStep => {
  if (view._tag === "Held" && view.revision > h.revision && isMine(view.record, self) && now < h.deadline) {
    return { _tag: "Holding", holding: { ...h, revision: view.revision, renewAt: now } }
  }
  return { _tag: "Lost", reason: now < h.deadline ? "conflict" : "deadline" }
}
