/**
 * The fleet room's errors: a drivers file or fleet setting that cannot be used, each naming
 * the file and line (or the setting) at fault.
 */
import { Schema } from "effect"

export class DriversFileError extends Schema.TaggedError<DriversFileError>()("DriversFileError", {
  path: Schema.String,
  /** 1-based; 0 when the problem is the file as a whole. */
  line: Schema.Number,
  problem: Schema.String
}) {
  override get message(): string {
    return `${this.path}${this.line > 0 ? `:${this.line}` : ""}: ${this.problem}`
  }
}

/**
 * Nothing to place drivers from: the run has no trips and no drivers file was given. `read`:
 * why the file gave none, from its read summary (`all 120 rows lie outside market sf`), with
 * what to do about it.
 */
export class NoDemandToPlaceDrivers extends Schema.TaggedError<NoDemandToPlaceDrivers>()("NoDemandToPlaceDrivers", {
  source: Schema.String,
  read: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return this.read === undefined
      ? `${this.source}: no trips in the run, so there is no demand to place drivers from (check --from/--to, or give --drivers-file)`
      : `${this.source}: no trips in the run: ${this.read}`
  }
}
