/**
 * The roads room's errors. A road graph that cannot be used is one error naming the directory
 * and listing its problems, each as `file:line: what is wrong`, so that a broken import is fixed
 * from the message alone.
 */
import { Schema } from "effect"
import { CliError } from "effect/cli"

/** At most this many problems are listed; a broken column would otherwise list every row. */
export const MAX_LISTED_PROBLEMS = 20

/**
 * A road graph directory that cannot be loaded: a file missing or unreadable, a row that does
 * not parse, an arc naming an unknown node, a length or speed out of range, a duplicate id.
 * `problems` are `file:line: problem` (line 1 is the header); `more` counts those left out.
 */
export class RoadGraphError extends Schema.TaggedError<RoadGraphError>()("RoadGraphError", {
  directory: Schema.String,
  problems: Schema.Array(Schema.String),
  more: Schema.Number
}) {
  override get message(): string {
    const more = this.more > 0 ? `\n  … and ${this.more} more` : ""
    return `invalid road graph ${this.directory}:\n  ${this.problems.join("\n  ")}${more}`
  }
  override get [CliError.userMessage](): string {
    return this.message
  }
}
