/**
 * The breaker room's errors. Its cores (circuit breaker, outlier detector, weighted choice) have
 * expected outcomes only (a rejection is a value); the one thing that can go wrong is being
 * built from settings that make no sense, and that error lists every problem at once, each
 * naming the key, the value given and the rule, so an operator fixes them in one pass.
 */
import { Schema } from "effect"

/** Settings a circuit breaker or outlier detector cannot run with. */
export class BreakerConfigError extends Schema.TaggedError<BreakerConfigError>()("BreakerConfigError", {
  config: Schema.Literals(["circuitBreaker", "outlierDetection"]),
  problems: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `invalid ${this.config} settings:\n  ${this.problems.join("\n  ")}`
  }
}
