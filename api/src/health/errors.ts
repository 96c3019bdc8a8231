/**
 * The health room's errors: a Prometheus query that gave no answer to judge by. Each is an
 * expected outcome for the trigger (it fails static on it), never a defect.
 */
import { Schema } from "effect"

/** Why a query has no value: Prometheus unreachable, too slow, or answering an error (a bad query, an overloaded server). */
export const QUERY_FAILURES = ["unreachable", "timeout", "error"] as const
export type QueryFailure = (typeof QUERY_FAILURES)[number]

export class PrometheusQueryFailed extends Schema.TaggedError<PrometheusQueryFailed>()("PrometheusQueryFailed", {
  failure: Schema.Literals(QUERY_FAILURES),
  query: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `Prometheus query ${this.failure}: ${this.detail} (query: ${this.query})`
  }
}
