/**
 * Region balancer: where does the API gateway send each region's traffic, how do the targets
 * answer, what do the lanes carry, and what are the breakers, weights and drains doing? The page ops watch while they
        }
      ]
    },
    {
 * answer, what are the breakers (and the fleet-health signal forcing them open), weights and
 * drains doing? The page ops watch while they
 * shift traffic between regions.
 */
import { BREAKER_STATE_VALUES } from "#api"
import { METRIC_NAMES as M } from "./metric-catalog.ts"
import type { DashboardSpec, PanelSpec, VariableSpec } from "./panels.ts"
import { BY_REGION, quantile, selector, sumRate } from "./promql.ts"
import { RECORDED } from "./recording-rules.ts"

/** The caller region: the region a request is routed from. */
export const regionVariable: VariableSpec = { name: "region", label: "Caller region", metric: M.balancerRequests, labelName: "caller" }

const byRegion = [BY_REGION]

const BREAKER_COLORS: Readonly<Record<keyof typeof BREAKER_STATE_VALUES, string>> = { closed: "green", half_open: "yellow", open: "red" }

const breakerState: PanelSpec = {
  title: "Breaker state",
  description: "Which targets' circuit breakers are closed (calls flow), half-open (probing) or open (calls refused), and since when?",
  unit: "short",
  kind: "state-timeline",
  width: 24,
  valueText: Object.entries(BREAKER_STATE_VALUES).map(([text, value]) => ({ value, text, color: BREAKER_COLORS[text as keyof typeof BREAKER_STATE_VALUES] })),
  queries: [{ expr: `max by (target) (${M.breakerState})`, legend: "{{target}}" }]
}

export const balancerDashboard: DashboardSpec = {
  uid: "dispatch-region-balancer",
  title: "Dispatch region balancer",
  description: "Traffic, outcomes, latency, lanes, circuit breakers, weights, drains and rate limits of the API gateway's region balancer.",
  variables: [regionVariable],
  rows: [
    {
      title: "Traffic",
      panels: [
        {
          title: "Traffic by caller and target",
          description: "Where does each caller region's traffic go, in calls per second to each target region?",
          unit: "reqps",
          stacked: true,
          queries: [{ expr: sumRate(M.balancerRequests, ["caller", "target"], byRegion), legend: "{{caller}} → {{target}}" }]
        },
        {
          title: "Outcomes by target",
          description: "How do the targets answer: ok, error, timeout, or rejected by an open breaker?",
          unit: "reqps",
          stacked: true,
          queries: [{ expr: sumRate(M.balancerRequests, ["target", "outcome"], byRegion), legend: "{{target}} {{outcome}}" }]
        },
        {
          title: "Error ratio by target",
          description: "What share of the calls to each target did not succeed in the last minute?",
          unit: "percentunit",
          min: 0,
          max: 1,
          queries: [{ expr: selector(RECORDED.balancerErrorRatio, BY_REGION), legend: "{{caller}} → {{target}}" }]
        },
        {
          title: "Balancer latency p50 / p99",
          description: "How long does a call to each target region's intake take?",
          unit: "s",
          queries: [
            { expr: quantile(0.5, M.balancerLatency, ["target"], byRegion), legend: "{{target}} p50" },
            { expr: quantile(0.99, M.balancerLatency, ["target"], byRegion), legend: "{{target}} p99" }
          ]
        }
      ]
    },
    {
      title: "Circuit breakers",
      panels: [
        breakerState,
        {
          title: "Breaker transitions",
          description: "Which breakers changed state, from what to what, in each interval?",
          unit: "short",
          queries: [{ expr: `sum by (target, from, to) (increase(${M.breakerTransitions}[$__rate_interval]))`, legend: "{{target}} {{from}} → {{to}}" }],
          emptyWhenHealthy: "a breaker that never left closed has no transitions"
        },
        {
          title: "Outlier ejections",
          description: "How often are targets ejected for consecutive failures?",
          unit: "ops",
          queries: [{ expr: sumRate(M.outlierEjections, ["target"]), legend: "{{target}}" }],
          emptyWhenHealthy: "no target has failed enough in a row to be ejected"
        },
        {
          title: "Failovers",
          description: "How many calls per second are retried on another target after their first target failed?",
          unit: "ops",
          queries: [{ expr: sumRate(M.balancerFailovers, ["caller", "target"], byRegion), legend: "{{caller}} from {{target}}" }],
          emptyWhenHealthy: "no call has failed over yet"
        },
        {
          title: "Fallback use",
          description: "How many requests per second found no target admitting them, and were queued (durable enqueue) or failed (503)?",
          unit: "ops",
          queries: [{ expr: sumRate(M.balancerFallbacks, ["caller", "outcome"], byRegion), legend: "{{caller}} {{outcome}}" }],
          emptyWhenHealthy: "every request finds a target that admits it"
        }
      ]
    },
    {
      title: "Lanes",
      panels: [
        {
          title: "Traffic by lane",
          description: "How much of each target's traffic is in each lane (main, or a canary lane from x-dispatch-lane or a lane share)?",
          unit: "reqps",
          stacked: true,
          queries: [{ expr: sumRate(M.balancerRequests, ["target", "lane"], byRegion), legend: "{{target}} {{lane}}" }]
        },
        {
          title: "Lane fallbacks to main",
          description: "How many lane calls per second found no intake of their lane in the target region and went to its main intake instead?",
          unit: "ops",
          queries: [{ expr: sumRate(M.laneFallbacks, ["target", "lane"], byRegion), legend: "{{target}} {{lane}}" }],
          emptyWhenHealthy: "no lane traffic, or every lane has an intake up in its target region"
        },
        {
          title: "Latency p99 by lane",
          description: "Are the calls of a canary lane slower than main's?",
          unit: "s",
          queries: [{ expr: quantile(0.99, M.balancerLatency, ["lane"], byRegion), legend: "{{lane}} p99" }]
        },
        {
          title: "Intake requests by lane",
          description: "Which lane's engine intakes answer how many requests per second, and how (ok, invalid, error)?",
          unit: "reqps",
          stacked: true,
          queries: [{ expr: sumRate(M.intakeRequests, ["region", "lane", "outcome"]), legend: "{{region}} {{lane}} {{outcome}}" }]
        },
        {
          title: "Lane shares",
          description: "Which percentage of each caller region's requests without a lane header goes down each lane (KV dispatch_config lanes.<caller>)?",
          unit: "percent",
          queries: [{ expr: `max by (caller, lane) (${selector(M.laneShare, BY_REGION)})`, legend: "{{caller}} {{lane}}" }],
          emptyWhenHealthy: "no lane has been opened with `dispatch regions set-lane`"
        }
      ]
    },
    {
      title: "Fleet-wide trigger",
      panels: [
        {
          title: "Forced open by fleet health",
          description: "Which regions does the fleet-health signal (Prometheus, every gateway's calls) hold open on the gateways, and since when? No series: no gateway runs with --health-prometheus.",
          unit: "short",
          kind: "state-timeline",
          valueText: [{ value: 0, text: "local breaker", color: "green" }, { value: 1, text: "forced open", color: "red" }],
          queries: [{ expr: `max by (region) (${M.regionForcedOpen})`, legend: "{{region}}" }]
        },
        {
          title: "Fleet health signals",
          description: "What does the fleet-health trigger judge each region by? Its error ratio and p99 call latency over every caller and gateway in the last minute (defaults: forced open at 50 % or 1 s, with at least 1 call per second).",
          unit: "short",
          queries: [
            { expr: RECORDED.targetErrorRatio, legend: "{{target}} error ratio" },
            { expr: RECORDED.targetLatencyP99, legend: "{{target}} p99 (s)" }
          ]
        },
        {
          title: "Health queries to Prometheus",
          description: "Do the gateways' health queries get answers (ok, no_data) or fail (unreachable, timeout, error: the gateway then fails static)? And how many gateways fail static right now?",
          unit: "short",
          queries: [
            { expr: `sum by (signal, outcome) (rate(${M.healthQueries}[$__rate_interval]))`, legend: "{{signal}} {{outcome}} /s" },
            { expr: `sum(${M.healthFailStatic})`, legend: "gateways failing static" }
          ]
        }
      ]
    },
    {
      title: "Weights and drains",
      panels: [
        {
          title: "Current weights",
          description: "Which share of each caller region's traffic should each target get (weights from KV dispatch_config)?",
          unit: "short",
          queries: [{ expr: `max by (caller, target) (${selector(M.regionWeight, BY_REGION)})`, legend: "{{caller}} → {{target}}" }]
        },
        {
          title: "Drained regions",
          description: "Which regions are drained (1: no new traffic) right now?",
          unit: "short",
          kind: "state-timeline",
          valueText: [{ value: 0, text: "serving", color: "green" }, { value: 1, text: "drained", color: "orange" }],
          queries: [{ expr: `max by (region) (${M.regionDrained})`, legend: "{{region}}" }]
        },
        {
          title: "Config changes",
          description: "When did the gateway apply a weight, drain, lane share or rate limit change from KV?",
          unit: "short",
          queries: [{ expr: `sum by (kind) (increase(${M.configChanges}[$__rate_interval]))`, legend: "{{kind}}" }],
          emptyWhenHealthy: "nobody changed the region config since the gateway started"
        }
      ]
    },
    {
      title: "Rate limits",
      panels: [
        {
          title: "Rate-limited requests",
          description: "How many /v1 requests per second get 429 because the caller's token bucket for the region is empty (limits from KV dispatch_config: `dispatch regions limits`)?",
          unit: "reqps",
          stacked: true,
          queries: [{ expr: sumRate(M.rateLimited, ["region"]), legend: "{{region}}" }],
          emptyWhenHealthy: "no caller has gone over its limit (or no limit is set)"
        },
        {
          title: "Rate limit per caller",
          description: "What may each caller send to each region: burst (calls at once) and sustained calls per second, as the gateways apply them now?",
          unit: "short",
          queries: [{ expr: `max by (region, setting) (${M.regionRateLimit})`, legend: "{{region}} {{setting}}" }],
          emptyWhenHealthy: "no region has a limit and there is no limits.default"
        },
        {
          title: "Token buckets held",
          description: "How many callers' buckets does each gateway keep per region (bounded, least recently used dropped first), and how many were dropped before they were full again?",
          unit: "short",
          queries: [
            { expr: `sum by (region) (${M.rateLimitBuckets})`, legend: "{{region}} buckets" },
            { expr: sumRate(M.rateLimitEvictions, ["region"]), legend: "{{region}} dropped early /s" }
          ],
          emptyWhenHealthy: "no limited region has had a caller yet"
        }
      ]
    },
    {
      title: "HTTP",
      panels: [
        {
          title: "HTTP status codes",
          description: "Which status codes does the gateway answer with, per second?",
          unit: "reqps",
          stacked: true,
          queries: [{ expr: sumRate(M.httpRequests, ["status"]), legend: "{{status}}" }]
        },
        {
          title: "HTTP latency p99 by route",
          description: "How long do the gateway's slowest requests take, per route?",
          unit: "s",
          queries: [{ expr: quantile(0.99, M.httpRequestDuration, ["route"]), legend: "{{route}}" }]
        },
        {
          title: "Rejected requests",
          description: "How many requests per second are refused with a 4xx before reaching a region, and why (bad JSON, schema, size, unknown region)?",
          unit: "reqps",
          queries: [{ expr: sumRate(M.ordersRejected, ["reason"]), legend: "{{reason}}" }],
          emptyWhenHealthy: "well-formed clients send nothing to reject"
        },
        {
          title: "Caller authentication failures",
          description: "How many /v1 requests per second are refused by caller authentication, and why (401: missing, malformed, bad_signature, expired, bad_claims; 403: wrong_role, wrong_subject)? A rise in bad_signature or wrong_subject is someone probing; expired, clients not refreshing tokens.",
          unit: "reqps",
          queries: [{ expr: sumRate(M.authFailures, ["reason"]), legend: "{{reason}}" }],
          emptyWhenHealthy: "clients with valid tokens (or a gateway started with --auth none) are refused nothing"
        }
      ]
    }
  ]
}
