/**
 * The scenario's errors: a setting that cannot be used (named by its flag, which is also how
 * the scenario file's field is documented) and a scenario file that cannot be read or decoded
 * (named by file and field). The CLI prints the message and exits 1.
 */
import { Schema } from "effect"

export class InvalidFlag extends Schema.TaggedError<InvalidFlag>()("InvalidFlag", {
  flag: Schema.String,
  problem: Schema.String
}) {
  override get message(): string {
    return `--${this.flag}: ${this.problem}`
  }
}

export class ScenarioFileError extends Schema.TaggedError<ScenarioFileError>()("ScenarioFileError", {
  path: Schema.String,
  problems: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `invalid scenario file ${this.path}:\n  ${this.problems.join("\n  ")}`
  }
}

/** A replay in a worker thread failed after the inputs had been read in this one: a bug or a resource limit, not a setting. */
export class ReplayFailed extends Schema.TaggedError<ReplayFailed>()("ReplayFailed", {
  detail: Schema.String
}) {
  override get message(): string {
    return `replay failed in a worker thread: ${this.detail}`
  }
}
