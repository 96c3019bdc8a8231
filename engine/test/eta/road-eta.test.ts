/**
 * The road model: ETA = free-flow route × the hour's factor; points off the roads fall back to
 * great circle; `minEta` is a true lower bound (on random graphs, with points far off the
 * roads, and on SF near its freeways) and nondecreasing; and `EtaModel.layerFromMarkets` gives
 * each market the model its file asks for.
 */
import { assert, it as effectIt } from "@effect/vitest"
import { Effect, Layer } from "effect"
import fc from "fast-check"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { distanceMeters, type LatLng } from "../../src/domain/geo.ts"
import { type Market, marketFromConfig, type MarketConfig } from "../../src/domain/market.ts"
import { EtaModel } from "../../src/eta/eta-model.ts"
import { GreatCircleEta } from "../../src/eta/great-circle-eta.ts"
import { RoadEta } from "../../src/eta/road-eta.ts"
import { RoadPoint } from "../../src/roads/edge-snap.ts"
import { networkOfGraph } from "../../src/roads/road-network.ts"
import { Router } from "../../src/roads/router.ts"
import { seededRandom } from "#engine/testing"
import { randomBoxPoint, randomGraph, referenceMs, SF_BOX, SF_ROADS, sfNetwork } from "../roads/fixtures.ts"

const FACTORS = [1.98, 2.01, 1.95, 1.9, 1.71, 1.85, 1.76, 2.39, 2.54, 2.39, 2.4, 2.56, 2.53, 2.78, 2.7, 2.71, 2.72, 2.91, 2.56, 2.47, 2.26, 2.25, 2.35, 2.26]

const config = (overrides: Partial<MarketConfig> = {}): MarketConfig => ({
  id: "sf",
  name: "SF",
  timeZone: "America/Los_Angeles",
  homeRegion: "us-west",
  h3Resolution: 8,
  area: { type: "BBox", bbox: [-122.6, 37.2, -121.7, 38.1] },
  roads: { path: SF_ROADS, speedProfile: { factorByHour: FACTORS } },
  ...overrides
})
const sfMarket: Market = marketFromConfig(config())

/** 17:30 and 04:30 PDT. */
const AT_17 = Date.UTC(2008, 4, 31, 0, 30)
const AT_04 = Date.UTC(2008, 4, 31, 11, 30)

const gc = (a: LatLng, b: LatLng) => distanceMeters(a.lat, a.lng, b.lat, b.lng)

describe("RoadEta", () => {
  const model = RoadEta.forMarket(sfMarket, sfNetwork())
  const random = seededRandom(3)
  const somePoint = (): LatLng => ({ lat: SF_BOX.south + random() * (SF_BOX.north - SF_BOX.south), lng: SF_BOX.west + random() * (SF_BOX.east - SF_BOX.west) })

  it("is the free-flow route × the local hour's factor", () => {
    const a = { lat: 37.7749, lng: -122.4194 }, b = { lat: 37.7849, lng: -122.4094 }
    const freeFlow = model.freeFlowSeconds(a, b)
    expect(freeFlow).toBeGreaterThan(gc(a, b) / 27.8) // no faster than 100 km/h
    expect(model.eta(a, b, AT_17)).toBeCloseTo(freeFlow * 2.91, 9)
    expect(model.eta(a, b, AT_04)).toBeCloseTo(freeFlow * 1.71, 9)
  })

  it("falls back to the great-circle model off the roads (the bay, beyond the graph)", () => {
    const fallback = GreatCircleEta.forMarket(sfMarket)
    const bay = { lat: 37.82, lng: -122.38 }, oakland = { lat: 37.8044, lng: -122.2712 }, downtown = { lat: 37.7749, lng: -122.4194 }
    expect(model.onRoads(bay)).toBe(false)
    for (const [from, to] of [[bay, downtown], [downtown, bay], [oakland, downtown]] as const) {
      expect(model.eta(from, to, AT_17)).toBe(fallback.eta(from, to, AT_17))
    }
  })

  it("minEta is a lower bound of the ETA, nondecreasing in distance (SF, 3,000 pairs, near pickups too)", () => {
    for (let i = 0; i < 3_000; i++) {
      const to = somePoint()
      // Half the drivers near the pickup (where the local bound is tightest), half anywhere.
      const from = i % 2 === 0 ? { lat: to.lat + (random() - 0.5) * 0.01, lng: to.lng + (random() - 0.5) * 0.012 } : somePoint()
      const at = i % 3 === 0 ? AT_04 : AT_17
      const d = gc(from, to)
      expect(model.minEta(d, at, to)).toBeLessThanOrEqual(model.eta(from, to, at))
      expect(model.minEta(d, at, to)).toBeLessThanOrEqual(model.minEta(d * 1.1 + 1, at, to))
    }
  })

  it("minEta is a lower bound on random graphs, points up to ~200 m off the roads", () => {
    fc.assert(
      fc.property(randomGraph, randomBoxPoint, fc.array(randomBoxPoint, { minLength: 1, maxLength: 12 }), ({ graph }, to, froms) => {
        const network = networkOfGraph(graph)
        const road = new RoadEta(network, sfModelProfile(), "UTC", 1e9, GreatCircleEta.forMarket(sfMarket))
        for (const from of froms) {
          const d = gc(from, to)
          expect(road.minEta(d, AT_17, to)).toBeLessThanOrEqual(road.eta(from, to, AT_17) + 1e-9)
          expect(road.minEta(d, AT_17, to)).toBeLessThanOrEqual(road.minEta(d + 10, AT_17, to))
        }
      }),
      { numRuns: 150 }
    )
  })

  it("free-flow times through the snap memo equal the reference Dijkstra on random graphs, asked in any order, twice", () => {
    fc.assert(
      fc.property(randomGraph, fc.array(randomBoxPoint, { minLength: 2, maxLength: 10 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 60 }), ({ graph }, points, asks) => {
        const network = networkOfGraph(graph)
        const road = new RoadEta(network, sfModelProfile(), "UTC", 1e9, GreatCircleEta.forMarket(sfMarket))
        const router = new Router(graph, network.labels)
        const snapped = points.map((p) => {
          const r = new RoadPoint()
          network.snap.snap(p.lat, p.lng, 1e9, r)
          return r
        })
        // Targets change and come back; sources repeat: memo hits and a reloaded target alike.
        for (const [a, b] of [...asks, ...asks]) {
          const from = a % points.length, to = b % points.length
          const expected = referenceMs(router, snapped[from]!, snapped[to]!)
          expect(Math.abs(road.freeFlowSeconds(points[from]!, points[to]!) * 1000 - expected)).toBeLessThanOrEqual(1e-6)
        }
      }),
      { numRuns: 100 }
    )
  })

  it("free-flow times stay exact when the snap memo is full and evicts (SF, 140k driver positions)", () => {
    const network = sfNetwork()
    const road = RoadEta.forMarket(sfMarket, network)
    const router = new Router(network.graph, network.labels)
    const pickups = Array.from({ length: 4 }, somePoint).filter((p) => road.onRoads(p))
    const drivers = Array.from({ length: 140_000 }, somePoint)
    const answers = drivers.map((d, i) => road.freeFlowSeconds(d, pickups[i % pickups.length]!))
    const snap = (p: LatLng) => {
      const r = new RoadPoint()
      return network.snap.snap(p.lat, p.lng, sfMarket.roads!.maxSnapMeters, r) ? r : undefined
    }
    // The first positions were evicted by now, the last are remembered: both equal a fresh route.
    for (const i of [...Array.from({ length: 300 }, (_, k) => k), ...Array.from({ length: 300 }, (_, k) => drivers.length - 1 - k)]) {
      const to = pickups[i % pickups.length]!, from = snap(drivers[i]!)
      const again = road.freeFlowSeconds(drivers[i]!, to)
      if (from === undefined) {
        expect(again).toBeNaN()
        continue
      }
      const expected = router.travelMs(from, snap(to)!) / 1000
      expect(Math.abs(again - expected)).toBeLessThanOrEqual(1e-9)
      expect(Math.abs(answers[i]! - expected)).toBeLessThanOrEqual(1e-9)
    }
  })

  it("the local bound is at least the plain one (distance ÷ top speed) and tighter near slow streets", () => {
    const plain = RoadEta.forMarket(sfMarket, sfNetwork(), { plainBound: true })
    let tighter = 0
    for (let i = 0; i < 500; i++) {
      const to = somePoint()
      expect(model.minEta(400, AT_17, to)).toBeGreaterThanOrEqual(plain.minEta(400, AT_17, to) - 1e-9)
      if (model.minEta(400, AT_17, to) > 1.5 * plain.minEta(400, AT_17, to)) tighter++
    }
    expect(tighter).toBeGreaterThan(100)
  })
})

const sfModelProfile = () => RoadEta.forMarket(sfMarket, sfNetwork()).profile

describe("EtaModel.layerFromMarkets", () => {
  effectIt.effect("gives a market with roads the road model and one without the great-circle model, one graph per directory", () =>
    Effect.gen(function*() {
      const { roads: _, ...withoutRoads } = config({ id: "plain" })
      const plain = marketFromConfig(withoutRoads)
      const twin = marketFromConfig(config({ id: "twin" }))
      const service = yield* EtaModel
      const road = service.forMarket(sfMarket), other = service.forMarket(twin)
      assert.instanceOf(road, RoadEta)
      assert.instanceOf(service.forMarket(plain), GreatCircleEta)
      assert.strictEqual(service.forMarket(sfMarket), road)
      assert.strictEqual((road as RoadEta).network, (other as RoadEta).network)
    }).pipe(Effect.provide(EtaModel.layerFromMarkets([sfMarket, marketFromConfig(config({ id: "twin" }))]))))

  it("fails with the file and line of a bad graph", async () => {
    const dir = mkdtempSync(join(tmpdir(), "roads-bad-"))
    writeFileSync(join(dir, "nodes.csv"), "node_id,lat,lng\n0,37.77,-122.42\n0,37.78,-122.42\n")
    writeFileSync(join(dir, "edges.csv"), "from,to,length_m,speed_kph,road_class,max_speed_kph,roundabout\n0,0,-1,30,residential,,0\n")
    writeFileSync(join(dir, "edges_geometry.csv"), "arc_id,pillar_points\n0,\n")
    const bad = marketFromConfig(config({ roads: { path: dir, speedProfile: { factorByHour: FACTORS } } }))
    const error = await Effect.runPromise(Effect.flip(Layer.build(EtaModel.layerFromMarkets([bad])).pipe(Effect.scoped)))
    expect(error._tag).toBe("RoadGraphError")
    expect(error.message).toBe(`invalid road graph ${dir}:\n  nodes.csv:3: duplicate node_id 0 (first on line 2)\n  edges.csv:2: length_m must be a finite number >= 0, got "-1"`)
  })
})
