/**
 * What can go wrong supervising a child process. Each error carries what explains it: the
 * command, and for a child that never became ready, how it ended and its last output lines.
 */
import { Schema } from "effect"

/** The command could not be started at all (no such binary, not executable, bad cwd). */
export class ChildSpawnFailed extends Schema.TaggedError<ChildSpawnFailed>()("ChildSpawnFailed", {
  /** The child's name (not `name`: that is the Error's own). */
  child: Schema.String,
  command: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.child}: cannot start ${this.command}: ${this.detail}`
  }
}

/** The child exited, or time ran out, before what start waited for (`waitedFor`) happened. */
export class ChildNotReady extends Schema.TaggedError<ChildNotReady>()("ChildNotReady", {
  child: Schema.String,
  waitedFor: Schema.String,
  reason: Schema.Literals(["exited", "timeout"]),
  timeoutMs: Schema.Number,
  /** How it ended, when `reason` is `exited`. */
  code: Schema.NullOr(Schema.Number),
  signal: Schema.NullOr(Schema.String),
  /** Its last output lines. */
  tail: Schema.String,
  logFile: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const where = this.logFile === undefined ? "its output" : `log ${this.logFile}`
    const what = this.reason === "exited"
      ? `${this.child} exited (code ${this.code}${this.signal === null ? "" : `, signal ${this.signal}`}) before ${this.waitedFor}`
      : `${this.child}: ${this.waitedFor} not within ${this.timeoutMs / 1000} s`
    return `${what}; ${where}:\n${this.tail}`
  }
}

export type ChildError = ChildSpawnFailed | ChildNotReady
