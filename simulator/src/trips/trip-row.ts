/**
 * One CSV row of a trips file -> a `Trip`, or the reason it cannot be one.
 *
 * Numbers are plain decimals (`37.79074`, `-122.4`, `1e-3`; spaces around them ignored):
 * `NaN`, `Infinity`, hex and empty text are `bad_number`, and so is a finite-looking value
 * that overflows to Infinity (`1e999`). Times follow trip-time.ts. The optional columns may be
 * empty in a row, meaning unknown.
 */
import type { Trip } from "./trip.ts"
import type { ColumnIndexes } from "./column-mapping.ts"
import type { RejectionReason } from "./rejections.ts"
import { parseTripTime } from "./trip-time.ts"

export class RowRejection {
  readonly reason: RejectionReason
  readonly detail: string
  constructor(reason: RejectionReason, detail: string) {
    this.reason = reason
    this.detail = detail
  }
}

export type RowDecoder = (fields: ReadonlyArray<string>, line: number) => Trip | RowRejection

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/** Rejection details quote the offending text, cut to this many characters. */
const QUOTED_TEXT_MAX = 40
const quote = (text: string): string => JSON.stringify(text.length > QUOTED_TEXT_MAX ? `${text.slice(0, QUOTED_TEXT_MAX)}…` : text)

const parseDecimal = (text: string): number | undefined => {
  const s = text.trim()
  if (!DECIMAL.test(s)) return undefined
  const value = Number(s)
  return Number.isFinite(value) ? value : undefined
}

const coordinate = (text: string, column: string, limit: number): number | RowRejection => {
  const value = parseDecimal(text)
  if (value === undefined) return new RowRejection("bad_number", `${column} ${quote(text)} is not a finite decimal number`)
  if (value < -limit || value > limit) {
    return new RowRejection("coordinate_out_of_range", `${column} ${text.trim()} is outside [-${limit}, ${limit}]`)
  }
  return value
}

const time = (text: string, column: string): number | RowRejection =>
  parseTripTime(text) ??
    new RowRejection("bad_time", `${column} ${quote(text)} is neither an ISO-8601 time with a zone nor an epoch number`)

/** A decoder for rows of a file whose header has `fieldCount` fields, laid out as `columns`. */
export const makeRowDecoder = (columns: ColumnIndexes, fieldCount: number): RowDecoder => {
  const at = (fields: ReadonlyArray<string>, index: number): string | undefined => {
    const text = index === -1 ? undefined : fields[index]
    return text === undefined || text.trim() === "" ? undefined : text
  }
  return (fields, line) => {
    if (fields.length !== fieldCount) {
      return new RowRejection("wrong_field_count", `${fields.length} fields where the header has ${fieldCount}`)
    }
    const requestTime = time(fields[columns.request_time]!, "request_time")
    if (requestTime instanceof RowRejection) return requestTime
    const pickupLat = coordinate(fields[columns.pickup_lat]!, "pickup_lat", 90)
    if (pickupLat instanceof RowRejection) return pickupLat
    const pickupLng = coordinate(fields[columns.pickup_lng]!, "pickup_lng", 180)
    if (pickupLng instanceof RowRejection) return pickupLng
    const dropoffLat = coordinate(fields[columns.dropoff_lat]!, "dropoff_lat", 90)
    if (dropoffLat instanceof RowRejection) return dropoffLat
    const dropoffLng = coordinate(fields[columns.dropoff_lng]!, "dropoff_lng", 180)
    if (dropoffLng instanceof RowRejection) return dropoffLng

    const dropoffText = at(fields, columns.dropoff_time)
    const dropoffTime = dropoffText === undefined ? undefined : time(dropoffText, "dropoff_time")
    if (dropoffTime instanceof RowRejection) return dropoffTime
    if (dropoffTime !== undefined && dropoffTime < requestTime) {
      return new RowRejection("dropoff_before_request", `dropoff_time ${dropoffText!.trim()} is before request_time ${fields[columns.request_time]!.trim()}`)
    }
    const distanceText = at(fields, columns.trip_distance_km)
    const tripDistanceKm = distanceText === undefined ? undefined : parseDecimal(distanceText)
    if (distanceText !== undefined && tripDistanceKm === undefined) {
      return new RowRejection("bad_number", `trip_distance_km ${quote(distanceText)} is not a finite decimal number`)
    }
    if (tripDistanceKm !== undefined && tripDistanceKm < 0) {
      return new RowRejection("negative_distance", `trip_distance_km ${distanceText!.trim()} is negative`)
    }
    return {
      requestTime,
      pickup: { lat: pickupLat, lng: pickupLng },
      dropoff: { lat: dropoffLat, lng: dropoffLng },
      dropoffTime,
      tripDistanceKm,
      line
    }
  }
}
