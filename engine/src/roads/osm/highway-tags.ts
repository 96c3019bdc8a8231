/**
 * Which OSM ways and nodes a car may use, its road class, and its speed in each direction:
 * GraphHopper 1.0's `CarFlagEncoder` rules (the shipped SF graph was built with them), with the
 * few deliberate differences listed in docs/roads.md, "Importing OSM".
 *
 * A way is for cars when its `highway` value is in `CAR_HIGHWAYS`, it is not impassable or a
 * ford, and the most specific car access tag (`motorcar` > `motor_vehicle` > `vehicle` >
 * `access`) is not a restricted value (`no`, `private`, ...). Its speed in a direction is
 * 0.9 × the direction's `maxspeed` when tagged, else the class default; at most 30 km/h on a bad
 * surface, at most 140 km/h, rounded to 5 km/h (GraphHopper stores speeds in 5 km/h steps).
 */
import { parseMaxSpeedKph } from "./maxspeed.ts"
import { directionsOf, isRoundabout } from "./oneway.ts"
import { carAccessValue, isIntended, isRestricted, type OsmTags } from "./osm-tags.ts"

/** GraphHopper `RoadClass` names that car ways can have (`*_link` ramps carry the parent class). */
export type RoadClass =
  | "motorway"
  | "trunk"
  | "primary"
  | "secondary"
  | "tertiary"
  | "unclassified"
  | "residential"
  | "living_street"
  | "service"
  | "road"
  | "track"

interface HighwayRule {
  readonly roadClass: RoadClass
  /** Free-flow speed when the way has no usable `maxspeed`, km/h (GraphHopper 1.0 `defaultSpeedMap`). */
  readonly defaultKph: number
}

/** The car road table (docs/roads.md): every `highway` value not listed here is not for cars. */
export const CAR_HIGHWAYS: ReadonlyMap<string, HighwayRule> = new Map<string, HighwayRule>([
  ["motorway", { roadClass: "motorway", defaultKph: 100 }],
  ["motorway_link", { roadClass: "motorway", defaultKph: 70 }],
  ["trunk", { roadClass: "trunk", defaultKph: 70 }],
  ["trunk_link", { roadClass: "trunk", defaultKph: 65 }],
  ["primary", { roadClass: "primary", defaultKph: 65 }],
  ["primary_link", { roadClass: "primary", defaultKph: 60 }],
  ["secondary", { roadClass: "secondary", defaultKph: 60 }],
  ["secondary_link", { roadClass: "secondary", defaultKph: 50 }],
  ["tertiary", { roadClass: "tertiary", defaultKph: 50 }],
  ["tertiary_link", { roadClass: "tertiary", defaultKph: 40 }],
  ["unclassified", { roadClass: "unclassified", defaultKph: 30 }],
  ["residential", { roadClass: "residential", defaultKph: 30 }],
  ["living_street", { roadClass: "living_street", defaultKph: 5 }],
  ["service", { roadClass: "service", defaultKph: 20 }],
  ["road", { roadClass: "road", defaultKph: 20 }],
  ["track", { roadClass: "track", defaultKph: 15 }]
])

/** `motorroad=yes` on a non-motorway (an expressway), km/h. */
const MOTORROAD_KPH = 90
/** Tracks by `tracktype`, km/h; a track of another grade (grade4, grade5) is not for cars. Untagged: the table's 15. */
const TRACK_GRADE_KPH: ReadonlyMap<string, number> = new Map([["grade1", 20], ["grade2", 15], ["grade3", 10]])
const BAD_SURFACES: ReadonlySet<string> = new Set([
  "cobblestone",
  "grass_paver",
  "gravel",
  "sand",
  "paving_stones",
  "dirt",
  "ground",
  "grass",
  "unpaved",
  "compacted"
])
/** Speed cap on a bad surface, km/h. */
const BAD_SURFACE_KPH = 30
/** No car way is faster than this, km/h (GraphHopper car `maxPossibleSpeed`). */
const MAX_CAR_KPH = 140
/** Share of the posted limit a car averages (GraphHopper: "90% of the allowed maximum"). */
const MAXSPEED_SHARE = 0.9
/** Speeds and limits are stored in steps of this, km/h (GraphHopper's 5-bit, factor-5 encoding). */
const SPEED_STEP_KPH = 5

/** Barriers a car never passes (GraphHopper car `absoluteBarriers`). */
const ABSOLUTE_BARRIERS: ReadonlySet<string> = new Set([
  "bollard",
  "stile",
  "turnstile",
  "cycle_barrier",
  "motorcycle_barrier",
  "block",
  "bus_trap",
  "sump_buster"
])
/**
 * Gates: open unless tagged closed to cars (`access=no`, `motor_vehicle=private`, `locked=yes`), as
 * in OSRM and GraphHopper with `block_barriers=false`. GraphHopper 1.0's default closed every
 * untagged gate, which cut off the Presidio's always-open historic gates (docs/roads.md).
 */
const POTENTIAL_BARRIERS: ReadonlySet<string> = new Set(["gate", "lift_gate", "kissing_gate", "swing_gate"])

export interface DirectionSpeed {
  /** Average free-flow speed, km/h, a multiple of 5. */
  readonly speedKph: number
  /** The posted limit for this direction, km/h rounded to 5; undefined when untagged. */
  readonly maxSpeedKph: number | undefined
}

/** A way as cars see it; a closed direction is `undefined` (at least one is open). */
export interface CarWay {
  readonly roadClass: RoadClass
  readonly roundabout: boolean
  readonly forward: DirectionSpeed | undefined
  readonly backward: DirectionSpeed | undefined
}

const roundToStep = (kph: number): number => Math.round(kph / SPEED_STEP_KPH) * SPEED_STEP_KPH

const classSpeedKph = (highway: string, rule: HighwayRule, tags: OsmTags): number => {
  if (highway === "track") return TRACK_GRADE_KPH.get(tags.get("tracktype") ?? "") ?? rule.defaultKph
  if (tags.get("motorroad") === "yes" && rule.roadClass !== "motorway") return MOTORROAD_KPH
  return rule.defaultKph
}

const isCarHighway = (highway: string, tags: OsmTags): boolean => {
  if (!CAR_HIGHWAYS.has(highway)) return false
  const trackType = tags.get("tracktype")
  if (highway === "track" && trackType !== undefined && !TRACK_GRADE_KPH.has(trackType)) return false
  if (tags.get("impassable") === "yes" || tags.get("status") === "impassable") return false
  const access = carAccessValue(tags)
  if (access !== undefined && isRestricted(access)) return false
  // Fords stop cars unless access says they are meant to cross (GraphHopper `block_fords`).
  if ((tags.has("ford") && tags.get("ford") !== "no") && !(access !== undefined && isIntended(access))) return false
  return true
}

const directionSpeed = (baseKph: number, limitKph: number | undefined, badSurface: boolean): DirectionSpeed => {
  let kph = limitKph === undefined ? baseKph : limitKph * MAXSPEED_SHARE
  if (badSurface) kph = Math.min(kph, BAD_SURFACE_KPH)
  // A limit below 2.5 km/h is a tagging error; GraphHopper would close the road, we keep it at walking pace.
  const speedKph = Math.max(SPEED_STEP_KPH, roundToStep(Math.min(kph, MAX_CAR_KPH)))
  const maxSpeedKph = limitKph === undefined ? undefined : roundToStep(Math.min(limitKph, MAX_CAR_KPH))
  return { speedKph, maxSpeedKph: maxSpeedKph === 0 ? undefined : maxSpeedKph }
}

/** The way's car attributes, or `undefined` when cars may not use it in either direction. */
export const carWayOf = (tags: OsmTags): CarWay | undefined => {
  const highway = tags.get("highway")
  if (highway === undefined || !isCarHighway(highway, tags)) return undefined
  const rule = CAR_HIGHWAYS.get(highway)!
  const { forward, backward } = directionsOf(tags)
  if (!forward && !backward) return undefined
  const base = classSpeedKph(highway, rule, tags)
  const badSurface = BAD_SURFACES.has(tags.get("surface") ?? "")
  const limit = parseMaxSpeedKph(tags.get("maxspeed"))
  return {
    roadClass: rule.roadClass,
    roundabout: isRoundabout(tags),
    forward: forward ? directionSpeed(base, parseMaxSpeedKph(tags.get("maxspeed:forward")) ?? limit, badSurface) : undefined,
    backward: backward ? directionSpeed(base, parseMaxSpeedKph(tags.get("maxspeed:backward")) ?? limit, badSurface) : undefined
  }
}

/** True when a node stops cars (a bollard; a gate tagged closed to cars; a ford). */
export const nodeBlocksCars = (tags: OsmTags): boolean => {
  const barrier = tags.get("barrier")
  if (barrier !== undefined && ABSOLUTE_BARRIERS.has(barrier)) return true
  const access = carAccessValue(tags)
  if (barrier !== undefined && POTENTIAL_BARRIERS.has(barrier)) {
    return tags.get("locked") === "yes" || (access !== undefined && isRestricted(access))
  }
  if (tags.get("highway") === "ford" || tags.get("ford") === "yes") return !(access !== undefined && isIntended(access))
  return false
}
