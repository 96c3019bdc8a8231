/**
 * What can go wrong talking to NATS, as typed errors with what an operator needs to fix it.
 */
import { Schema } from "effect"
import { CliError } from "effect/cli"
import { redactUrls } from "../../observability/redaction.ts"

/**
 * The server could not be reached or refused us (address, credentials, TLS). `servers` is
 * stored redacted (connection.ts) and redacted again here, so no password reaches a log.
 */
export class NatsConnectError extends Schema.TaggedError<NatsConnectError>()("NatsConnectError", {
  servers: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return redactUrls(`cannot connect to NATS at ${this.servers}: ${this.detail}`)
  }
  override get [CliError.userMessage](): string {
    return `${this.message}\n(set NATS_URL or --nats; credentials with NATS_USER/NATS_PASSWORD, NATS_TOKEN, NATS_CREDS or NATS_NKEY)`
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

// ---------------------------------------------------------------------------------------------
// Partition leases (lease.ts, docs/leases.md). Losing a race or a lease is an outcome reported
// as a LeaseEvent, not an error; these are for callers that need ownership and do not have it,
// for unusable settings, and for a bucket that cannot be opened.
// ---------------------------------------------------------------------------------------------

/** The caller needed to own the partition (a guarded write) and this instance does not. */
export class LeaseLost extends Schema.TaggedError<LeaseLost>()("LeaseLost", {
  partition: Schema.String,
  owner: Schema.String
}) {
  override get message(): string {
    return `instance ${this.owner} does not own partition ${this.partition}`
  }
}

/** The lease bucket could not be created or opened (NATS down, JetStream off, no permission). */
export class LeaseUnavailable extends Schema.TaggedError<LeaseUnavailable>()("LeaseUnavailable", {
  bucket: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `lease bucket ${this.bucket} unavailable: ${this.detail}`
  }
}

/** Lease timings that cannot work, e.g. a renewal interval longer than the believed lifetime. */
export class LeaseConfigError extends Schema.TaggedError<LeaseConfigError>()("LeaseConfigError", {
  partition: Schema.String,
  problems: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `invalid lease settings for partition ${this.partition}:\n  ${this.problems.join("\n  ")}`
  }
}
