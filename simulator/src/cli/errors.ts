/**
 * The commands' own errors: outputs that cannot be written, each naming the path; the CLI
 * prints the message and exits 1. Settings that cannot be used are the scenario's
 * (scenario/errors.ts).
 */
import { Schema } from "effect"

export class OutputFailed extends Schema.TaggedError<OutputFailed>()("OutputFailed", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.path}: cannot write: ${this.detail}`
  }
}
