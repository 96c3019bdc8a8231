/**
 * The commands' errors: flags that cannot be used together or parsed, outputs that cannot be
 * written. Each says which flag or path; the CLI prints the message and exits 1.
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

export class OutputFailed extends Schema.TaggedError<OutputFailed>()("OutputFailed", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.path}: cannot write: ${this.detail}`
  }
}
