/**
 * `dispatch regions`: the operator's view of the region control plane. Reads and writes go
 * straight to KV `dispatch_config` through `RegionStore` (the same code as the admin API), so
 * the CLI works with no gateway running; only `breakers` asks a running gateway's admin API.
 * docs/regions.md is the reference.
 */
import { Config, Console, Effect, Option, Redacted, Result } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { hostname, userInfo } from "node:os"
import { connectNats, natsFlags, natsSettings, stringFlag } from "#engine"
import type { BreakerBoardSnapshot } from "../balancer/breaker-board.ts"
import { ADMIN_TOKEN_ENV } from "../admin/admin-auth.ts"
import { openConfigBucket } from "../regions/config-bucket.ts"
import { AdminApiFailure, RegionValueInvalid } from "../regions/errors.ts"
import type { RegionEntry } from "../regions/region-snapshot.ts"
import { makeRegionStore, type RegionStoreShape } from "../regions/region-store.ts"
import { entryView, historyView, limitsView, listingView } from "../regions/region-views.ts"
import { describeValue, renderBreakers, renderHistory, renderLimits, renderListing } from "./regions-render.ts"
import { regionsFlag } from "../regions/regions-config.ts"

export const DEFAULT_API_URL = "http://127.0.0.1:8080"
/** How long `breakers` waits for the gateway (ms). */
const ADMIN_API_TIMEOUT_MS = 5_000

const defaultActor = () => `${process.env["USER"] ?? userInfo().username}@${hostname()}`

const root = Command.make("regions").pipe(
  Command.withSharedFlags({
    json: Flag.Boolean("json").pipe(Flag.withDefault(false), Flag.withDescription("print JSON (the admin API's shapes) instead of tables"))
  })
)

/** Flags of every command that reads or writes KV: the NATS connection and the region list (not `breakers`, which asks a gateway). */
const storeFlags = { ...natsFlags, regions: regionsFlag }
type StoreFlags = Command.Command.Config.Infer<typeof storeFlags>

/** Flags of every command that changes something: the audit fields and the compare-and-set base. */
const changeFlags = {
  by: Flag.String("by").pipe(Flag.withDefault(defaultActor()), Flag.withDescription("who makes the change, recorded in KV (default $USER@hostname)")),
  reason: Flag.String("reason").pipe(Flag.optional, Flag.withDescription("why, recorded in KV (at most 200 characters)")),
  expectRevision: Flag.Int("expect-revision").pipe(
    Flag.optional,
    Flag.withDescription("write only if the key is still at this revision (from `list --json`; 0 = absent); else fail with a conflict")
  )
}

type ChangeFlags = { readonly by: string; readonly reason: Option.Option<string>; readonly expectRevision: Option.Option<number> }
const changeOf = (f: ChangeFlags) => ({ by: f.by, reason: Option.getOrUndefined(f.reason), expectedRevision: Option.getOrUndefined(f.expectRevision) })

/** Runs `f` with a store on a NATS connection that is closed when it returns. */
const withStore = <A, E>(flags: StoreFlags, f: (store: RegionStoreShape, json: boolean) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const { json } = yield* root
    const client = yield* connectNats(natsSettings(flags, `dispatch-regions@${hostname()}`))
    const kv = yield* openConfigBucket(client)
    return yield* f(makeRegionStore(kv, flags.regions), json)
  }).pipe(Effect.scoped)

const print = (json: boolean, view: unknown, text: () => string) => Console.log(json ? JSON.stringify(view, null, 2) : text())

const describeEntry = (e: RegionEntry) => {
  const v = e.value.value
  return `${e.key} is now rev ${e.revision}: ${describeValue(v)} (by ${v.by}${v.reason === undefined ? "" : `, "${v.reason}"`})`
}
const printEntry = (json: boolean) => (e: RegionEntry) => print(json, entryView(e), () => describeEntry(e))

/**
 * `us-east=2` ... -> {"us-east": 2} (`set-weight`), or `canary=5` ... -> {canary: 5} (`set-lane`,
 * `field` "shares", pairs `<lane>=<percent>`); the store then checks names and values.
 */
export const parseWeightArgs = (
  args: ReadonlyArray<string>,
  field: "weights" | "shares" = "weights"
): Result.Result<Record<string, number>, RegionValueInvalid> => {
  const pairs: Record<string, number> = {}
  const shape = field === "weights" ? "<target>=<weight>" : "<lane>=<percent>"
  const problems: Array<{ path: string; message: string }> = []
  args.forEach((arg, i) => {
    const at = arg.indexOf("=")
    const name = arg.slice(0, at), raw = arg.slice(at + 1).trim()
    if (at <= 0) problems.push({ path: `${field}[${i}]`, message: `"${arg}" is not ${shape}` })
    else if (Object.hasOwn(pairs, name)) problems.push({ path: `${field}.${name}`, message: "given twice" })
    else if (raw === "" || !Number.isFinite(Number(raw))) problems.push({ path: `${field}.${name}`, message: `"${raw}" is not a number` })
    else Object.defineProperty(pairs, name, { value: Number(raw), enumerable: true, writable: true, configurable: true })
  })
  return problems.length === 0 ? Result.succeed(pairs) : Result.fail(new RegionValueInvalid({ subject: field, problems }))
}

const list = Command.make("list", storeFlags, (flags) =>
  withStore(flags, (store, json) => Effect.flatMap(store.list, (l) => print(json, listingView(l), () => renderListing(l))))
).pipe(Command.withDescription("Show the known regions, every caller's weights (with the share each target gets), drained regions, and who set them."))

const setWeight = Command.make("set-weight", {
  caller: Argument.String("caller").pipe(Argument.withDescription("the caller region whose traffic is split")),
  weights: Argument.String("target=weight").pipe(Argument.atLeast(1), Argument.withDescription("one or more target=weight pairs (weights >= 0, relative)")),
  replace: Flag.Boolean("replace").pipe(Flag.withDefault(false), Flag.withDescription("the given pairs are the whole map (default: change only the named targets)")),
  ...changeFlags,
  ...storeFlags
}, (flags) =>
  withStore(flags, (store, json) =>
    Effect.gen(function*() {
      const parsed = parseWeightArgs(flags.weights)
      if (Result.isFailure(parsed)) return yield* parsed.failure
      return yield* Effect.flatMap(store.setWeights(flags.caller, parsed.success, { ...changeOf(flags), mode: flags.replace ? "replace" : "merge" }), printEntry(json))
    }))
).pipe(Command.withDescription("Set weights of a caller region's traffic: `set-weight us-west us-west=3 us-east=1`. Applies live to every gateway."))

const setLane = Command.make("set-lane", {
  caller: Argument.String("caller").pipe(Argument.withDescription("the caller region whose requests without an x-dispatch-lane header are split")),
  shares: Argument.String("lane=percent").pipe(
    Argument.atLeast(1),
    Argument.withDescription("one or more lane=percent pairs (0-100, at most 100 in all; the rest stays on main; 0 keeps the lane open to the header only)")
  ),
  replace: Flag.Boolean("replace").pipe(Flag.withDefault(false), Flag.withDescription("the given pairs are the whole map (default: change only the named lanes)")),
  ...changeFlags,
  ...storeFlags
}, (flags) =>
  withStore(flags, (store, json) =>
    Effect.gen(function*() {
      const parsed = parseWeightArgs(flags.shares, "shares")
      if (Result.isFailure(parsed)) return yield* parsed.failure
      return yield* Effect.flatMap(store.setLaneShares(flags.caller, parsed.success, { ...changeOf(flags), mode: flags.replace ? "replace" : "merge" }), printEntry(json))
    }))
).pipe(Command.withDescription(
  "Send a share of a caller region's traffic down a lane (a canary intake, `dispatch engine --lane`): `set-lane us-west canary=5`. Applies live to every gateway; a lane with no intake up falls back to main."
))

const drainCommand = (name: "drain" | "undrain", drained: boolean, description: string) =>
  Command.make(name, {
    region: Argument.String("region").pipe(Argument.withDescription(`the region to ${name}: one of --regions`)),
    ...changeFlags,
    ...storeFlags
  }, (flags) =>
    withStore(flags, (store, json) => Effect.flatMap(store.setDrained(flags.region, drained, changeOf(flags)), printEntry(json)))
  ).pipe(Command.withDescription(description))

const scopeArgument = Argument.String("region-or-default").pipe(Argument.withDescription("a region of --regions, or `default` (every region without a limit of its own)"))

const limits = Command.make("limits", storeFlags, (flags) =>
  withStore(flags, (store, json) => Effect.flatMap(store.list, (l) => print(json, limitsView(l), () => renderLimits(l))))
).pipe(Command.withDescription("Show each region's rate limit per caller (burst, per second), whether it is the region's own or the default, and who set it."))

const setLimit = Command.make("set-limit", {
  scope: scopeArgument,
  burst: Flag.Int("burst").pipe(Flag.withDescription("calls a caller may send at once after being quiet (the bucket's capacity; 1 to 1000000)")),
  perSecond: Flag.Finite("per-second").pipe(Flag.withDescription("sustained calls per second per caller (the refill rate; above 0, at most 1000000; 0.5 = one every 2 s)")),
  ...changeFlags,
  ...storeFlags
}, (flags) =>
  withStore(flags, (store, json) => Effect.flatMap(store.setLimit(flags.scope, { burst: flags.burst, perSecond: flags.perSecond }, changeOf(flags)), printEntry(json)))
).pipe(Command.withDescription("Limit each caller's requests to a region: `set-limit us-west --burst 20 --per-second 5` (or `default`). Applies live to every gateway; over the limit a request gets 429 with Retry-After."))

const clearLimit = Command.make("clear-limit", { scope: scopeArgument, ...changeFlags, ...storeFlags }, (flags) =>
  withStore(flags, (store, json) => Effect.flatMap(store.setLimit(flags.scope, null, changeOf(flags)), printEntry(json)))
).pipe(Command.withDescription("Remove a region's own rate limit (it follows `default` again), or the default (regions without their own are not limited). Audited like any change."))

const history = Command.make("history", {
  region: Argument.String("region").pipe(Argument.optional, Argument.withDescription("only changes of this region's keys and of weights naming it")),
  limit: Flag.Int("limit").pipe(Flag.optional, Flag.withDescription("newest N changes only")),
  ...storeFlags
}, (flags) =>
  withStore(flags, (store, json) =>
    Effect.flatMap(store.history({ region: Option.getOrUndefined(flags.region) }), (h) => {
      const shown = Option.match(flags.limit, { onNone: () => h, onSome: (n) => ({ ...h, entries: h.entries.slice(0, Math.max(0, n)) }) })
      return print(json, historyView(shown), () => renderHistory(shown))
    }))
).pipe(Command.withDescription("Every change of weights.*, drain.*, lanes.* and limits.*, newest first, with revision, time, who and why (KV keeps 64 revisions per key)."))

const rollback = Command.make("rollback", {
  key: Argument.String("key-or-caller").pipe(Argument.withDescription("weights.<caller>, drain.<region>, lanes.<caller>, limits.<region>, limits.default, or a caller region (= its weights)")),
  revision: Argument.Int("revision").pipe(Argument.withDescription("the revision whose value to restore (see `history`)")),
  ...changeFlags,
  ...storeFlags
}, (flags) =>
  withStore(flags, (store, json) => Effect.flatMap(store.rollback(flags.key, flags.revision, changeOf(flags)), printEntry(json)))
).pipe(Command.withDescription("Write a key's value of an earlier revision again, as a new audited change (reason \"rollback to rev N\")."))

const breakers = Command.make("breakers", {
  api: stringFlag("api", "DISPATCH_API_URL").pipe(
    Flag.withDefault(DEFAULT_API_URL),
    Flag.withDescription(`a running gateway's base URL (env DISPATCH_API_URL; default ${DEFAULT_API_URL}); token from env ${ADMIN_TOKEN_ENV}`)
  )
}, (flags) =>
  Effect.gen(function*() {
    const { json } = yield* root
    const url = `${flags.api.replace(/\/+$/, "")}/admin/breakers`
    const token = yield* Config.option(Config.Redacted(ADMIN_TOKEN_ENV)).pipe(Effect.orElseSucceed(() => Option.none()))
    const headers: Record<string, string> = Option.match(token, { onNone: () => ({}), onSome: (t) => ({ authorization: `Bearer ${Redacted.value(t)}` }) })
    const response = yield* Effect.tryPromise({
      try: () => fetch(url, { headers, signal: AbortSignal.timeout(ADMIN_API_TIMEOUT_MS) }),
      catch: (e) => new AdminApiFailure({ url, detail: e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e) })
    })
    const text = yield* Effect.promise(() => response.text())
    if (!response.ok) {
      let detail = text
      try {
        detail = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text
      } catch { /* not JSON: show it as it came */ }
      return yield* new AdminApiFailure({ url, status: response.status, detail })
    }
    const board = JSON.parse(text) as BreakerBoardSnapshot
    yield* print(json, board, () => renderBreakers(board))
  })
).pipe(Command.withDescription("Show each target's circuit breaker and outlier state, as a running gateway sees it (GET /admin/breakers)."))

export const regionsCommand = root.pipe(
  Command.withDescription("Show and change region weights, drain regions, lane shares and rate limits, audit and roll back changes (docs/regions.md)."),
  Command.withSubcommands([
    list,
    setWeight,
    setLane,
    drainCommand(
      "drain",
      true,
      "Stop sending new rides to a region: every gateway treats every caller's weight for it as 0 (its share goes to the other targets by their weights) until `regions undrain`. Rides already in the region finish there; applies live, stored in KV."
    ),
    drainCommand("undrain", false, "Let a drained region take new rides again, by the weights callers give it."),
    limits,
    setLimit,
    clearLimit,
    breakers,
    history,
    rollback
  ])
)
