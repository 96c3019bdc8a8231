/**
 * OSM tags as the importer sees them, and the access vocabulary shared by the way rules
 * (highway-tags.ts) and the direction rules (oneway.ts).
 *
 * Tags are a `Map`, not a plain object: OSM keys are free text, and a key such as
 * `constructor` must not meet `Object.prototype`.
 */

export type OsmTags = ReadonlyMap<string, string>

/** Access values that close a way (or a direction, or a barrier) to cars: GraphHopper 1.0's car `restrictedValues`. */
const RESTRICTED_VALUES: ReadonlySet<string> = new Set([
  "no",
  "private",
  "agricultural",
  "forestry",
  "restricted",
  "delivery",
  "military",
  "emergency"
])

/** Access values that open a way to cars whatever a less specific tag says: GraphHopper's `intendedValues`. */
const INTENDED_VALUES: ReadonlySet<string> = new Set(["yes", "permissive", "designated"])

/** Car access keys, most specific first: the first one present decides (`motor_vehicle=yes` beats `access=no`). */
const CAR_ACCESS_KEYS = ["motorcar", "motor_vehicle", "vehicle", "access"] as const

export const isRestricted = (value: string): boolean => RESTRICTED_VALUES.has(value.trim().toLowerCase())
export const isIntended = (value: string): boolean => INTENDED_VALUES.has(value.trim().toLowerCase())

/** The value of the most specific car access key the element has, if any. */
export const carAccessValue = (tags: OsmTags): string | undefined => {
  for (const key of CAR_ACCESS_KEYS) {
    const value = tags.get(key)
    if (value !== undefined) return value
  }
  return undefined
}
