/**
 * OSM `maxspeed` values to km/h, the way GraphHopper 1.0 reads them (`AbstractFlagEncoder.parseSpeed`),
 * so that an imported graph's speeds compare with the shipped SF graph (docs/roads.md, "Importing OSM").
 *
 * Accepted: a bare number (km/h: `50`, `7.5`), with a unit (`25 mph`, `25mph`, `60 km/h`, `60 kph`,
 * `10 knots`), `none` (no limit: GraphHopper's unlimited-sign speed), `walk`, and the zone forms
 * `XX:urban`, `XX:rural`, `XX:trunk`, `XX:living_street`. Anything else (`signals` and `variable`,
 * whose limit changes with the signs, lists like `50;30`, typos) is unknown: the caller then falls
 * back to the road class's default speed, as GraphHopper does.
 */

export const KM_PER_MILE = 1.609344
const KM_PER_NAUTICAL_MILE = 1.852
/** `maxspeed=none` (German Autobahn), km/h: GraphHopper 1.0's `MaxSpeed.UNLIMITED_SIGN_SPEED`. */
export const UNLIMITED_SIGN_KPH = 140
/** `maxspeed=walk` and living streets, km/h (GraphHopper). */
export const WALK_KPH = 6
/** `XX:urban` zones, km/h (GraphHopper). */
const URBAN_ZONE_KPH = 50
/** `XX:rural` and `XX:trunk` zones, km/h (GraphHopper). */
const RURAL_ZONE_KPH = 80

const NUMBER_WITH_UNIT = /^(\d+(?:\.\d+)?)\s*(mph|km\/h|kmh|kph|knots)?$/

/**
 * The limit `value` states, in km/h; `undefined` when the tag is absent or says no number
 * (`signals`, `variable`, garbage). Never zero or negative.
 */
export const parseMaxSpeedKph = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const text = value.trim().toLowerCase()
  if (text === "") return undefined
  if (text === "none") return UNLIMITED_SIGN_KPH
  if (text === "walk" || text.endsWith(":living_street")) return WALK_KPH
  if (text.endsWith(":urban")) return URBAN_ZONE_KPH
  if (text.endsWith(":rural") || text.endsWith(":trunk")) return RURAL_ZONE_KPH
  const match = NUMBER_WITH_UNIT.exec(text)
  if (match === null) return undefined
  const n = Number(match[1])
  const kph = match[2] === "mph" ? n * KM_PER_MILE : match[2] === "knots" ? n * KM_PER_NAUTICAL_MILE : n
  return kph > 0 && Number.isFinite(kph) ? kph : undefined
}
