/**
 * The great-circle ETA model and its cached local hour: the hour agrees with Intl at every
 * instant (DST switches, half- and quarter-hour zones), ETA is distance × road factor ÷ the
 * hour's speed, a market's own parameters win over the defaults, and the `EtaModel` layer
 * hands out one model per market.
 */
import { assert, it as effectIt } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { distanceMeters } from "../../src/domain/geo.ts"
import type { Market } from "../../src/domain/market.ts"
import { EtaModel } from "../../src/eta/eta-model.ts"
import { DEFAULT_ROAD_FACTOR, DEFAULT_SPEED_KMH_BY_HOUR, GreatCircleEta } from "../../src/eta/great-circle-eta.ts"
import { LocalHour } from "../../src/eta/local-hour.ts"

const market = (overrides: Partial<Market> = {}): Market => ({
  id: "sf",
  name: "SF",
  timeZone: "America/Los_Angeles",
  homeRegion: "us-west",
  h3Resolution: 8,
  area: { type: "BBox", bbox: [-122.6, 37.2, -121.7, 38.1] },
  maxPickupRadiusMeters: 5000,
  eta: undefined,
  roads: undefined,
  ...overrides
})

const intlHour = (timeZone: string, at: number): number =>
  Number(new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", hour: "numeric" }).format(at))

const ZONES = ["America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe", "America/St_Johns", "UTC"]

describe("LocalHour", () => {
  it("agrees with Intl at random instants 1990..2040, whatever the order of calls", () => {
    const clocks = new Map(ZONES.map((z) => [z, new LocalHour(z)]))
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) }), (zone, at) => {
        expect(clocks.get(zone)!.hourOf(at)).toBe(intlHour(zone, at))
      }),
      { numRuns: 3000 }
    )
  })

  it("switches exactly at DST transitions, minute by minute around them, mid-quarter-hour ones too", () => {
    const la = new LocalHour("America/Los_Angeles")
    // 2008-03-09 02:00 PST -> 03:00 PDT (10:00Z); 2008-11-02 02:00 PDT -> 01:00 PST (09:00Z).
    for (const switchAt of [Date.UTC(2008, 2, 9, 10), Date.UTC(2008, 10, 2, 9)]) {
      for (let m = -90; m <= 90; m++) {
        const at = switchAt + m * 60_000 - 1
        expect(la.hourOf(at)).toBe(intlHour("America/Los_Angeles", at))
      }
    }
    // St John's switched at 00:01 local until 2011: mid-way through a UTC quarter-hour.
    const stJohns = new LocalHour("America/St_Johns")
    for (const switchAt of [Date.UTC(2008, 2, 9, 3, 31), Date.UTC(2008, 10, 2, 2, 31)]) {
      for (let s = -20 * 60; s <= 20 * 60; s += 30) {
        const at = switchAt + s * 1_000
        expect(stJohns.hourOf(at), new Date(at).toISOString()).toBe(intlHour("America/St_Johns", at))
      }
    }
    expect(stJohns.offsetMsAt(Date.UTC(2008, 2, 9, 3, 31))).toBe(-150 * 60_000)
    expect(la.offsetMsAt(Date.UTC(2008, 5, 1))).toBe(-7 * 3_600_000)
    expect(new LocalHour("Asia/Kathmandu").offsetMsAt(Date.UTC(2020, 0, 1))).toBe((5 * 60 + 45) * 60_000)
  })
})

describe("GreatCircleEta", () => {
  const from = { lat: 37.7749, lng: -122.4194 }, to = { lat: 37.7849, lng: -122.4094 }
  const d = distanceMeters(from.lat, from.lng, to.lat, to.lng)

  it("is distance × road factor ÷ the local hour's speed, with the defaults when the market has none", () => {
    const model = GreatCircleEta.forMarket(market())
    // 2008-05-20 17:30 PDT = 00:30Z next day; 04:30 PDT = 11:30Z.
    const rush = Date.UTC(2008, 4, 21, 0, 30), night = Date.UTC(2008, 4, 20, 11, 30)
    expect(model.eta(from, to, rush)).toBeCloseTo((d * DEFAULT_ROAD_FACTOR) / (DEFAULT_SPEED_KMH_BY_HOUR[17]! / 3.6), 9)
    expect(model.eta(from, to, night)).toBeCloseTo((d * DEFAULT_ROAD_FACTOR) / (DEFAULT_SPEED_KMH_BY_HOUR[4]! / 3.6), 9)
    expect(model.eta(from, to, rush)).toBeGreaterThan(model.eta(from, to, night))
  })

  it("uses the market's own parameters", () => {
    const speedKmhByHour = Array.from({ length: 24 }, (_, h) => 10 + h)
    const model = GreatCircleEta.forMarket(market({ timeZone: "UTC", eta: { roadFactor: 2, speedKmhByHour } }))
    expect(model.eta(from, to, Date.UTC(2020, 0, 1, 5, 59))).toBeCloseTo((d * 2) / (15 / 3.6), 9)
  })

  it("minEta is the ETA itself: monotone in distance, a tight lower bound", () => {
    const model = GreatCircleEta.forMarket(market())
    fc.assert(
      fc.property(fc.double({ min: 0, max: 50_000, noNaN: true }), fc.double({ min: 0, max: 50_000, noNaN: true }), fc.integer({ min: 0, max: 2 ** 41 }), (a, b, at) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a]
        expect(model.minEta(lo, at)).toBeLessThanOrEqual(model.minEta(hi, at))
      })
    )
    expect(model.minEta(d, 0)).toBe(model.eta(from, to, 0))
  })
})

describe("EtaModel", () => {
  effectIt.effect("layerGreatCircle gives each market its own model, built once", () =>
    Effect.gen(function*() {
      const service = yield* EtaModel
      const sf = market(), other = market({ id: "x", timeZone: "UTC" })
      assert.strictEqual(service.forMarket(sf), service.forMarket(sf))
      assert.notStrictEqual(service.forMarket(sf), service.forMarket(other))
      const at = Date.UTC(2008, 4, 21, 0, 30)
      assert.strictEqual(service.forMarket(sf).eta({ lat: 37.77, lng: -122.42 }, { lat: 37.78, lng: -122.41 }, at), GreatCircleEta.forMarket(sf).eta({ lat: 37.77, lng: -122.42 }, { lat: 37.78, lng: -122.41 }, at))
    }).pipe(Effect.provide(EtaModel.layerGreatCircle)))

  effectIt.effect("layer swaps in another model without touching its users", () =>
    Effect.gen(function*() {
      const model = (yield* EtaModel).forMarket(market())
      assert.strictEqual(model.eta({ lat: 0, lng: 0 }, { lat: 1, lng: 1 }, 0), 42)
    }).pipe(Effect.provide(EtaModel.layer(() => ({ eta: () => 42, minEta: () => 0 })))))
})
