/**
 * What can go wrong reading or changing the region configuration, one class per cause, each
 * with the fields an operator (CLI) or a client (admin API) needs to act on it.
 */
import { Schema } from "effect"
import { CliError } from "effect/cli"
import { redactUrls, type FieldProblem } from "#engine"

const Problem = Schema.Struct({ path: Schema.String, message: Schema.String })

const listProblems = (problems: ReadonlyArray<FieldProblem>) => problems.map((p) => `${p.path}: ${p.message}`).join("; ")

/** A value (weights, drain flag, region list) that breaks a rule; each problem names its field. */
export class RegionValueInvalid extends Schema.TaggedError<RegionValueInvalid>()("RegionValueInvalid", {
  /** The KV key (or setting) the value is for. */
  subject: Schema.String,
  problems: Schema.Array(Problem)
}) {
  override get message(): string {
    return `invalid ${this.subject}: ${listProblems(this.problems)}`
  }
  override get [CliError.userMessage](): string {
    return this.message
  }
}

/** Someone else changed the key between our read and our write (compare-and-set refused). */
export class RevisionConflict extends Schema.TaggedError<RevisionConflict>()("RevisionConflict", {
  key: Schema.String,
  /** The revision the write was based on (0: the key did not exist). */
  expected: Schema.Number,
  /** The key's revision now, when we could read it. */
  actual: Schema.optional(Schema.Number)
}) {
  override get message(): string {
    const now = this.actual === undefined ? "" : ` (it is now at revision ${this.actual})`
    return `${this.key} was changed by someone else since revision ${this.expected}${now}: nothing was written; read it again and retry`
  }
  override get [CliError.userMessage](): string {
    return this.message
  }
}

/** A rollback named a revision that is not (or no longer) in the key's history. */
export class RevisionNotFound extends Schema.TaggedError<RevisionNotFound>()("RevisionNotFound", {
  key: Schema.String,
  revision: Schema.Number,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.key} has no revision ${this.revision} to roll back to: ${this.reason}`
  }
  override get [CliError.userMessage](): string {
    return this.message
  }
}

/** NATS or the KV bucket failed (not reachable, timeout, bucket missing). */
export class RegionStoreFailure extends Schema.TaggedError<RegionStoreFailure>()("RegionStoreFailure", {
  operation: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `region config ${this.operation} failed: ${this.detail}`
  }
  override get [CliError.userMessage](): string {
    return this.message
  }
}

export type RegionStoreError = RegionValueInvalid | RevisionConflict | RevisionNotFound | RegionStoreFailure

/** `dispatch regions breakers` could not get an answer from the gateway's admin API. */
export class AdminApiFailure extends Schema.TaggedError<AdminApiFailure>()("AdminApiFailure", {
  url: Schema.String,
  status: Schema.optional(Schema.Number),
  detail: Schema.String
}) {
  override get message(): string {
    return redactUrls(`admin API ${this.url}${this.status === undefined ? "" : ` answered ${this.status}`}: ${this.detail}`)
  }
  override get [CliError.userMessage](): string {
    return `${this.message}\n(gateway address: --api or DISPATCH_API_URL; token: DISPATCH_ADMIN_TOKEN)`
  }
}
