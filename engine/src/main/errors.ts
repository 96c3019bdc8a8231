/** Errors of the process entry: settings that cannot work together. */
import { Schema } from "effect"
import { CliError } from "effect/cli"

export class UnknownPartition extends Schema.TaggedError<UnknownPartition>()("UnknownPartition", {
  unknown: Schema.Array(Schema.String),
  known: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `unknown partition(s) ${this.unknown.join(", ")}: the markets are ${this.known.join(", ")}`
  }
  override get [CliError.userMessage](): string {
    return this.message
  }
}
