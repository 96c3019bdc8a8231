/**
 * The domain's errors. Each says what went wrong with the fields a reader needs to fix it.
 */
import { Schema } from "effect"
import { CliError } from "effect/cli"

/**
 * A message that could not be decoded. `path` names the field at fault (`$` for the whole
 * message: not UTF-8, not JSON, too large); `reason` is a stable code for metrics and the DLQ.
 */
export class DecodeError extends Schema.TaggedError<DecodeError>()("DecodeError", {
  reason: Schema.Literals(["too_large", "not_utf8", "not_json", "invalid"]),
  path: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.path}: ${this.detail}`
  }
}

/** A market file that cannot be used; `problems` each name the field and what is wrong. */
export class MarketConfigError extends Schema.TaggedError<MarketConfigError>()("MarketConfigError", {
  source: Schema.String,
  problems: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `invalid market file ${this.source}:\n  ${this.problems.join("\n  ")}`
  }
  override get [CliError.userMessage](): string {
    return this.message
  }
}
