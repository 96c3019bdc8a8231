/**
 * The API gateway's metrics: names, help, labels and buckets (conventions: the engine's
 * metric-registry.ts). The dashboards take their names from `GATEWAY_METRIC_NAMES`.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client"

export const GATEWAY_METRIC_NAMES = {
  httpRequests: "dispatch_http_requests_total",
  httpRequestDuration: "dispatch_http_request_duration_seconds",
  ordersRejected: "dispatch_orders_rejected_total",
  balancerRequests: "dispatch_balancer_requests_total",
  balancerLatency: "dispatch_balancer_request_duration_seconds",
  balancerFailovers: "dispatch_balancer_failovers_total",
  balancerFallbacks: "dispatch_balancer_fallbacks_total",
  breakerState: "dispatch_breaker_state",
  breakerTransitions: "dispatch_breaker_transitions_total",
  outlierEjections: "dispatch_outlier_ejections_total",
  regionWeight: "dispatch_region_weight",
  regionDrained: "dispatch_region_drained",
  laneShare: "dispatch_lane_share",
  laneFallbacks: "dispatch_lane_fallbacks_total",
  configChanges: "dispatch_config_changes_total",
  authFailures: "dispatch_auth_failures_total",
  rateLimited: "dispatch_gateway_rate_limited_total",
  rateLimitBuckets: "dispatch_gateway_rate_limit_buckets",
  rateLimitEvictions: "dispatch_gateway_rate_limit_evictions_total",
  regionRateLimit: "dispatch_region_rate_limit"
} as const

/** `dispatch_breaker_state` values (a state-timeline panel maps them back to words). */
export const BREAKER_STATE_VALUES = { closed: 0, half_open: 1, open: 2 } as const

/** HTTP and balancer calls: a NATS request/reply on loopback is ~0.1-1 ms; timeouts are seconds. */
const REQUEST_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

export type BalancerMetrics = ReturnType<typeof makeBalancerMetrics>

/** Registers the API gateway's metrics on `registry`. */
export const makeBalancerMetrics = (registry: Registry) => {
  const registers = [registry]
  const N = GATEWAY_METRIC_NAMES
  return {
    httpRequests: new Counter({ name: N.httpRequests, help: "HTTP requests answered by the gateway, by route template, method and status code.", labelNames: ["route", "method", "status"], registers }),
    httpRequestDuration: new Histogram({ name: N.httpRequestDuration, help: "Time to answer an HTTP request, by route template and method.", labelNames: ["route", "method"], buckets: [...REQUEST_SECONDS], registers }),
    ordersRejected: new Counter({ name: N.ordersRejected, help: "Requests refused with a 4xx before reaching a region (bad JSON, schema, size, unknown region), by reason.", labelNames: ["reason"], registers }),
    balancerRequests: new Counter({ name: N.balancerRequests, help: "Calls from a caller region to a target region's intake, by the request's lane and outcome (ok, error, timeout, no_responders = no intake subscribed, rejected = breaker refused).", labelNames: ["caller", "target", "lane", "outcome"], registers }),
    balancerLatency: new Histogram({ name: N.balancerLatency, help: "Duration of a call to a target region's intake, by the request's lane (a lane call that fell back to main included).", labelNames: ["caller", "target", "lane"], buckets: [...REQUEST_SECONDS], registers }),
    laneFallbacks: new Counter({ name: N.laneFallbacks, help: "Lane (not main) calls the target region had no intake of that lane for (no responders), sent to its main intake instead.", labelNames: ["caller", "target", "lane"], registers }),
    balancerFailovers: new Counter({ name: N.balancerFailovers, help: "Calls retried on another target after a target failed.", labelNames: ["caller", "target"], registers }),
    balancerFallbacks: new Counter({ name: N.balancerFallbacks, help: "Requests no target admitted, by fallback outcome (queued = published to ORDERS, failed = 503).", labelNames: ["caller", "outcome"], registers }),
    breakerState: new Gauge({ name: N.breakerState, help: "Circuit breaker state per target: 0 closed, 1 half-open, 2 open.", labelNames: ["target"], registers }),
    breakerTransitions: new Counter({ name: N.breakerTransitions, help: "Circuit breaker transitions per target.", labelNames: ["target", "from", "to"], registers }),
    outlierEjections: new Counter({ name: N.outlierEjections, help: "Targets ejected by outlier detection (consecutive failures).", labelNames: ["target"], registers }),
    regionWeight: new Gauge({ name: N.regionWeight, help: "Current weight of a target region for a caller region (from KV dispatch_config).", labelNames: ["caller", "target"], registers }),
    regionDrained: new Gauge({ name: N.regionDrained, help: "1 while a region is drained (receives no new traffic), else 0.", labelNames: ["region"], registers }),
    laneShare: new Gauge({ name: N.laneShare, help: "Percent of a caller region's requests without an x-dispatch-lane header sent down a lane (from KV dispatch_config lanes.<caller>).", labelNames: ["caller", "lane"], registers }),
    configChanges: new Counter({ name: N.configChanges, help: "Region configuration changes this gateway applied from KV, by kind (weights, drain, lanes, limits).", labelNames: ["kind"], registers }),
    authFailures: new Counter({ name: N.authFailures, help: "/v1 requests refused by caller authentication, by reason (401: missing, malformed, bad_signature, expired, bad_claims; 403: wrong_role, wrong_subject).", labelNames: ["reason"], registers }),
    rateLimited: new Counter({ name: N.rateLimited, help: "/v1 requests refused with 429 because the caller's token bucket for the region was empty.", labelNames: ["region"], registers }),
    rateLimitBuckets: new Gauge({ name: N.rateLimitBuckets, help: "Callers' token buckets held for a region (bounded: the least recently used goes first).", labelNames: ["region"], registers }),
    rateLimitEvictions: new Counter({ name: N.rateLimitEvictions, help: "Token buckets dropped to stay within the bound before they were full again (the caller's next request finds a full bucket).", labelNames: ["region"], registers }),
    regionRateLimit: new Gauge({ name: N.regionRateLimit, help: "Rate limit of each caller towards a region (from KV dispatch_config): setting burst (calls) or per_second; absent when not limited.", labelNames: ["region", "setting"], registers })
  }
}
