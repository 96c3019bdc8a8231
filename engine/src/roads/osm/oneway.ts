/**
 * Which ways along an OSM way a car may drive: "forward" is the way's node order.
 *
 * - `oneway=yes|true|1`: forward only; `oneway=-1|reverse`: backward only.
 * - Implied oneway (no `oneway` tag): roundabouts (`junction=roundabout|circular`) and
 *   `highway=motorway` drive forward only (the OSM wiki; GraphHopper implies it for
 *   roundabouts, OSRM for both). An explicit `oneway=no` overrides the implication, as in OSRM.
 *   `motorway_link` implies nothing: links tagged two-way by omission exist, and OSRM agrees.
 * - `oneway=reversible|alternating` (the direction changes with the time of day): neither
 *   direction, i.e. the way is left out, as OSRM does; routing a car onto it either way could be wrong.
 * - Direction-specific access (`motorcar:forward`, `motor_vehicle:forward`, `vehicle:forward`, and
 *   `:backward`), most specific first, closes a direction when it says no (GraphHopper reads the
 *   `vehicle` and `motor_vehicle` ones).
 * - `oneway:conditional` and other time-dependent rules are ignored (GraphHopper ignores them too).
 */
import { isRestricted, type OsmTags } from "./osm-tags.ts"

export interface Directions {
  readonly forward: boolean
  readonly backward: boolean
}

const FORWARD_VALUES = new Set(["yes", "true", "1"])
const BACKWARD_VALUES = new Set(["-1", "reverse"])
const TWO_WAY_VALUES = new Set(["no", "false", "0"])
const CLOSED_VALUES = new Set(["reversible", "alternating"])
const ROUNDABOUT_JUNCTIONS = new Set(["roundabout", "circular"])
/** Most specific first: the first of these a way has decides a direction. */
const DIRECTIONAL_ACCESS_KEYS = ["motorcar", "motor_vehicle", "vehicle"] as const

export const isRoundabout = (tags: OsmTags): boolean => ROUNDABOUT_JUNCTIONS.has(tags.get("junction") ?? "")

/** True when the way is oneway without saying so (roundabouts, motorways). */
const impliesOneway = (tags: OsmTags): boolean => isRoundabout(tags) || tags.get("highway") === "motorway"

const directionOpen = (tags: OsmTags, suffix: ":forward" | ":backward"): boolean => {
  for (const key of DIRECTIONAL_ACCESS_KEYS) {
    const value = tags.get(key + suffix)
    if (value !== undefined) return !isRestricted(value)
  }
  return true
}

/** The directions a car may drive along the way, before whole-way access (highway-tags.ts). */
export const directionsOf = (tags: OsmTags): Directions => {
  const oneway = tags.get("oneway")?.trim().toLowerCase()
  let forward = true, backward = true
  if (oneway !== undefined && FORWARD_VALUES.has(oneway)) backward = false
  else if (oneway !== undefined && BACKWARD_VALUES.has(oneway)) forward = false
  else if (oneway !== undefined && CLOSED_VALUES.has(oneway)) forward = backward = false
  else if (!(oneway !== undefined && TWO_WAY_VALUES.has(oneway)) && impliesOneway(tags)) backward = false
  return {
    forward: forward && directionOpen(tags, ":forward"),
    backward: backward && directionOpen(tags, ":backward")
  }
}
