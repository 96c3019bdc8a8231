/**
 * The columns of a trips file, the `--columns` mapping that lets other layouts be read, and
 * finding the columns in a file's header.
 *
 * Our column names are those of the shared trip data (`request_time,pickup_lat,...`). A file
 * with other names is read through a mapping `ours=theirs,...`, e.g.
 * `request_time=tpep_pickup_datetime,pickup_lat=lat0`; unmapped columns keep our name. Extra
 * columns in the file are ignored; header names match exactly after trimming spaces.
 */
import { Result } from "effect"
import { InvalidColumnMapping, TripFileDuplicateColumn, TripFileMissingColumns, TripFileNoHeader } from "./errors.ts"

export const TRIP_COLUMNS = [
  "request_time",
  "pickup_lat",
  "pickup_lng",
  "dropoff_lat",
  "dropoff_lng",
  "dropoff_time",
  "trip_distance_km"
] as const
export type TripColumn = (typeof TRIP_COLUMNS)[number]

const OPTIONAL_COLUMNS: ReadonlySet<TripColumn> = new Set(["dropoff_time", "trip_distance_km"])

/** Our column -> the file's column name. */
export type ColumnMapping = Readonly<Partial<Record<TripColumn, string>>>

/** Position of each column in a row; -1 for an optional column the file does not have. */
export type ColumnIndexes = Readonly<Record<TripColumn, number>>

const isTripColumn = (name: string): name is TripColumn => (TRIP_COLUMNS as ReadonlyArray<string>).includes(name)

/**
 * Parses `ours=theirs,ours=theirs`. Every problem is reported at once: an unknown column of
 * ours, one of ours mapped twice, one of theirs used for two of ours, an entry without `=`.
 */
export const parseColumnMapping = (spec: string): Result.Result<ColumnMapping, InvalidColumnMapping> => {
  const mapping: Partial<Record<TripColumn, string>> = {}
  const usedBy = new Map<string, TripColumn>()
  const problems: Array<string> = []
  for (const entry of spec.split(",").map((e) => e.trim())) {
    const eq = entry.indexOf("=")
    const ours = entry.slice(0, eq).trim()
    const theirs = entry.slice(eq + 1).trim()
    if (eq === -1 || ours === "" || theirs === "") {
      problems.push(`"${entry}" is not of the form ours=theirs`)
    } else if (!isTripColumn(ours)) {
      problems.push(`unknown column "${ours}"; the columns are ${TRIP_COLUMNS.join(", ")}`)
    } else if (mapping[ours] !== undefined) {
      problems.push(`"${ours}" is mapped more than once`)
    } else if (usedBy.has(theirs)) {
      problems.push(`"${theirs}" is mapped to both ${usedBy.get(theirs)} and ${ours}`)
    } else {
      mapping[ours] = theirs
      usedBy.set(theirs, ours)
    }
  }
  return problems.length === 0 ? Result.succeed(mapping) : Result.fail(new InvalidColumnMapping({ spec, problems }))
}

/** The names the file is expected to use for our columns, in our column order. */
export const fileColumnNames = (mapping: ColumnMapping): ReadonlyArray<string> => TRIP_COLUMNS.map((ours) => mapping[ours] ?? ours)

/** A field starting like a number or a date: column names do not, data rows do. */
const LOOKS_LIKE_DATA = /^[+-]?\.?\d/

/** A header quoted in an error is cut to this many characters: a data line can be long. */
const QUOTED_HEADER_MAX = 200

/**
 * Optional columns a command cannot do without (calibrate: the durations and distances it
 * fits), and what for: the missing-column error says so and how to map them.
 */
export interface RequiredColumns {
  readonly columns: ReadonlyArray<TripColumn>
  /** `calibrate fits speeds and the road factor from them`. */
  readonly purpose: string
  /** Where the columns are documented: `docs/simulator.md, "dispatch calibrate"`. */
  readonly docs: string
}

/** Finds each column of ours in the header, through the mapping; `required`: optional columns that must be there. */
export const resolveColumns = (
  path: string,
  header: ReadonlyArray<string>,
  mapping: ColumnMapping,
  required?: RequiredColumns
): Result.Result<ColumnIndexes, TripFileNoHeader | TripFileMissingColumns | TripFileDuplicateColumn> => {
  const names = header.map((h) => h.trim())
  const indexes = {} as Record<TripColumn, number>
  const missing: Array<string> = []
  for (const ours of TRIP_COLUMNS) {
    const theirs = mapping[ours] ?? ours
    const index = names.indexOf(theirs)
    if (index !== -1 && names.indexOf(theirs, index + 1) !== -1) {
      return Result.fail(new TripFileDuplicateColumn({ path, column: theirs }))
    }
    indexes[ours] = index
    if (index === -1 && (!OPTIONAL_COLUMNS.has(ours) || mapping[ours] !== undefined || required?.columns.includes(ours) === true)) {
      missing.push(theirs === ours ? ours : `${ours} (mapped to ${theirs})`)
    }
  }
  if (TRIP_COLUMNS.every((ours) => indexes[ours] === -1) && names.some((name) => LOOKS_LIKE_DATA.test(name))) {
    const firstLine = names.join(",").slice(0, QUOTED_HEADER_MAX)
    return Result.fail(new TripFileNoHeader({ path, firstLine, expected: fileColumnNames(mapping) }))
  }
  if (missing.length === 0) return Result.succeed(indexes)
  const missingRequired = required?.columns.find((c) => indexes[c] === -1 && mapping[c] === undefined)
  const neededBy = required === undefined || missingRequired === undefined ? {} : {
    purpose: required.purpose,
    hint: `map yours with --columns, e.g. --columns ${missingRequired}=<your column> (${required.docs})`
  }
  return Result.fail(new TripFileMissingColumns({ path, missing, header: names, ...neededBy }))
}
