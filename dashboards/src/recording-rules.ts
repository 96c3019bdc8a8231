/**
 * Recording rules: the series that panels and alerts share, computed once by Prometheus so that
 * an alert fires on exactly what a panel shows. Names follow Prometheus's `level:metric:operations`.
 */
import { METRIC_NAMES as M } from "./metric-catalog.ts"
import { quantile, ratioOrZero, sumRate } from "./promql.ts"

export interface RecordingRule {
  readonly record: string
  readonly expr: string
}

/** The recorded series, by key (what panels and alerts refer to). */
export const RECORDED = {
  ordersRequested: "market:dispatch_orders_requested:rate5m",
  ordersMatched: "market:dispatch_orders_matched:rate5m",
  ordersDecided: "market:dispatch_orders_decided:rate5m",
  matchRatio: "market:dispatch_orders_match_ratio:rate5m",
  decisionLatencyP50: "market:dispatch_decision_latency_seconds:p50_rate1m",
  decisionLatencyP99: "market:dispatch_decision_latency_seconds:p99_rate1m",
  balancerErrorRatio: "caller_target:dispatch_balancer_error_ratio:rate1m",
  // The fleet-wide view of each target region, over every caller and gateway: what the
  // gateway's fleet-health trigger reads (api/src/health/health-settings.ts).
  targetRequests: "target:dispatch_balancer_requests:rate1m",
  targetErrorRatio: "target:dispatch_balancer_error_ratio:rate1m",
  targetLatencyP99: "target:dispatch_balancer_request_duration_seconds:p99_rate1m"
} as const

/** Calls made to a target: a breaker's `rejected` is no call and says nothing of the target. */
const MADE = `outcome!="rejected"`
const FAILED = `outcome=~"error|timeout|no_responders"`

const byMarket = ["market"]

export const RECORDING_RULES: ReadonlyArray<RecordingRule> = [
  { record: RECORDED.ordersRequested, expr: sumRate(M.ordersReceived, byMarket, [`type="order.requested"`], "5m") },
  { record: RECORDED.ordersMatched, expr: sumRate(M.ordersMatched, byMarket, [], "5m") },
  {
    record: RECORDED.ordersDecided,
    // Not `matched + unmatched`: a healthy market has no unmatched series yet, and `+` would
    // drop it. The two rates never share a label set (unmatched has `reason`), so `or` keeps both.
    expr: `sum by (market) (rate(${M.ordersMatched}[5m]) or rate(${M.ordersUnmatched}[5m]))`
  },
  // A market whose every order went unmatched has no matched series: its ratio must be 0.
  { record: RECORDED.matchRatio, expr: ratioOrZero(RECORDED.ordersMatched, RECORDED.ordersDecided) },
  { record: RECORDED.decisionLatencyP50, expr: quantile(0.5, M.decisionLatency, byMarket, [], "1m") },
  { record: RECORDED.decisionLatencyP99, expr: quantile(0.99, M.decisionLatency, byMarket, [], "1m") },
  {
    record: RECORDED.balancerErrorRatio,
    expr: ratioOrZero(
      sumRate(M.balancerRequests, ["caller", "target"], [`outcome!="ok"`], "1m"),
      sumRate(M.balancerRequests, ["caller", "target"], [], "1m")
    )
  },
  { record: RECORDED.targetRequests, expr: sumRate(M.balancerRequests, ["target"], [MADE], "1m") },
  { record: RECORDED.targetErrorRatio, expr: ratioOrZero(sumRate(M.balancerRequests, ["target"], [FAILED], "1m"), RECORDED.targetRequests) },
  { record: RECORDED.targetLatencyP99, expr: quantile(0.99, M.balancerLatency, ["target"], [], "1m") }
]
