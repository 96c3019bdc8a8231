/**
 * Alerting rules. Each says who should act (`severity`), what is wrong (`summary`, templated
 * with the alert's labels only, so that the promtool tests can state the exact text) and what
 * to do first (`runbook`, one line; docs/dashboards.md has the longer form).
 */
import { BREAKER_STATE_VALUES } from "#api"
import { METRIC_NAMES as M } from "./metric-catalog.ts"
import { RECORDED } from "./recording-rules.ts"

export type Severity = "critical" | "warning"

export interface AlertRule {
  readonly alert: string
  readonly expr: string
  /** How long the condition must hold: long enough that one slow scrape or window does not page. */
  readonly for: string
  readonly severity: Severity
  readonly summary: string
  readonly runbook: string
}

/** Below this share of decided orders matched, riders are being let down (the SF replay matches ~95%). */
export const MATCH_RATIO_FLOOR = 0.7
/** Decided orders per second below which a market is too quiet for its match rate to mean much. */
export const MATCH_RATIO_MIN_TRAFFIC = 0.05
/** Dead letters per 10 minutes that a few broken clients make; more is a broken producer. */
export const DEAD_LETTERS_PER_10M = 10
/** Unacknowledged orders a partition may hold before growing lag is worth waking someone. */
export const CONSUMER_LAG_FLOOR = 100

export const ALERT_RULES = [
  {
    alert: "DispatchBreakerOpen",
    expr: `max by (target) (${M.breakerState}) == ${BREAKER_STATE_VALUES.open}`,
    for: "1m",
    severity: "warning",
    summary: "The circuit breaker to region {{ $labels.target }} has been open for a minute",
    runbook: "Calls to {{ $labels.target }} fail or are slow: check that region's engines (/readyz, logs, Runtime dashboard) and its NATS; traffic goes to the other regions meanwhile, and if it stays open drain it (`dispatch regions drain {{ $labels.target }}`) until it is fixed."
  },
  {
    alert: "DispatchDeadLettersGrowing",
    expr: `sum by (market, reason) (increase(${M.deadLetters}[10m])) > ${DEAD_LETTERS_PER_10M}`,
    for: "5m",
    severity: "warning",
    summary: "Market {{ $labels.market }} is dead-lettering orders ({{ $labels.reason }})",
    runbook: "Read the newest messages on dispatch.dlq.{{ $labels.market }} (stream DLQ): the reason names the field; find and fix the producer that sends them. The engine is not affected; the refused orders got no decision."
  },
  {
    alert: "DispatchConsumerLagGrowing",
    expr: `max by (market) (${M.consumerPending}) > ${CONSUMER_LAG_FLOOR} and max by (market) (deriv(${M.consumerPending}[5m])) > 0`,
    for: "10m",
    severity: "critical",
    summary: "The engine of market {{ $labels.market }} is falling behind its orders",
    runbook: "Orders wait in JetStream (nothing is lost): check queue depth vs capacity, decision latency and the owner's CPU and event-loop lag; if no instance owns the partition (dispatch_partition_owner), look at the engines' logs and leases; scale out by splitting the market into partitions."
  },
  {
    alert: "DispatchMatchRateLow",
    expr: `${RECORDED.matchRatio} < ${MATCH_RATIO_FLOOR} and ${RECORDED.ordersDecided} > ${MATCH_RATIO_MIN_TRAFFIC}`,
    for: "10m",
    severity: "warning",
    summary: `Fewer than ${MATCH_RATIO_FLOOR * 100}% of orders in market {{ $labels.market }} find a driver`,
    runbook: "Open Dispatch overview > Unmatched by reason: no_supply means too few available drivers (Fleet dashboard, driver updates arriving?); expired means decisions come too late (latency, queue); overloaded means the engine sheds: scale it or raise its queue capacity."
  },
  {
    alert: "DispatchNoDecisions",
    expr: `${RECORDED.ordersRequested} > 0 unless ${RECORDED.ordersDecided} > 0`,
    for: "5m",
    severity: "critical",
    summary: "Orders arrive in market {{ $labels.market }} but no decision has been made for 5 minutes",
    runbook: "The matcher is stuck: check that exactly one engine owns the partition (dispatch_partition_owner), its /readyz and logs, and consumer lag; restart the owner (a standby takes over once the lease lapses)."
  },
  {
    alert: "DispatchScrapeTargetDown",
    // The simulator runs only during a replay, so its absence is not an alert.
    expr: `up{job=~"engine|api"} == 0`,
    for: "2m",
    severity: "critical",
    summary: "Prometheus cannot scrape {{ $labels.job }} at {{ $labels.instance }}",
    runbook: "The process is down or its status port is closed: check `curl http://{{ $labels.instance }}/healthz` on its host and the process's logs; restart it (an engine standby takes over the partition meanwhile)."
  }
] as const satisfies ReadonlyArray<AlertRule>

export type AlertName = (typeof ALERT_RULES)[number]["alert"]
