/**
 * Properties of the region config values: every valid value survives encode -> KV bytes ->
 * decode unchanged; every invalid one is refused with the offending field named; junk never
 * throws. Plus the region list setting and the CLI's `target=weight` parser.
 */
import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { parseRegionList } from "../../src/regions/regions-config.ts"
import { parseWeightArgs } from "../../src/main/regions-command.ts"
import { decodeRegionValue, encodeRegionValue, makeDrainValue, makeLimitsValue, makeWeightsValue, parseRegionKey, resolveRegionKey } from "../../src/regions/region-values.ts"
import { REGIONS } from "./nats-fixture.ts"

const known: Array<string> = [...REGIONS]
const region = fc.constantFrom(...known)
const weight = fc.double({ min: 0, max: 1e9, noNaN: true, noDefaultInfinity: true }).map((w) => (Object.is(w, -0) ? 0 : w))
const meta = fc.record({
  by: fc.stringMatching(/^[A-Za-z0-9_.@-]{1,40}$/),
  at: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  reason: fc.option(fc.string({ maxLength: 200 }), { nil: undefined })
}).map(({ reason, ...m }) => (reason === undefined ? m : { ...m, reason }))

/** A weights map over known targets with at least one weight above 0. */
const validWeights = fc.dictionary(region, weight, { minKeys: 1 }).filter((w) => Object.values(w).some((x) => x > 0))

const mustFail = <A, E extends { readonly problems: ReadonlyArray<{ readonly path: string }> }>(r: Result.Result<A, E>) => {
  if (Result.isSuccess(r)) throw new Error(`accepted: ${JSON.stringify(r.success)}`)
  return r.failure.problems.map((p) => p.path)
}

describe("weights values", () => {
  it("valid values round-trip through the KV bytes unchanged", () => {
    fc.assert(fc.property(region, validWeights, meta, (caller, weights, m) => {
      const made = makeWeightsValue(known, caller, weights, m)
      if (Result.isFailure(made)) throw new Error(made.failure.message)
      const key = parseRegionKey(`weights.${caller}`)!
      const back = decodeRegionValue(key, known, encodeRegionValue(made.success))
      expect(Result.isSuccess(back) && back.success.value).toEqual(made.success)
      expect(made.success).toEqual({ v: 1, weights, ...m })
    }))
  })

  it("a bad weight is refused with its target's path", () => {
    const bad = fc.oneof(fc.double({ max: -Number.MIN_VALUE, noNaN: true }), fc.constant(Number.NaN), fc.constant(Number.POSITIVE_INFINITY), fc.constant(Number.NEGATIVE_INFINITY))
    fc.assert(fc.property(region, validWeights, region, bad, meta, (caller, weights, target, w, m) => {
      expect(mustFail(makeWeightsValue(known, caller, { ...weights, [target]: w }, m))).toContain(`weights.${target}`)
    }))
  })

  it("an unknown or non-token target is refused with its path", () => {
    const stranger = fc.string({ minLength: 1, maxLength: 20 }).filter((t) => !known.includes(t) && t !== "__proto__")
    fc.assert(fc.property(region, validWeights, stranger, weight, meta, (caller, weights, target, w, m) => {
      expect(mustFail(makeWeightsValue(known, caller, { ...weights, [target]: w }, m))).toContain(`weights.${target}`)
    }))
  })

  it("all-zero (or empty) weights are refused at `weights`", () => {
    fc.assert(fc.property(region, fc.dictionary(region, fc.constant(0)), meta, (caller, zeros, m) => {
      expect(mustFail(makeWeightsValue(known, caller, zeros, m))).toEqual(["weights"])
    }))
  })

  it("an unknown or non-token caller is refused at `caller`", () => {
    const stranger = fc.string({ maxLength: 20 }).filter((t) => !known.includes(t))
    fc.assert(fc.property(stranger, validWeights, meta, (caller, weights, m) => {
      expect(mustFail(makeWeightsValue(known, caller, weights, m))).toEqual(["caller"])
    }))
  })

  it("stored values with a wrong field are refused with that field's path", () => {
    const good = { v: 1, weights: { "us-east": 1 }, by: "ana", at: 1 }
    const cases: ReadonlyArray<[unknown, string]> = [
      [{ ...good, v: 2 }, "v"],
      [{ ...good, by: "" }, "by"],
      [{ ...good, by: "two words" }, "by"],
      [{ ...good, at: -5 }, "at"],
      [{ ...good, at: 1.5 }, "at"],
      [{ ...good, reason: "x".repeat(201) }, "reason"],
      [{ ...good, weights: { "us-east": "1" } }, "weights.us-east"],
      [{ ...good, weights: [1] }, "weights"],
      [{ v: 1, weights: { "us-east": 1 }, at: 1 }, "by"]
    ]
    const key = parseRegionKey("weights.us-west")!
    for (const [value, path] of cases) expect(mustFail(decodeRegionValue(key, known, JSON.stringify(value)))).toContain(path)
  })

  it("junk never throws: any string is a value or a refusal with a path", () => {
    const key = parseRegionKey("weights.us-west")!
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v))), (junk) => {
      const r = decodeRegionValue(key, known, junk)
      if (Result.isFailure(r)) expect(r.failure.problems.length).toBeGreaterThan(0)
    }))
  })
})

describe("drain values", () => {
  it("round-trip; an unknown region is refused at `region`, a stored one for it at `key`", () => {
    fc.assert(fc.property(region, fc.boolean(), meta, (r, drained, m) => {
      const made = makeDrainValue(known, r, drained, m)
      if (Result.isFailure(made)) throw new Error(made.failure.message)
      const back = decodeRegionValue(parseRegionKey(`drain.${r}`)!, known, encodeRegionValue(made.success))
      expect(Result.isSuccess(back) && back.success.value).toEqual({ v: 1, drained, ...m })
    }))
    expect(mustFail(makeDrainValue(known, "mars", true, { by: "a", at: 1 }))).toEqual(["region"])
    expect(mustFail(makeDrainValue(known, "a.b", true, { by: "a", at: 1 }))).toEqual(["region"])
    expect(mustFail(decodeRegionValue(parseRegionKey("drain.mars")!, known, JSON.stringify({ v: 1, drained: true, by: "a", at: 1 })))).toEqual(["key"])
  })
})

describe("limits values", () => {
  const limit = fc.record({ burst: fc.integer({ min: 1, max: 1_000_000 }), perSecond: fc.double({ min: 1e-6, max: 1_000_000, noNaN: true }).filter((x) => x > 0) })
  const scope = fc.constantFrom(...known, "default")

  it("round-trip, for a region or the default, with a limit or none", () => {
    fc.assert(fc.property(scope, fc.option(limit, { nil: null }), meta, (sc, l, m) => {
      const made = makeLimitsValue(known, sc, l, m)
      if (Result.isFailure(made)) throw new Error(made.failure.message)
      const back = decodeRegionValue(parseRegionKey(`limits.${sc}`)!, known, encodeRegionValue(made.success))
      expect(Result.isSuccess(back) && back.success.value).toEqual({ v: 1, limit: l, ...m })
    }))
  })

  it("a bad burst or rate is refused with its field; an unknown scope at `region` (stored: `key`)", () => {
    const at = { by: "a", at: 1 }
    const paths = (r: Parameters<typeof mustFail>[0]) => [...new Set(mustFail(r))]
    for (const burst of [0, -1, 1.5, 1_000_001, Number.NaN]) expect(paths(makeLimitsValue(known, "us-west", { burst, perSecond: 1 }, at))).toEqual(["limit.burst"])
    for (const perSecond of [0, -2, Number.POSITIVE_INFINITY, 1_000_001, Number.NaN]) expect(paths(makeLimitsValue(known, "default", { burst: 1, perSecond }, at))).toEqual(["limit.perSecond"])
    expect(mustFail(makeLimitsValue(known, "mars", null, at))).toEqual(["region"])
    expect(mustFail(decodeRegionValue(parseRegionKey("limits.mars")!, known, JSON.stringify({ v: 1, limit: null, ...at })))).toEqual(["key"])
    expect(mustFail(decodeRegionValue(parseRegionKey("limits.us-west")!, known, JSON.stringify({ v: 1, ...at })))).toEqual(["limit"])
  })
})

describe("keys", () => {
  it("resolves weights.<r>, drain.<r>, limits.<r>, limits.default and a bare caller; refuses others", () => {
    expect(Result.getOrThrow(resolveRegionKey("us-west", known))).toMatchObject({ kind: "weights", region: "us-west", key: "weights.us-west" })
    expect(Result.getOrThrow(resolveRegionKey("drain.eu-central", known))).toMatchObject({ kind: "drain", key: "drain.eu-central" })
    expect(Result.getOrThrow(resolveRegionKey("limits.us-east", known))).toMatchObject({ kind: "limits", region: "us-east" })
    expect(Result.getOrThrow(resolveRegionKey("limits.default", known))).toMatchObject({ kind: "limits", region: "default" })
    for (const bad of ["markets.sf", "weights.>", "weights.us-west.x", "", "mars", "drain.*", "weights.default", "drain.default", "limits.mars", "default"]) {
      expect(Result.isFailure(resolveRegionKey(bad, known)), bad).toBe(true)
    }
  })
})

describe("region list setting", () => {
  it("accepts distinct tokens; refuses duplicates, non-tokens and an empty list, naming the entry", () => {
    fc.assert(fc.property(fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), { minLength: 1, maxLength: 6 }), (list) => {
      expect(Result.getOrThrow(parseRegionList(list.join(", ")))).toEqual(list)
    }))
    expect(mustFail(parseRegionList("a,b,a"))).toEqual(["regions[2]"])
    expect(mustFail(parseRegionList("a,b c"))).toEqual(["regions[1]"])
    expect(mustFail(parseRegionList(" , "))).toEqual(["regions"])
    expect(mustFail(parseRegionList("us-west,default"))).toEqual(["regions[1]"])
  })
})

describe("set-weight arguments", () => {
  it("parses target=weight pairs; names the bad one", () => {
    expect(Result.getOrThrow(parseWeightArgs(["us-east=2", "eu-central=0.5"]))).toEqual({ "us-east": 2, "eu-central": 0.5 })
    expect(mustFail(parseWeightArgs(["us-east"]))).toEqual(["weights[0]"])
    expect(mustFail(parseWeightArgs(["us-east=1", "=3"]))).toEqual(["weights[1]"])
    expect(mustFail(parseWeightArgs(["us-east=x"]))).toEqual(["weights.us-east"])
    expect(mustFail(parseWeightArgs(["us-east="]))).toEqual(["weights.us-east"])
    expect(mustFail(parseWeightArgs(["us-east=1", "us-east=2"]))).toEqual(["weights.us-east"])
  })
})
