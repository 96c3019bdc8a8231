import { describe, expect, it } from "vitest"
import { CAR_HIGHWAYS, carWayOf, nodeBlocksCars } from "../../../src/roads/osm/highway-tags.ts"
import { tags } from "./support/osm-fixtures.ts"

const way = (t: Record<string, string>) => carWayOf(tags(t))
const speed = (t: Record<string, string>) => way(t)?.forward?.speedKph

describe("car access", () => {
  it("every class in the table is drivable; footways, paths, cycleways, steps, construction are not", () => {
    for (const highway of CAR_HIGHWAYS.keys()) expect(way({ highway }), highway).toBeDefined()
    for (const highway of ["footway", "path", "cycleway", "steps", "pedestrian", "bridleway", "construction", "proposed", "platform", "busway", "bus_guideway", "raceway", "corridor"]) {
      expect(way({ highway }), highway).toBeUndefined()
    }
    expect(way({ name: "no highway tag" })).toBeUndefined()
  })

  it("access=no|private|... closes a way to cars", () => {
    for (const access of ["no", "private", "agricultural", "forestry", "restricted", "delivery", "military", "emergency"]) {
      expect(way({ highway: "service", access }), access).toBeUndefined()
    }
    for (const access of ["yes", "permissive", "destination", "customers", "designated"]) {
      expect(way({ highway: "service", access }), access).toBeDefined()
    }
  })

  it("the most specific of motorcar > motor_vehicle > vehicle > access decides", () => {
    expect(way({ highway: "residential", access: "no", motor_vehicle: "yes" })).toBeDefined()
    expect(way({ highway: "residential", access: "yes", motor_vehicle: "no" })).toBeUndefined()
    expect(way({ highway: "residential", motor_vehicle: "no", motorcar: "yes" })).toBeDefined()
    expect(way({ highway: "residential", vehicle: "no" })).toBeUndefined()
    expect(way({ highway: "residential", access: "no", bus: "yes" })).toBeUndefined()
  })

  it("service roads: drivable at 20 km/h, whatever the service type, unless access says no", () => {
    for (const service of ["alley", "driveway", "parking_aisle"]) expect(speed({ highway: "service", service }), service).toBe(20)
    expect(way({ highway: "service", service: "driveway", access: "private" })).toBeUndefined()
  })

  it("tracks: grade1-3 only (untagged 15 km/h), fords and impassable ways excluded", () => {
    expect(speed({ highway: "track" })).toBe(15)
    expect(speed({ highway: "track", tracktype: "grade1" })).toBe(20)
    expect(speed({ highway: "track", tracktype: "grade3" })).toBe(10)
    expect(way({ highway: "track", tracktype: "grade4" })).toBeUndefined()
    expect(way({ highway: "residential", ford: "yes" })).toBeUndefined()
    expect(way({ highway: "residential", ford: "yes", motor_vehicle: "yes" })).toBeDefined()
    expect(way({ highway: "residential", impassable: "yes" })).toBeUndefined()
  })

  it("a way closed in both directions (reversible) is not a car way", () => {
    expect(way({ highway: "primary", oneway: "reversible" })).toBeUndefined()
  })
})

describe("speeds", () => {
  it("class defaults (GraphHopper 1.0)", () => {
    const expected: Record<string, number> = {
      motorway: 100, motorway_link: 70, trunk: 70, trunk_link: 65, primary: 65, primary_link: 60, secondary: 60, secondary_link: 50,
      tertiary: 50, tertiary_link: 40, unclassified: 30, residential: 30, living_street: 5, service: 20, road: 20, track: 15
    }
    for (const [highway, kph] of Object.entries(expected)) expect(speed({ highway, oneway: "no" }), highway).toBe(kph)
  })

  it("0.9 x maxspeed, rounded to 5 km/h; the limit itself rounded to 5 km/h", () => {
    // The shipped SF graph: 25 mph -> speed 35, max 40; 35 mph -> 50, 55; 65 mph -> 95, 105.
    expect(way({ highway: "residential", maxspeed: "25 mph" })?.forward).toEqual({ speedKph: 35, maxSpeedKph: 40 })
    expect(way({ highway: "primary", maxspeed: "35 mph" })?.forward).toEqual({ speedKph: 50, maxSpeedKph: 55 })
    expect(way({ highway: "motorway", maxspeed: "65 mph" })?.forward).toEqual({ speedKph: 95, maxSpeedKph: 105 })
    expect(way({ highway: "residential", maxspeed: "50" })?.forward).toEqual({ speedKph: 45, maxSpeedKph: 50 })
    expect(way({ highway: "residential" })?.forward).toEqual({ speedKph: 30, maxSpeedKph: undefined })
  })

  it("maxspeed that says no number falls back to the class default", () => {
    expect(way({ highway: "primary", maxspeed: "signals" })?.forward).toEqual({ speedKph: 65, maxSpeedKph: undefined })
  })

  it("none: 0.9 x 140, capped at 140; walk: 5 km/h", () => {
    expect(way({ highway: "motorway", maxspeed: "none" })?.forward).toEqual({ speedKph: 125, maxSpeedKph: 140 })
    expect(way({ highway: "living_street", maxspeed: "walk" })?.forward).toEqual({ speedKph: 5, maxSpeedKph: 5 })
  })

  it("maxspeed:forward and :backward apply per direction", () => {
    const w = way({ highway: "secondary", maxspeed: "30 mph", "maxspeed:backward": "20 mph" })
    expect(w?.forward).toEqual({ speedKph: 45, maxSpeedKph: 50 })
    expect(w?.backward).toEqual({ speedKph: 30, maxSpeedKph: 30 })
  })

  it("bad surfaces cap the speed at 30 km/h", () => {
    expect(speed({ highway: "primary", surface: "gravel" })).toBe(30)
    expect(speed({ highway: "primary", surface: "asphalt" })).toBe(65)
    expect(speed({ highway: "residential", surface: "unpaved", maxspeed: "15 mph" })).toBe(20)
  })

  it("motorroad=yes makes a non-motorway 90 km/h", () => {
    expect(speed({ highway: "trunk", motorroad: "yes" })).toBe(90)
  })

  it("a tiny limit (a tagging error) keeps the road at 5 km/h", () => {
    expect(way({ highway: "residential", maxspeed: "2" })?.forward).toEqual({ speedKph: 5, maxSpeedKph: undefined })
  })

  it("road class: links carry the parent class; roundabouts are flagged", () => {
    expect(way({ highway: "motorway_link" })?.roadClass).toBe("motorway")
    expect(way({ highway: "tertiary_link" })?.roadClass).toBe("tertiary")
    expect(way({ highway: "residential", junction: "roundabout" })).toMatchObject({ roundabout: true, backward: undefined })
  })
})

describe("nodeBlocksCars", () => {
  it("bollards and other absolute barriers block", () => {
    expect(nodeBlocksCars(tags({ barrier: "bollard" }))).toBe(true)
    expect(nodeBlocksCars(tags({ barrier: "bollard", bicycle: "yes", foot: "yes" }))).toBe(true)
  })

  it("gates block only when tagged closed to cars or locked", () => {
    expect(nodeBlocksCars(tags({ barrier: "gate" }))).toBe(false)
    expect(nodeBlocksCars(tags({ barrier: "gate", access: "no" }))).toBe(true)
    expect(nodeBlocksCars(tags({ barrier: "lift_gate", motor_vehicle: "private" }))).toBe(true)
    expect(nodeBlocksCars(tags({ barrier: "gate", locked: "yes" }))).toBe(true)
    expect(nodeBlocksCars(tags({ barrier: "gate", access: "no", motorcar: "yes" }))).toBe(false)
  })

  it("toll booths, crossings and signals do not block; fords do", () => {
    expect(nodeBlocksCars(tags({ barrier: "toll_booth" }))).toBe(false)
    expect(nodeBlocksCars(tags({ highway: "traffic_signals" }))).toBe(false)
    expect(nodeBlocksCars(tags({ highway: "ford" }))).toBe(true)
  })
})
