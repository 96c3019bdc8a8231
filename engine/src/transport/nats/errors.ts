/**
 * What can go wrong talking to NATS, as typed errors with what an operator needs to fix it.
 */
import { Schema } from "effect"
import { CliError } from "effect/cli"

/** The server could not be reached or refused us (address, credentials, TLS). */
export class NatsConnectError extends Schema.TaggedError<NatsConnectError>()("NatsConnectError", {
  servers: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `cannot connect to NATS at ${this.servers}: ${this.detail}`
  }
  override get [CliError.userMessage](): string {
    return `${this.message}\n(set NATS_URL or --nats; credentials with NATS_USER/NATS_PASSWORD, NATS_TOKEN or NATS_CREDS)`
  }
}

/** A stream or bucket exists with settings Dispatch cannot use; we never change it silently. */
export class StreamConfigConflict extends Schema.TaggedError<StreamConfigConflict>()("StreamConfigConflict", {
  stream: Schema.String,
  differences: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `stream ${this.stream} exists with an incompatible configuration:\n  ${this.differences.join("\n  ")}\n` +
      "Fix or remove it (nats stream edit / nats stream rm) and start again; Dispatch does not change existing streams."
  }
  override get [CliError.userMessage](): string {
    return this.message
  }
}

/** A JetStream request failed for a reason other than the ones handled where it is made. */
export class JetStreamError extends Schema.TaggedError<JetStreamError>()("JetStreamError", {
  operation: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `JetStream ${this.operation} failed: ${this.detail}`
  }
}
