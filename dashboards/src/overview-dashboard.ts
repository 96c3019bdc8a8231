/**
 * Dispatch overview: is each market's engine taking orders in, deciding them fast, and
 * matching them well? The page ops open first.
 */
import { METRIC_NAMES as M } from "./metric-catalog.ts"
import type { DashboardSpec, VariableSpec } from "./panels.ts"
import { BY_MARKET, quantile, selector, sumRate } from "./promql.ts"
import { RECORDED } from "./recording-rules.ts"

export const marketVariable: VariableSpec = { name: "market", label: "Market", metric: M.ordersReceived, labelName: "market" }

const byMarket = [BY_MARKET]

export const overviewDashboard: DashboardSpec = {
  uid: "dispatch-overview",
  title: "Dispatch overview",
  description: "Orders in, decisions out, match rate, latency and backlog of the dispatch engines, per market.",
  variables: [marketVariable],
  rows: [
    {
      title: "Orders and decisions",
      panels: [
        {
          title: "Orders in",
          description: "How many order events per second does the engine take from ORDERS (requests and cancellations)?",
          unit: "ops",
          queries: [{ expr: sumRate(M.ordersReceived, ["market", "type"], byMarket), legend: "{{market}} {{type}}" }]
        },
        {
          title: "Decisions",
          description: "How many orders per second end matched, and how many unmatched?",
          unit: "ops",
          stacked: true,
          queries: [
            { expr: sumRate(M.ordersMatched, ["market", "policy"], byMarket), legend: "{{market}} matched ({{policy}})" },
            { expr: sumRate(M.ordersUnmatched, ["market", "policy"], byMarket), legend: "{{market}} unmatched ({{policy}})" }
          ]
        },
        {
          title: "Match rate",
          description: "What share of the orders decided in the last 5 minutes got a driver? (Alert below 70%.)",
          unit: "percentunit",
          kind: "stat",
          width: 6,
          min: 0,
          max: 1,
          queries: [{ expr: selector(RECORDED.matchRatio, BY_MARKET), legend: "{{market}}" }]
        },
        {
          title: "Unmatched by reason",
          description: "Why do orders go unmatched: no supply nearby, expired while waiting, cancelled by the rider, or shed because the engine was overloaded?",
          unit: "ops",
          width: 18,
          stacked: true,
          queries: [{ expr: sumRate(M.ordersUnmatched, ["market", "reason"], byMarket), legend: "{{market}} {{reason}}" }]
        }
      ]
    },
    {
      title: "Speed and quality",
      panels: [
        {
          title: "Decision latency p50 / p99",
          description: "How long does an order take from reaching the engine to its decision being stored? (Batch policy includes the window.)",
          unit: "s",
          queries: [
            { expr: selector(RECORDED.decisionLatencyP50, BY_MARKET), legend: "{{market}} p50" },
            { expr: selector(RECORDED.decisionLatencyP99, BY_MARKET), legend: "{{market}} p99" }
          ]
        },
        {
          title: "Order wait p50 / p99",
          description: "How long does a rider wait from requesting to hearing the outcome (queueing, batch windows and retries included)?",
          unit: "s",
          queries: [
            { expr: quantile(0.5, M.orderWait, ["market"], byMarket), legend: "{{market}} p50" },
            { expr: quantile(0.99, M.orderWait, ["market"], byMarket), legend: "{{market}} p99" }
          ]
        },
        {
          title: "Pickup ETA p50 / p90",
          description: "How far away, in driving time, is the driver a matched rider gets?",
          unit: "s",
          queries: [
            { expr: quantile(0.5, M.pickupEta, ["market", "policy"], byMarket), legend: "{{market}} p50 ({{policy}})" },
            { expr: quantile(0.9, M.pickupEta, ["market", "policy"], byMarket), legend: "{{market}} p90 ({{policy}})" }
          ]
        },
        {
          title: "Pickup distance p50 / p90",
          description: "How far, in straight-line metres, is the matched driver from the pickup?",
          unit: "lengthm",
          queries: [
            { expr: quantile(0.5, M.pickupDistance, ["market", "policy"], byMarket), legend: "{{market}} p50 ({{policy}})" },
            { expr: quantile(0.9, M.pickupDistance, ["market", "policy"], byMarket), legend: "{{market}} p90 ({{policy}})" }
          ]
        }
      ]
    },
    {
      title: "Backlog and health",
      panels: [
        {
          title: "Queue depth vs capacity",
          description: "How full is each partition's intake queue? At capacity the engine stops pulling (backpressure) or sheds orders.",
          unit: "short",
          queries: [
            { expr: `sum by (market) (${selector(M.queueDepth, BY_MARKET)})`, legend: "{{market}} depth" },
            { expr: `max by (market) (${selector(M.queueCapacity, BY_MARKET)})`, legend: "{{market}} capacity" }
          ]
        },
        {
          title: "Consumer lag",
          description: "How many orders are stored in JetStream but not yet acknowledged by the market's engine? Growing lag means the engine falls behind.",
          unit: "short",
          queries: [{ expr: `max by (market) (${selector(M.consumerPending, BY_MARKET)})`, legend: "{{market}}" }]
        },
        {
          title: "Dead letters",
          description: "How many messages per second are refused at intake and written to the DLQ, and why?",
          unit: "ops",
          queries: [{ expr: sumRate(M.deadLetters, ["market", "reason"], byMarket), legend: "{{market}} {{reason}}" }]
        },
        {
          title: "Partition owners",
          description: "Does every partition have exactly one owner? 0 means no instance is matching it; 2 means a lease went wrong.",
          unit: "short",
          queries: [{ expr: `sum by (partition) (${M.partitionOwner})`, legend: "{{partition}}" }]
        }
      ]
    },
    {
      title: "Batch policy",
      panels: [
        {
          title: "Batch size p50 / p99",
          description: "How many orders does a batch window hold when it closes?",
          unit: "short",
          queries: [
            { expr: quantile(0.5, M.batchSize, ["market"], byMarket), legend: "{{market}} p50" },
            { expr: quantile(0.99, M.batchSize, ["market"], byMarket), legend: "{{market}} p99" }
          ],
          emptyWhenHealthy: "no engine runs the batch policy: only batch engines close windows"
        },
        {
          title: "Batch solve time p50 / p99",
          description: "How long does building and solving one window's assignment take? It must stay well under the window.",
          unit: "s",
          queries: [
            { expr: quantile(0.5, M.batchSolve, ["market"], byMarket), legend: "{{market}} p50" },
            { expr: quantile(0.99, M.batchSolve, ["market"], byMarket), legend: "{{market}} p99" }
          ],
          emptyWhenHealthy: "no engine runs the batch policy: only batch engines close windows"
        }
      ]
    }
  ]
}
