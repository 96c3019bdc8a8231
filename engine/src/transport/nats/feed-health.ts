/**
 * Whether a partition's driver index is known to hold every KV update: the pure core of the
 * driver feed (driver-feed.ts), time passed in, no I/O.
 *
 * The feed is `current` only on evidence: its consumer said nothing was left to deliver (a
 * message with `pending` 0, a consumer created with nothing pending, or an idle heartbeat,
 * which the server sends only while it has nothing for the pull). Everything else is `stale`:
 * disconnected, a consumer being (re)created, or a consumer that went silent (no message and no
 * heartbeat for `staleAfterMs`), which is how a stalled consumer looks from the client.
 * Assuming "current unless told otherwise" is what let the engine match on a frozen view for a
 * minute after a nats-server restart (issue 15, D1).
 *
 * `lagSeconds` is the time since the feed was last known current: up to the heartbeat
 * interval while healthy and idle, growing from the last evidence while stale or while a
 * backlog keeps `pending` above 0.
 */

/** Why the feed is not current. */
export type FeedStaleReason =
  /** The NATS connection is down. */
  | "disconnected"
  /** A consumer is being created, or delivers what was written since the last one. */
  | "resyncing"
  /** The consumer sent neither a message nor a heartbeat for `staleAfterMs`. */
  | "silent"

export type FeedState =
  | { readonly _tag: "Current" }
  | { readonly _tag: "Stale"; readonly reason: FeedStaleReason; readonly since: number }

export const CURRENT: FeedState = { _tag: "Current" }

export class FeedHealth {
  readonly #staleAfterMs: number
  #state: FeedState
  #lastCurrentAt: number
  #lastHeardAt: number
  #lastCheckAt: number

  /** Starts stale (`resyncing`): nothing is known before the first snapshot. */
  constructor(staleAfterMs: number, now: number) {
    this.#staleAfterMs = staleAfterMs
    this.#state = { _tag: "Stale", reason: "resyncing", since: now }
    this.#lastCurrentAt = now
    this.#lastHeardAt = now
    this.#lastCheckAt = now
  }

  get state(): FeedState {
    return this.#state
  }

  get current(): boolean {
    return this.#state._tag === "Current"
  }

  /** Seconds since the index was last known to hold every update (0 at that instant). */
  lagSeconds(now: number): number {
    return Math.max(0, now - this.#lastCurrentAt) / 1000
  }

  /** A consumer was created; `pending` is what it has to deliver. */
  consumerCreated(pending: number, now: number): void {
    this.#lastHeardAt = now
    if (pending === 0) this.#becomeCurrent(now)
    else this.#becomeStale("resyncing", now)
  }

  /** A message was applied; `pending` is what the consumer still holds after it. */
  message(pending: number, now: number): void {
    this.#lastHeardAt = now
    if (pending === 0) this.#becomeCurrent(now)
  }

  /** An idle heartbeat: the consumer has nothing more to deliver. */
  heartbeat(now: number): void {
    this.#lastHeardAt = now
    this.#becomeCurrent(now)
  }

  disconnected(now: number): void {
    this.#becomeStale("disconnected", now)
  }

  /** A new consumer is about to be created (after a reconnect, a gap, a silence, an error). */
  resyncing(now: number): void {
    this.#becomeStale("resyncing", now)
  }

  /**
   * True (and stale `silent`) when nothing came from the consumer for longer than
   * `staleAfterMs` up to the previous check (call it every fraction of that limit): the caller
   * should replace the consumer. Resets the silence clock, so a
   * consumer that stays silent is reported once per `staleAfterMs`.
   */
  checkSilence(now: number): boolean {
    // Silence counts only while this process could listen: after a stall of its own (a blocked
    // event loop, a starved CPU) what the server sent meanwhile is still unread, so the silence
    // is measured up to the previous check. Measured up to `now`, a loaded machine took its own
    // stall for the consumer's, resynced, and held every order until they expired.
    const listenedUntil = this.#lastCheckAt
    this.#lastCheckAt = now
    if (listenedUntil - this.#lastHeardAt <= this.#staleAfterMs) return false
    this.#lastHeardAt = now
    this.#becomeStale("silent", now)
    return true
  }

  #becomeCurrent(now: number): void {
    this.#lastCurrentAt = now
    this.#state = CURRENT
  }

  /** Keeps the first `since` of a stale stretch; the reason is the latest. */
  #becomeStale(reason: FeedStaleReason, now: number): void {
    const since = this.#state._tag === "Stale" ? this.#state.since : now
    this.#state = { _tag: "Stale", reason, since }
  }
}
