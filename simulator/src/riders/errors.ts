/**
 * The riders room's errors: a rider model setting that cannot be used.
 */
import { Schema } from "effect"

/** A `--patience` spec that does not parse or is out of its domain; `problem` says which. */
export class InvalidPatience extends Schema.TaggedError<InvalidPatience>()("InvalidPatience", {
  spec: Schema.String,
  problem: Schema.String
}) {
  override get message(): string {
    return `invalid patience "${this.spec}": ${this.problem} (forms: fixed:S, uniform:MIN,MAX, exponential:MEAN, lognormal:MEDIAN,SIGMA; seconds)`
  }
}
