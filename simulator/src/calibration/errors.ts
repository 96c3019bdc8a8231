/**
 * The calibration room's errors.
 */
import { Schema } from "effect"

/** Calibration could not produce a usable market config; `problem` says why (the command line names the command). */
export class CalibrationFailed extends Schema.TaggedError<CalibrationFailed>()("CalibrationFailed", {
  problem: Schema.String
}) {
  override get message(): string {
    return this.problem
  }
}
