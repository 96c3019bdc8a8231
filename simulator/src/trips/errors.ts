/**
 * The trip sources' errors: problems with a trips file as a whole, with a column mapping, or
 * with the options of a source. Each names the file (and line) or the option at fault.
 *
 * A bad ROW is not an error: it is counted by reason in the read summary (see rejections.ts)
 * and the run goes on. These errors are for what makes the whole source unusable.
 */
import { Schema } from "effect"

export class TripFileNotFound extends Schema.TaggedError<TripFileNotFound>()("TripFileNotFound", {
  path: Schema.String
}) {
  override get message(): string {
    return `${this.path}: no such trips file`
  }
}

/** The file exists but cannot be read (permissions, a directory, an I/O error). */
export class TripFileUnreadable extends Schema.TaggedError<TripFileUnreadable>()("TripFileUnreadable", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.path}: cannot read the trips file: ${this.detail}`
  }
}

/** Zero bytes, or a gzip stream that holds zero bytes: not even a header. */
export class TripFileEmpty extends Schema.TaggedError<TripFileEmpty>()("TripFileEmpty", {
  path: Schema.String
}) {
  override get message(): string {
    return `${this.path}: the trips file is empty (a header line is required)`
  }
}

/** The first line names none of the expected columns and holds values: a data row, not a header. */
export class TripFileNoHeader extends Schema.TaggedError<TripFileNoHeader>()("TripFileNoHeader", {
  path: Schema.String,
  firstLine: Schema.String,
  expected: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `${this.path}:1: no header: the first line (${this.firstLine}) names none of the columns ` +
      `${this.expected.join(", ")}; the file must start with a header row (or use --columns to map yours)`
  }
}

/** Some required (or explicitly mapped) columns are not in the header. */
export class TripFileMissingColumns extends Schema.TaggedError<TripFileMissingColumns>()("TripFileMissingColumns", {
  path: Schema.String,
  /** Each as `ours` or `ours (mapped to theirs)`. */
  missing: Schema.Array(Schema.String),
  header: Schema.Array(Schema.String),
  /** Why an optional column is needed here: `calibrate fits ... from them`. */
  purpose: Schema.optional(Schema.String),
  /** What to do about it. */
  hint: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const why = this.purpose === undefined ? "" : ` (${this.purpose})`
    const hint = this.hint === undefined ? "" : `; ${this.hint}`
    return `${this.path}:1: missing column(s) ${this.missing.join(", ")}${why}; the header has ${this.header.join(", ")}${hint}`
  }
}

/** A column the reader needs appears twice in the header, so which one is meant is unclear. */
export class TripFileDuplicateColumn extends Schema.TaggedError<TripFileDuplicateColumn>()("TripFileDuplicateColumn", {
  path: Schema.String,
  column: Schema.String
}) {
  override get message(): string {
    return `${this.path}:1: column "${this.column}" appears more than once in the header`
  }
}

/**
 * The compressed stream is truncated or corrupt. Trips before the damage have already been
 * emitted; `afterLine` is the last line read completely.
 */
export class TripFileCorrupt extends Schema.TaggedError<TripFileCorrupt>()("TripFileCorrupt", {
  path: Schema.String,
  afterLine: Schema.Number,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.path}: corrupt or truncated gzip data after line ${this.afterLine}: ${this.detail}`
  }
}

/** Everything that can end a trips file read early. */
const TRIP_FILE_ERRORS = [
  TripFileNotFound,
  TripFileUnreadable,
  TripFileEmpty,
  TripFileNoHeader,
  TripFileMissingColumns,
  TripFileDuplicateColumn,
  TripFileCorrupt
] as const
export type TripFileError = InstanceType<(typeof TRIP_FILE_ERRORS)[number]>

export const isTripFileError = (u: unknown): u is TripFileError => TRIP_FILE_ERRORS.some((error) => u instanceof error)

/** A `--columns` spec that cannot be used; each problem names the entry at fault. */
export class InvalidColumnMapping extends Schema.TaggedError<InvalidColumnMapping>()("InvalidColumnMapping", {
  spec: Schema.String,
  problems: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `invalid column mapping "${this.spec}":\n  ${this.problems.join("\n  ")}`
  }
}

/** An option of a trip source that is out of its domain (negative tolerance, unknown market...). */
export class InvalidTripOption extends Schema.TaggedError<InvalidTripOption>()("InvalidTripOption", {
  option: Schema.String,
  problem: Schema.String
}) {
  override get message(): string {
    return `invalid trip source option ${this.option}: ${this.problem}`
  }
}

/** Synthetic city parameters that cannot generate a city; each problem names the parameter. */
export class InvalidSyntheticCity extends Schema.TaggedError<InvalidSyntheticCity>()("InvalidSyntheticCity", {
  problems: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `invalid synthetic city:\n  ${this.problems.join("\n  ")}`
  }
}
