import { describe, expect, it } from "vitest"
import { directionsOf } from "../../../src/roads/osm/oneway.ts"
import { tags } from "./support/osm-fixtures.ts"

const both = { forward: true, backward: true }
const forwardOnly = { forward: true, backward: false }
const backwardOnly = { forward: false, backward: true }

describe("directionsOf", () => {
  it("an untagged street is two-way", () => {
    expect(directionsOf(tags({ highway: "residential" }))).toEqual(both)
  })

  it("oneway=yes|true|1 is forward only, -1|reverse backward only", () => {
    for (const v of ["yes", "true", "1", "YES"]) expect(directionsOf(tags({ highway: "primary", oneway: v })), v).toEqual(forwardOnly)
    for (const v of ["-1", "reverse"]) expect(directionsOf(tags({ highway: "primary", oneway: v })), v).toEqual(backwardOnly)
  })

  it("oneway=no|false|0 and unknown values are two-way", () => {
    for (const v of ["no", "false", "0", "maybe"]) expect(directionsOf(tags({ highway: "primary", oneway: v })), v).toEqual(both)
  })

  it("roundabouts are implied oneway (roundabout and circular)", () => {
    expect(directionsOf(tags({ highway: "tertiary", junction: "roundabout" }))).toEqual(forwardOnly)
    expect(directionsOf(tags({ highway: "tertiary", junction: "circular" }))).toEqual(forwardOnly)
    expect(directionsOf(tags({ highway: "tertiary", junction: "roundabout", oneway: "-1" }))).toEqual(backwardOnly)
  })

  it("motorways are implied oneway; motorway links are not", () => {
    expect(directionsOf(tags({ highway: "motorway" }))).toEqual(forwardOnly)
    expect(directionsOf(tags({ highway: "motorway_link" }))).toEqual(both)
    expect(directionsOf(tags({ highway: "motorway_link", oneway: "yes" }))).toEqual(forwardOnly)
  })

  it("an explicit oneway=no overrides the implication", () => {
    expect(directionsOf(tags({ highway: "motorway", oneway: "no" }))).toEqual(both)
    expect(directionsOf(tags({ highway: "residential", junction: "roundabout", oneway: "no" }))).toEqual(both)
  })

  it("reversible and alternating ways are closed both ways", () => {
    expect(directionsOf(tags({ highway: "primary", oneway: "reversible" }))).toEqual({ forward: false, backward: false })
    expect(directionsOf(tags({ highway: "primary", oneway: "alternating" }))).toEqual({ forward: false, backward: false })
  })

  it("direction-specific access closes a direction, most specific key first", () => {
    expect(directionsOf(tags({ highway: "residential", "vehicle:backward": "no" }))).toEqual(forwardOnly)
    expect(directionsOf(tags({ highway: "residential", "motor_vehicle:forward": "no" }))).toEqual(backwardOnly)
    expect(directionsOf(tags({ highway: "residential", "vehicle:backward": "no", "motor_vehicle:backward": "yes" }))).toEqual(both)
    expect(directionsOf(tags({ highway: "residential", "motorcar:backward": "private" }))).toEqual(forwardOnly)
  })

  it("oneway:conditional is ignored", () => {
    expect(directionsOf(tags({ highway: "residential", "oneway:conditional": "yes @ (06:00-20:00)" }))).toEqual(both)
  })
})
