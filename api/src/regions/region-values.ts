/**
 * The values the region control plane keeps in KV `dispatch_config` (JSON, `"v": 1`):
 *
 * - `weights.<caller>` -> `{v, weights: {<target>: weight}, by, at, reason?}`
 * - `drain.<region>`   -> `{v, drained, by, at, reason?}`
 * - `lanes.<caller>`   -> `{v, shares: {<lane>: percent}, by, at, reason?}` (traffic lanes)
 * - `limits.<region>` and `limits.default` -> `{v, limit: {burst, perSecond} | null, by, at, reason?}`
 *   (the rate limit of each caller towards that region, api/src/ratelimit; null: none of its own)
 *
 * `by`/`at`/`reason` make every revision its own audit record, so the KV history of a key is
 * its audit log. Schemas depend on the known regions (a gateway routes only to those), so they
 * are built per region list; every refusal names its field (`weights.us-east`, `key`, `v`).
 */
import { Result, Schema } from "effect"
import { EpochMillis, fieldProblems, type FieldProblem, kvKeys, laneProblem, MAIN_LANE, MAX_REASON_LENGTH, OpaqueId, Token } from "#engine"
import { RegionValueInvalid } from "./errors.ts"

export const REGION_VALUE_VERSION = 1

/** Who made a change: `$USER@host`, `admin-api` or an `X-Dispatch-Actor` token. */
export const Actor = OpaqueId
export const Reason = Schema.String.check(Schema.isMaxLength(MAX_REASON_LENGTH, { message: `must be at most ${MAX_REASON_LENGTH} characters` }))
export const Weight = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0, { message: "must be a finite number >= 0" }))

const isToken = Schema.is(Token)
const unknownRegion = (region: string, known: ReadonlyArray<string>) => `unknown region "${region}" (known: ${known.join(", ")})`

/** Targets -> weight, every target known, not all zero (a caller must be able to route somewhere). */
export const weightMapSchema = (known: ReadonlyArray<string>) =>
  // Keys are checked here, not by `Record(Token, ...)`: a record silently DROPS keys its key
  // schema refuses, and a target typed wrong must be an error, not vanish.
  Schema.Record(Schema.String, Weight).check(
    Schema.makeFilter((weights: { readonly [target: string]: number }) => {
      const unknown = Object.keys(weights).filter((t) => !known.includes(t)).map((t) => ({
        path: [t],
        issue: isToken(t) ? unknownRegion(t, known) : "a region may contain only letters, digits, '_' and '-' (it becomes part of a NATS subject)"
      }))
      if (unknown.length > 0) return unknown
      return Object.values(weights).some((w) => w > 0) || "must give at least one target a weight above 0 (to stop traffic to a region, drain it)"
    })
  )

export const weightsValueSchema = (known: ReadonlyArray<string>) =>
  Schema.Struct({
    v: Schema.Literal(REGION_VALUE_VERSION),
    weights: weightMapSchema(known),
    by: Actor,
    at: EpochMillis,
    reason: Schema.optionalKey(Reason)
  })

export const Percent = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 100 }, { message: "must be a percentage between 0 and 100" }))

/**
 * Lane -> percent of the caller's requests without an `x-dispatch-lane` header that take the
 * lane; the rest stay on main. A lane named here (0 % included) is also one the header may name.
 */
export const laneSharesSchema = Schema.Record(Schema.String, Percent).check(
  // Keys checked by a filter, as for weights: a record would silently drop refused keys.
  Schema.makeFilter((shares: { readonly [lane: string]: number }) => {
    const bad = Object.keys(shares).flatMap((lane) => {
      const problem = lane === MAIN_LANE ? `"${MAIN_LANE}" is the default lane: it takes what the other lanes leave` : laneProblem(lane)
      return problem === undefined ? [] : [{ path: [lane], issue: `a lane ${problem}` }]
    })
    if (bad.length > 0) return bad
    const total = Object.values(shares).reduce((sum, p) => sum + p, 0)
    return total <= 100 || `the shares add up to ${total}%; at most 100% can leave the main lane`
  })
)

export const DrainValue = Schema.Struct({
  v: Schema.Literal(REGION_VALUE_VERSION),
  drained: Schema.Boolean,
  by: Actor,
  at: EpochMillis,
  reason: Schema.optionalKey(Reason)
})

/** The scope of `limits.default`: the limit of every region without a `limits.<region>` of its own. */
export const DEFAULT_LIMIT_SCOPE = "default"

/** Bounds a limit must keep: burst a whole number of calls, a rate whose token interval is at least 1 µs. */
export const MAX_BURST = 1_000_000
export const MAX_PER_SECOND = 1_000_000

export const RateLimitSchema = Schema.Struct({
  burst: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: MAX_BURST }, { message: `must be a whole number of calls from 1 to ${MAX_BURST}` })),
  perSecond: Schema.Finite.check(
    Schema.isGreaterThan(0, { message: "must be a number of calls per second above 0" }),
    Schema.isLessThanOrEqualTo(MAX_PER_SECOND, { message: `must be at most ${MAX_PER_SECOND} calls per second` })
  )
})

export const LimitsValue = Schema.Struct({
  v: Schema.Literal(REGION_VALUE_VERSION),
  /** null: this key sets no limit (a region then follows `limits.default`; the default: no limit). */
  limit: Schema.NullOr(RateLimitSchema),
  by: Actor,
  at: EpochMillis,
  reason: Schema.optionalKey(Reason)
})

export const LanesValue = Schema.Struct({
  v: Schema.Literal(REGION_VALUE_VERSION),
  shares: laneSharesSchema,
  by: Actor,
  at: EpochMillis,
  reason: Schema.optionalKey(Reason)
})

export type WeightsValue = ReturnType<typeof weightsValueSchema>["Type"]
export type DrainValue = typeof DrainValue.Type
export type LanesValue = typeof LanesValue.Type
export type LimitsValue = typeof LimitsValue.Type
/** Any value of the control plane. */
export type ConfigValue = WeightsValue | DrainValue | LanesValue | LimitsValue
/** Who, when and why: the audit part every value carries. */
export type ChangeMeta = { readonly by: string; readonly at: number; readonly reason?: string }

export type RegionKeyKind = "weights" | "drain" | "lanes" | "limits"

/** A key of the control plane, parsed; `region` of `limits.default` is `DEFAULT_LIMIT_SCOPE`. */
export type RegionKey = { readonly kind: RegionKeyKind; readonly region: string; readonly key: string }

export type RegionValue =
  | { readonly kind: "weights"; readonly region: string; readonly key: string; readonly value: WeightsValue }
  | { readonly kind: "drain"; readonly region: string; readonly key: string; readonly value: DrainValue }
  | { readonly kind: "lanes"; readonly region: string; readonly key: string; readonly value: LanesValue }
  | { readonly kind: "limits"; readonly region: string; readonly key: string; readonly value: LimitsValue }

const KEY = /^(weights|drain|lanes|limits)\.([A-Za-z0-9_-]{1,128})$/

/** `weights.us-west` -> {kind: "weights", region: "us-west"}; anything else (other config keys) -> undefined. */
export const parseRegionKey = (key: string): RegionKey | undefined => {
  const m = KEY.exec(key)
  return m === null ? undefined : { kind: m[1] as RegionKeyKind, region: m[2] ?? "", key }
}

/**
 * What `dispatch regions rollback` and the admin API accept as a key: `weights.<caller>`,
 * `drain.<region>`, or a bare caller region meaning its weights.
 */
export const resolveRegionKey = (input: string, known: ReadonlyArray<string>): Result.Result<RegionKey, RegionValueInvalid> => {
  const parsed = parseRegionKey(input) ?? (KEY.test(`weights.${input}`) ? parseRegionKey(kvKeys.weights(input)) : undefined)
  if (parsed === undefined) {
    return Result.fail(new RegionValueInvalid({ subject: "key", problems: [{ path: "key", message: `"${input}" is not weights.<region>, drain.<region>, lanes.<region>, limits.<region>, limits.default or a region` }] }))
  }
  if (!isKnownScope(parsed, known)) return Result.fail(new RegionValueInvalid({ subject: parsed.key, problems: [{ path: "key", message: unknownRegion(parsed.region, known) }] }))
  return Result.succeed(parsed)
}

/** Checks a region named by a command or URL (a drain target, a caller): a known token. */
export const checkRegion = (region: string, known: ReadonlyArray<string>, field = "region"): Result.Result<string, RegionValueInvalid> => {
  const problems: Array<FieldProblem> = []
  const token = Schema.decodeUnknownResult(Token)(region)
  if (Result.isFailure(token)) problems.push(...fieldProblems(token.failure).map((p) => ({ path: field, message: p.message })))
  else if (!known.includes(region)) problems.push({ path: field, message: unknownRegion(region, known) })
  return problems.length === 0 ? Result.succeed(region) : Result.fail(new RegionValueInvalid({ subject: field, problems }))
}

/** A key's region is known; `limits.default` is the one key naming no region. */
const isKnownScope = (key: RegionKey, known: ReadonlyArray<string>) => known.includes(key.region) || (key.kind === "limits" && key.region === DEFAULT_LIMIT_SCOPE)

const decodeWith = <S extends Schema.Top & { readonly DecodingServices: never }>(schema: S, subject: string, input: unknown) => {
  const decoded = Schema.decodeUnknownResult(schema)(input, { errors: "all" })
  return Result.isSuccess(decoded)
    ? Result.succeed(decoded.success as S["Type"])
    : Result.fail(new RegionValueInvalid({ subject, problems: fieldProblems(decoded.failure) }))
}

/** Decodes a value read from KV (bytes of JSON) for its key; refuses unknown regions in key or value. */
export const decodeRegionValue = (key: RegionKey, known: ReadonlyArray<string>, json: string): Result.Result<RegionValue, RegionValueInvalid> => {
  const region = isKnownScope(key, known) ? Result.succeed(key.region) : checkRegion(key.region, known, "key")
  if (Result.isFailure(region)) return Result.fail(new RegionValueInvalid({ subject: key.key, problems: region.failure.problems }))
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch (e) {
    return Result.fail(new RegionValueInvalid({ subject: key.key, problems: [{ path: "$", message: `not JSON: ${e instanceof Error ? e.message : String(e)}` }] }))
  }
  switch (key.kind) {
    case "weights":
      return Result.map(decodeWith(weightsValueSchema(known), key.key, parsed), (value) => ({ ...key, kind: "weights" as const, value }))
    case "drain":
      return Result.map(decodeWith(DrainValue, key.key, parsed), (value) => ({ ...key, kind: "drain" as const, value }))
    case "lanes":
      return Result.map(decodeWith(LanesValue, key.key, parsed), (value) => ({ ...key, kind: "lanes" as const, value }))
    case "limits":
      return Result.map(decodeWith(LimitsValue, key.key, parsed), (value) => ({ ...key, kind: "limits" as const, value }))
  }
}

/** Builds and checks a weights value before it is written (same rules as when it is read). */
export const makeWeightsValue = (known: ReadonlyArray<string>, caller: string, weights: Readonly<Record<string, number>>, meta: ChangeMeta) =>
  Result.flatMap(checkRegion(caller, known, "caller"), () =>
    decodeWith(weightsValueSchema(known), kvKeys.weights(caller), { v: REGION_VALUE_VERSION, weights, ...meta }))

export const makeDrainValue = (known: ReadonlyArray<string>, region: string, drained: boolean, meta: ChangeMeta) =>
  Result.flatMap(checkRegion(region, known), () => decodeWith(DrainValue, kvKeys.drain(region), { v: REGION_VALUE_VERSION, drained, ...meta }))

export const makeLanesValue = (known: ReadonlyArray<string>, caller: string, shares: Readonly<Record<string, number>>, meta: ChangeMeta) =>
  Result.flatMap(checkRegion(caller, known, "caller"), () => decodeWith(LanesValue, kvKeys.lanes(caller), { v: REGION_VALUE_VERSION, shares, ...meta }))

/** `scope`: a known region, or `DEFAULT_LIMIT_SCOPE`; `limit` null clears it. */
export const makeLimitsValue = (known: ReadonlyArray<string>, scope: string, limit: RateLimitValue | null, meta: ChangeMeta) =>
  Result.flatMap(checkLimitScope(scope, known), () => decodeWith(LimitsValue, kvKeys.limits(scope), { v: REGION_VALUE_VERSION, limit, ...meta }))

export type RateLimitValue = typeof RateLimitSchema.Type

/** A limit's scope as a command or URL names it: a known region or `default`. */
export const checkLimitScope = (scope: string, known: ReadonlyArray<string>): Result.Result<string, RegionValueInvalid> =>
  scope === DEFAULT_LIMIT_SCOPE ? Result.succeed(scope) : checkRegion(scope, known)

/** The bytes written to KV. Field order is fixed by the schema's construction, not by callers. */
export const encodeRegionValue = (value: ConfigValue): string => JSON.stringify(value)
