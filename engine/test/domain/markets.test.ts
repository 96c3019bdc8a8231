import { Effect, Result } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { MarketCatalog } from "../../src/domain/market-catalog.ts"
import { loadMarketCatalog, marketFilesFromEnv, parseMarket, SHIPPED_MARKET_FILES } from "../../src/domain/market-files.ts"
import type { Market } from "../../src/domain/market.ts"

const dir = mkdtempSync(join(tmpdir(), "dispatch-markets-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const writeMarket = (name: string, market: object) => {
  const path = join(dir, name)
  writeFileSync(path, JSON.stringify(market))
  return path
}

const base = {
  id: "oak", name: "Oakland", timeZone: "America/Los_Angeles", homeRegion: "us-west", h3Resolution: 8,
  area: { type: "Polygon", coordinates: [[[-122.35, 37.75], [-122.15, 37.75], [-122.15, 37.85], [-122.35, 37.85], [-122.35, 37.75]]] }
}

const problemsOf = (market: object): ReadonlyArray<string> => {
  const result = parseMarket(JSON.stringify(market), "test.json")
  return Result.isFailure(result) ? result.failure.problems : []
}

const loadShipped = () => Effect.runPromise(loadMarketCatalog(SHIPPED_MARKET_FILES))

describe("the shipped San Francisco market", () => {
  it("resolves points inside and outside", async () => {
    const catalog = await loadShipped()
    expect(catalog.marketOf(37.7749, -122.4194)?.id).toBe("sf") // City Hall
    expect(catalog.marketOf(37.6213, -122.379)?.id).toBe("sf") // SFO
    expect(catalog.marketOf(40.7128, -74.006)).toBeUndefined() // New York
    expect(catalog.marketOf(37.19, -122.0)).toBeUndefined() // just south of the box
    expect(catalog.marketOf(Number.NaN, 0)).toBeUndefined()
  })

  it("includes its edges and corners exactly, and nothing a hair outside", async () => {
    const catalog = await loadShipped()
    const [w, s, e, n] = [-122.6, 37.2, -121.7, 38.1]
    for (const [lat, lng] of [[s, w], [s, e], [n, w], [n, e], [s, -122.1], [n, -122.1], [37.6, w], [37.6, e]] as const) {
      expect(catalog.marketOf(lat, lng)?.id, `${lat},${lng}`).toBe("sf")
    }
    const eps = 1e-9
    for (const [lat, lng] of [[s - eps, -122.1], [n + eps, -122.1], [37.6, w - eps], [37.6, e + eps]] as const) {
      expect(catalog.marketOf(lat, lng), `${lat},${lng}`).toBeUndefined()
    }
  })

  it("agrees with the exact area test for random points in and around the box", async () => {
    const catalog = await loadShipped()
    fc.assert(
      fc.property(fc.double({ min: 37.1, max: 38.2, noNaN: true }), fc.double({ min: -122.7, max: -121.6, noNaN: true }), (lat, lng) => {
        const inside = lat >= 37.2 && lat <= 38.1 && lng >= -122.6 && lng <= -121.7
        expect(catalog.marketOf(lat, lng)?.id).toBe(inside ? "sf" : undefined)
      }),
      { numRuns: 20_000 }
    )
  })
})

describe("a polygon market loaded from a file", () => {
  it("serves next to the shipped market, with holes honoured", async () => {
    const hole = [[-122.26, 37.79], [-122.24, 37.79], [-122.24, 37.81], [-122.26, 37.81], [-122.26, 37.79]]
    const sfSmall = { ...base, id: "sfc", name: "SF city", area: { type: "BBox", bbox: [-122.52, 37.7, -122.36, 37.74] } }
    const oak = writeMarket("oak.json", { ...base, area: { type: "Polygon", coordinates: [base.area.coordinates[0], hole] } })
    const catalog = await Effect.runPromise(loadMarketCatalog([writeMarket("sfc.json", sfSmall), oak]))
    expect(catalog.marketOf(37.8, -122.3)?.id).toBe("oak")
    expect(catalog.marketOf(37.8, -122.25)).toBeUndefined() // in the hole
    expect(catalog.marketOf(37.72, -122.45)?.id).toBe("sfc")
    expect(catalog.marketOf(37.9, -122.3)).toBeUndefined()
    expect(catalog.marketOf(37.75, -122.25)?.id).toBe("oak") // on the southern edge
  })

  it("is found through DISPATCH_MARKETS", () => {
    expect(marketFilesFromEnv({ DISPATCH_MARKETS: " a.json, b.json ," })).toEqual(["a.json", "b.json"])
    expect(marketFilesFromEnv({})).toEqual(SHIPPED_MARKET_FILES)
  })
})

describe("a bad market file", () => {
  it.each([
    ["an unknown key", { ...base, surge: true }, /^surge: .*excess/],
    ["a resolution out of range", { ...base, h3Resolution: 13 }, /^h3Resolution: .*between 6 and 10/],
    ["an unknown time zone", { ...base, timeZone: "Moon/Tranquility" }, /^timeZone: must be an IANA time zone/],
    ["a subject token in its id", { ...base, id: "sf.north" }, /^id: may contain only/],
    ["a reserved id", { ...base, id: "dlq" }, /^id: "dlq" is reserved/],
    ["a self-intersecting polygon", { ...base, area: { type: "Polygon", coordinates: [[[0, 0], [2, 0], [2, 2], [1, -1], [0, 2], [0, 0]]] } }, /^area.coordinates\[0\]: the ring intersects itself/],
    ["a ring folding back on itself", { ...base, area: { type: "Polygon", coordinates: [[[0, 0], [2, 0], [1, 0], [1, 1], [0, 0]]] } }, /^area.coordinates\[0\]: the ring intersects itself/],
    ["an empty polygon", { ...base, area: { type: "Polygon", coordinates: [] } }, /^area.coordinates: needs at least an outer ring/],
    ["a degenerate ring", { ...base, area: { type: "Polygon", coordinates: [[[0, 0], [1, 1], [2, 2], [0, 0]]] } }, /^area.coordinates\[0\]: the ring encloses no area/],
    ["an open ring", { ...base, area: { type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] } }, /^area.coordinates\[0\]: the ring is not closed/],
    ["an inverted bbox", { ...base, area: { type: "BBox", bbox: [-122, 38, -123, 37] } }, /^area.bbox: south .* must be below north/],
    ["a coordinate out of range", { ...base, area: { type: "BBox", bbox: [-122, 37, -121, 95] } }, /^area.bbox\[3\]: .*between -90 and 90/]
  ])("is refused for %s, naming the field", (_name, market, expected) => {
    const problems = problemsOf(market)
    expect(problems.some((p) => expected.test(p)), problems.join("\n")).toBe(true)
  })

  it("is refused when it is not JSON, naming the file", () => {
    const result = parseMarket("{ id: sf", "/etc/markets/sf.json")
    expect(Result.isFailure(result) && result.failure.message).toMatch(/^invalid market file \/etc\/markets\/sf.json:\n  not valid JSON/)
  })

  it("is refused when two markets overlap or share an id", async () => {
    const a = writeMarket("a.json", base)
    const b = writeMarket("b.json", { ...base, id: "oak2" })
    const overlap = await Effect.runPromise(Effect.flip(loadMarketCatalog([a, b])))
    expect(overlap.problems[0]).toMatch(/markets "oak" and "oak2" overlap/)
    const twice = await Effect.runPromise(Effect.flip(loadMarketCatalog([a, a])))
    expect(twice.problems[0]).toMatch(/market id "oak" is defined twice/)
  })

  it("is refused when it does not exist", async () => {
    const error = await Effect.runPromise(Effect.flip(loadMarketCatalog([join(dir, "missing.json")])))
    expect(error.message).toMatch(/missing.json:\n  cannot read: ENOENT/)
  })
})

describe("MarketCatalog.make", () => {
  it("returns a message rather than throwing for duplicate ids", () => {
    const market = parseMarket(JSON.stringify(base), "x")
    const m = Result.getOrThrow(market) as Market
    expect(MarketCatalog.make([m, m])).toMatch(/defined twice/)
  })
})
