/**
 * A region's fleet-health verdict from the answers to its signals' queries, a pure function:
 *
 *  - `breach`: some signal has a value at or above its threshold (even if another query failed:
 *    Prometheus did answer that one);
 *  - `healthy`: every signal has a value, each below its threshold;
 *  - `unknown`: neither (no data, or a query failed): fail-static, the breaker is left to this
 *    gateway's own calls. Only `breach` forces a breaker open.
 */
import type { QueryFailure } from "./errors.ts"
import type { HealthSignal } from "./health-settings.ts"

/** One query's answer: its value, no data, or why there is none. */
export type SignalAnswer =
  | { readonly _tag: "Value"; readonly value: number }
  | { readonly _tag: "NoData" }
  | { readonly _tag: "Failed"; readonly failure: QueryFailure; readonly detail: string }

export type RegionVerdict =
  | { readonly _tag: "Breach"; readonly signal: string; readonly value: number; readonly threshold: number }
  | { readonly _tag: "Healthy" }
  | { readonly _tag: "Unknown"; readonly why: "no_data" | "query_failed" }

/** `answers[i]` answers `signals[i]`. */
export const verdictOf = (signals: ReadonlyArray<HealthSignal>, answers: ReadonlyArray<SignalAnswer>): RegionVerdict => {
  for (let i = 0; i < signals.length; i++) {
    const answer = answers[i]!
    const { name, threshold } = signals[i]!
    if (answer._tag === "Value" && answer.value >= threshold) return { _tag: "Breach", signal: name, value: answer.value, threshold }
  }
  if (answers.some((a) => a._tag === "Failed")) return { _tag: "Unknown", why: "query_failed" }
  if (answers.some((a) => a._tag === "NoData")) return { _tag: "Unknown", why: "no_data" }
  return { _tag: "Healthy" }
}
