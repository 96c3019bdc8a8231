/**
 * `RegionStore`: reads and changes the region configuration in KV `dispatch_config`. The one
 * write path of the CLI (`dispatch regions`) and the admin API, so both validate, audit and
 * refuse lost updates the same way:
 *
 * - every write is a full value with `by`/`at`/`reason`, so each KV revision is an audit record;
 * - every write is a compare-and-set on the revision it was computed from (KV `update` /
 *   `create`): two operators changing one key at once get a `RevisionConflict`, never a silent
 *   overwrite;
 * - a rollback writes the old value again as a NEW revision (history is never rewritten);
 * - history is what KV keeps: the last `CONFIG_HISTORY_DEPTH` (64) revisions per key.
 */
import type { KV, KvEntry } from "@nats-io/kv"
import { Clock, Context, Effect, Layer, Result } from "effect"
import { type FieldProblem, kvKeys, Nats } from "#engine"
import { CONFIG_HISTORY_DEPTH, isNoMessage, isRevisionConflict, kvCall, openConfigBucket } from "./config-bucket.ts"
import { type RegionStoreError, RegionStoreFailure, RevisionConflict, RevisionNotFound, type RegionValueInvalid } from "./errors.ts"
import { type RegionEntry, type RegionSnapshot, tableOf } from "./region-snapshot.ts"
import type { RegionTable } from "./region-table.ts"
import { weightsOf } from "./region-table.ts"
import {
  checkLimitScope,
  checkRegion,
  type ConfigValue,
  decodeRegionValue,
  encodeRegionValue,
  makeDrainValue,
  makeLanesValue,
  makeLimitsValue,
  makeWeightsValue,
  parseRegionKey,
  type RateLimitValue,
  type RegionKey,
  type RegionValue,
  resolveRegionKey
} from "./region-values.ts"

/** A key whose stored value breaks the rules: shown to operators, ignored by gateways. */
export interface InvalidEntry {
  readonly key: string
  readonly revision: number
  readonly problems: ReadonlyArray<FieldProblem>
}

export interface RegionListing {
  readonly table: RegionTable
  readonly entries: ReadonlyArray<RegionEntry>
  readonly invalid: ReadonlyArray<InvalidEntry>
}

export interface HistoryEntry {
  readonly key: string
  readonly revision: number
  /** Server time of the write (epoch ms); `value.at` is the writer's clock. */
  readonly created: number
  readonly operation: "PUT" | "DEL" | "PURGE"
  readonly value?: ConfigValue
  /** Set when a PUT's value breaks the rules (written by hand, or for a region no longer known). */
  readonly problems?: ReadonlyArray<FieldProblem>
}

export interface RegionHistory {
  /** Newest first. */
  readonly entries: ReadonlyArray<HistoryEntry>
  /** Revisions kept per key: older changes are gone. */
  readonly depth: number
}

/** Who asks for a change, and on which revision they based it (optional: the one read now). */
export interface ChangeRequest {
  readonly by: string
  readonly reason?: string | undefined
  /** The key's revision the caller saw (0 = absent); a different current revision is a conflict. */
  readonly expectedRevision?: number | undefined
}

export interface WeightsChange extends ChangeRequest {
  /** merge: change the named targets, keep the others; replace: the given map is the whole map. */
  readonly mode: "merge" | "replace"
}

export interface RegionStoreShape {
  readonly regions: ReadonlyArray<string>
  readonly list: Effect.Effect<RegionListing, RegionStoreFailure>
  readonly setWeights: (caller: string, weights: Readonly<Record<string, number>>, change: WeightsChange) => Effect.Effect<RegionEntry, RegionStoreError>
  readonly setDrained: (region: string, drained: boolean, change: ChangeRequest) => Effect.Effect<RegionEntry, RegionStoreError>
  /** A caller's lane shares (lane -> percent of its requests without a lane header), merged or replaced like weights. */
  readonly setLaneShares: (caller: string, shares: Readonly<Record<string, number>>, change: WeightsChange) => Effect.Effect<RegionEntry, RegionStoreError>
  /** `scope`: a region or `default`; `limit` null clears it (a region then follows the default). */
  readonly setLimit: (scope: string, limit: RateLimitValue | null, change: ChangeRequest) => Effect.Effect<RegionEntry, RegionStoreError>
  /** Every change of `weights.*`, `drain.*`, `lanes.*` and `limits.*`; with a region, those of its keys and of weights naming it. */
  readonly history: (filter?: { readonly region?: string | undefined }) => Effect.Effect<RegionHistory, RegionStoreFailure>
  /** `key`: `weights.<caller>`, `drain.<region>`, `lanes.<caller>`, `limits.<region>`, `limits.default` or a caller region. */
  readonly rollback: (key: string, toRevision: number, change: ChangeRequest) => Effect.Effect<RegionEntry, RegionStoreError>
}

const collect = async <A>(iterable: AsyncIterable<A>): Promise<Array<A>> => {
  const out: Array<A> = []
  for await (const a of iterable) out.push(a)
  return out
}

const fromResult = <A, E>(r: Result.Result<A, E>): Effect.Effect<A, E> => (Result.isSuccess(r) ? Effect.succeed(r.success) : Effect.fail(r.failure))

/** A stored entry of a control-plane key, decoded; undefined for other keys of the bucket. */
export const decodeEntry = (entry: Pick<KvEntry, "key" | "string">, regions: ReadonlyArray<string>) => {
  const key = parseRegionKey(entry.key)
  return key === undefined ? undefined : decodeRegionValue(key, regions, entry.string())
}

/** Every key filter of the control plane: nats-server 2.9 allows one filter per consumer, so each is listed, watched and read apart. */
export const CONFIG_KEY_FILTERS = [kvKeys.allWeights, kvKeys.allDrains, kvKeys.allLanes, kvKeys.allLimits] as const

/** Every entry of `kv`'s control-plane keys from `read` (keys, history), one filter after the other. */
const readAll = async <A>(read: (filter: string) => Promise<AsyncIterable<A>>): Promise<Array<A>> => {
  const out: Array<A> = []
  for (const filter of CONFIG_KEY_FILTERS) out.push(...await collect(await read(filter)))
  return out
}

/** The latest value of every `weights.*`, `drain.*`, `lanes.*` and `limits.*` key, good ones apart from broken ones. */
export const readRegionSnapshot = (kv: KV, regions: ReadonlyArray<string>): Effect.Effect<{ readonly snapshot: RegionSnapshot; readonly invalid: ReadonlyArray<InvalidEntry> }, RegionStoreFailure> =>
  Effect.gen(function*() {
    const keys = yield* kvCall("list keys", () => readAll((filter) => kv.keys(filter)))
    const found = yield* Effect.forEach(keys, (key) => kvCall(`get ${key}`, () => kv.get(key)), { concurrency: 8 })
    const snapshot = new Map<string, RegionEntry>()
    const invalid: Array<InvalidEntry> = []
    for (const entry of found) {
      if (entry === null || entry.operation !== "PUT") continue
      const decoded = decodeEntry(entry, regions)
      if (decoded === undefined) continue
      if (Result.isSuccess(decoded)) snapshot.set(entry.key, { key: entry.key, revision: entry.revision, created: entry.created.getTime(), value: decoded.success })
      else invalid.push({ key: entry.key, revision: entry.revision, problems: decoded.failure.problems })
    }
    return { snapshot, invalid }
  })

export const makeRegionStore = (kv: KV, regions: ReadonlyArray<string>): RegionStoreShape => {
  const current = (key: string) => kvCall(`get ${key}`, () => kv.get(key))

  /** Compare-and-set: `expected` 0 creates, else updates only if the key is still at `expected`. */
  const write = (key: RegionKey, value: ConfigValue, expected: number, created: number): Effect.Effect<RegionEntry, RegionStoreError> =>
    Effect.tryPromise({
      try: () => (expected === 0 ? kv.create(key.key, encodeRegionValue(value)) : kv.update(key.key, encodeRegionValue(value), expected)),
      catch: (e) => e
    }).pipe(
      Effect.map((revision): RegionEntry => ({
        key: key.key,
        revision,
        created,
        // `value` was built for this key's kind (makeWeightsValue / makeDrainValue / makeLanesValue / makeLimitsValue).
        value: { ...key, value } as RegionValue
      })),
      Effect.catch((e): Effect.Effect<never, RegionStoreError> =>
        isRevisionConflict(e)
          ? Effect.flatMap(Effect.option(current(key.key)), (now) =>
            Effect.fail(new RevisionConflict({ key: key.key, expected, ...(now._tag === "Some" && now.value !== null ? { actual: now.value.revision } : {}) })))
          : Effect.fail(new RegionStoreFailure({ operation: `write ${key.key}`, detail: e instanceof Error ? e.message : String(e) }))
      )
    )

  /**
   * Reads the key, lets `next` compute the new value from it, and writes it on the revision read.
   * An `expectedRevision` that is already stale fails before anything is computed.
   */
  const change = <V extends ConfigValue>(
    key: RegionKey,
    request: ChangeRequest,
    next: (entry: KvEntry | null, at: number) => Effect.Effect<V, RegionStoreError>
  ) =>
    Effect.gen(function*() {
      const entry = yield* current(key.key)
      const revision = entry?.revision ?? 0
      if (request.expectedRevision !== undefined && request.expectedRevision !== revision) {
        return yield* new RevisionConflict({ key: key.key, expected: request.expectedRevision, actual: revision })
      }
      const at = yield* Clock.currentTimeMillis
      return yield* write(key, yield* next(entry, at), revision, at)
    })

  const meta = (request: ChangeRequest, at: number) => ({ by: request.by, at, ...(request.reason === undefined ? {} : { reason: request.reason }) })

  const list = Effect.map(readRegionSnapshot(kv, regions), ({ snapshot, invalid }) => ({
    table: tableOf(regions, snapshot),
    entries: [...snapshot.values()].sort((a, b) => a.key.localeCompare(b.key)),
    invalid
  }))

  const setWeights = (caller: string, weights: Readonly<Record<string, number>>, request: WeightsChange) =>
    Effect.gen(function*() {
      // checked before kvKeys builds the key, which throws on a non-token (a bug, not input)
      yield* fromResult(checkRegion(caller, regions, "caller"))
      const key = yield* fromResult(resolveRegionKey(kvKeys.weights(caller), regions))
      return yield* change(key, request, (entry, at) => {
        const base = request.mode === "replace" ? {} : baseWeights(entry, caller)
        return fromResult(makeWeightsValue(regions, caller, { ...base, ...weights }, meta(request, at)))
      })
    }).pipe(Effect.withSpan("RegionStore.setWeights", { attributes: { caller } }))

  /** The stored value of `entry`, if it is a valid one. */
  const storedValue = (entry: KvEntry | null): RegionValue | undefined => {
    const decoded = entry !== null && entry.operation === "PUT" ? decodeEntry(entry, regions) : undefined
    return decoded !== undefined && Result.isSuccess(decoded) ? decoded.success : undefined
  }

  /** What `merge` starts from: the stored weights, or the table's default when none are valid. */
  const baseWeights = (entry: KvEntry | null, caller: string): Record<string, number> => {
    const stored = storedValue(entry)
    if (stored?.kind === "weights") return { ...stored.value.weights }
    return Object.fromEntries(weightsOf({ regions, weights: new Map(), drained: new Set(), lanes: new Map() }, caller))
  }

  const setLaneShares = (caller: string, shares: Readonly<Record<string, number>>, request: WeightsChange) =>
    Effect.gen(function*() {
      yield* fromResult(checkRegion(caller, regions, "caller"))
      const key = yield* fromResult(resolveRegionKey(kvKeys.lanes(caller), regions))
      return yield* change(key, request, (entry, at) => {
        const stored = storedValue(entry)
        const base = request.mode === "replace" || stored?.kind !== "lanes" ? {} : stored.value.shares
        return fromResult(makeLanesValue(regions, caller, { ...base, ...shares }, meta(request, at)))
      })
    }).pipe(Effect.withSpan("RegionStore.setLaneShares", { attributes: { caller } }))

  const setDrained = (region: string, drained: boolean, request: ChangeRequest) =>
    Effect.gen(function*() {
      yield* fromResult(checkRegion(region, regions))
      const key = yield* fromResult(resolveRegionKey(kvKeys.drain(region), regions))
      return yield* change(key, request, (_, at) => fromResult(makeDrainValue(regions, region, drained, meta(request, at))))
    }).pipe(Effect.withSpan("RegionStore.setDrained", { attributes: { region, drained } }))

  const setLimit = (scope: string, limit: RateLimitValue | null, request: ChangeRequest) =>
    Effect.gen(function*() {
      yield* fromResult(checkLimitScope(scope, regions))
      const key = yield* fromResult(resolveRegionKey(kvKeys.limits(scope), regions))
      return yield* change(key, request, (_, at) => fromResult(makeLimitsValue(regions, scope, limit, meta(request, at))))
    }).pipe(Effect.withSpan("RegionStore.setLimit", { attributes: { scope } }))

  const toHistory = (entry: KvEntry): HistoryEntry => {
    const base = { key: entry.key, revision: entry.revision, created: entry.created.getTime(), operation: entry.operation }
    if (entry.operation !== "PUT") return base
    const decoded = decodeEntry(entry, regions)
    if (decoded === undefined) return base
    return Result.isSuccess(decoded) ? { ...base, value: decoded.success.value } : { ...base, problems: decoded.failure.problems }
  }

  const concerns = (region: string) => (h: HistoryEntry) =>
    parseRegionKey(h.key)?.region === region || (h.value !== undefined && "weights" in h.value && Object.hasOwn(h.value.weights, region))

  // One filter per consumer (nats-server 2.9): each kind of key is read apart and merged by
  // revision (a stream sequence: one order across keys).
  const history = (filter: { readonly region?: string | undefined } = {}) =>
    kvCall("history", () => readAll((key) => kv.history({ key }))).pipe(
      Effect.map((raw) => {
        const all = raw.map(toHistory).sort((a, b) => b.revision - a.revision)
        return { entries: filter.region === undefined ? all : all.filter(concerns(filter.region)), depth: CONFIG_HISTORY_DEPTH }
      })
    )

  const rollback = (input: string, toRevision: number, request: ChangeRequest) =>
    Effect.gen(function*() {
      const key = yield* fromResult(resolveRegionKey(input, regions))
      const notFound = (reason: string) => new RevisionNotFound({ key: key.key, revision: toRevision, reason })
      if (!Number.isSafeInteger(toRevision) || toRevision < 1) return yield* notFound("a revision is an integer >= 1")
      const old = yield* Effect.tryPromise({ try: () => kv.get(key.key, { revision: toRevision }), catch: (e) => e }).pipe(
        Effect.catch((e) =>
          isNoMessage(e)
            ? Effect.succeed(null)
            : Effect.fail(new RegionStoreFailure({ operation: `get ${key.key}@${toRevision}`, detail: e instanceof Error ? e.message : String(e) })))
      )
      if (old === null) return yield* notFound(`not in its history (KV keeps the last ${CONFIG_HISTORY_DEPTH} revisions per key; see \`dispatch regions history\`)`)
      if (old.operation !== "PUT") return yield* notFound(`revision ${toRevision} is a ${old.operation}, not a value`)
      const decoded = yield* fromResult(decodeRegionValue(key, regions, old.string()))
      const reason = request.reason ?? `rollback to rev ${toRevision}`
      return yield* change(key, request, (_, at): Effect.Effect<ConfigValue, RegionValueInvalid> => {
        const audit = meta({ ...request, reason }, at)
        switch (decoded.kind) {
          case "weights":
            return fromResult(makeWeightsValue(regions, key.region, decoded.value.weights, audit))
          case "drain":
            return fromResult(makeDrainValue(regions, key.region, decoded.value.drained, audit))
          case "lanes":
            return fromResult(makeLanesValue(regions, key.region, decoded.value.shares, audit))
          case "limits":
            return fromResult(makeLimitsValue(regions, key.region, decoded.value.limit, audit))
        }
      })
    }).pipe(Effect.withSpan("RegionStore.rollback", { attributes: { key: input, toRevision } }))

  return { regions, list, setWeights, setDrained, setLaneShares, setLimit, history, rollback }
}

export class RegionStore extends Context.Service<RegionStore, RegionStoreShape>()("dispatch/RegionStore") {
  /** Over the `Nats` connection; the bucket is created if missing. */
  static readonly layer = (regions: ReadonlyArray<string>) =>
    Layer.effect(RegionStore, Effect.gen(function*() {
      return makeRegionStore(yield* openConfigBucket(yield* Nats), regions)
    }))
}
