/**
 * Fleet: how many drivers are there, what are they doing, and does supply meet demand? The
 * engine's view (drivers in its index) and, during a replay, the simulator's (its fleet model
 * and riders).
 */
import { METRIC_NAMES as M } from "./metric-catalog.ts"
import { marketVariable } from "./overview-dashboard.ts"
import type { DashboardSpec } from "./panels.ts"
import { BY_MARKET, quantile, selector, sumRate } from "./promql.ts"
import { RECORDED } from "./recording-rules.ts"

const byMarket = [BY_MARKET]
/** Simulated drivers that are on duty but committed to a rider. */
const ENGAGED_STATES = `state=~"offered|to_pickup|on_trip"`

export const fleetDashboard: DashboardSpec = {
  uid: "dispatch-fleet",
  title: "Dispatch fleet",
  description: "Drivers by status in the engine, the simulated fleet by state, utilisation, supply against demand and rider waits, per market.",
  variables: [marketVariable],
  rows: [
    {
      title: "Supply and demand",
      panels: [
        {
          title: "Drivers by status (engine)",
          description: "How many drivers does the engine's index hold as available, reserved (matched, awaiting their own update) or busy/offline?",
          unit: "short",
          stacked: true,
          queries: [{ expr: `sum by (market, status) (${selector(M.drivers, BY_MARKET)})`, legend: "{{market}} {{status}}" }]
        },
        {
          title: "Demand vs supply",
          description: "Are there enough available drivers for the orders coming in? Orders requested per minute against drivers available now.",
          unit: "short",
          queries: [
            { expr: `60 * ${selector(RECORDED.ordersRequested, BY_MARKET)}`, legend: "{{market}} orders / min" },
            { expr: `sum by (market) (${selector(M.drivers, BY_MARKET, `status="available"`)})`, legend: "{{market}} available drivers" }
          ]
        },
        {
          title: "Orders per available driver",
          description: "How many orders per minute does each available driver face? Rising pressure comes before no_supply decisions.",
          unit: "short",
          queries: [{
            expr: `60 * ${selector(RECORDED.ordersRequested, BY_MARKET)} / on (market) sum by (market) (${selector(M.drivers, BY_MARKET, `status="available"`)})`,
            legend: "{{market}}"
          }]
        }
      ]
    },
    {
      title: "Simulated fleet and riders",
      panels: [
        {
          title: "Simulated fleet by state",
          description: "What is the simulated fleet doing: offline, idle, repositioning, offered a ride, driving to a pickup, on a trip?",
          unit: "short",
          stacked: true,
          queries: [{ expr: `sum by (market, policy, state) (${selector(M.simFleetDrivers, BY_MARKET)})`, legend: "{{market}} {{policy}} {{state}}" }]
        },
        {
          title: "Utilisation",
          description: "What share of the on-duty simulated drivers is serving a rider (offered, to pickup, on trip)?",
          unit: "percentunit",
          min: 0,
          max: 1,
          queries: [{
            expr: `sum by (market, policy) (${selector(M.simFleetDrivers, BY_MARKET, ENGAGED_STATES)}) / sum by (market, policy) (${selector(M.simFleetDrivers, BY_MARKET, `state!="offline"`)})`,
            legend: "{{market}} {{policy}}"
          }]
        },
        {
          title: "Rider wait p50 / p90",
          description: "How long, in simulated time, do riders wait from requesting a trip to being picked up?",
          unit: "s",
          queries: [
            { expr: quantile(0.5, M.simRiderWait, ["market", "policy"], byMarket), legend: "{{market}} {{policy}} p50" },
            { expr: quantile(0.9, M.simRiderWait, ["market", "policy"], byMarket), legend: "{{market}} {{policy}} p90" }
          ]
        },
        {
          title: "Simulated trips, decisions and pickups",
          description: "How many trips per wall second do simulated riders request, how are they decided, and how many riders are picked up?",
          unit: "ops",
          queries: [
            { expr: sumRate(M.simTripsRequested, ["market", "policy"], byMarket), legend: "{{market}} {{policy}} requested" },
            { expr: sumRate(M.simDecisions, ["market", "policy", "outcome"], byMarket), legend: "{{market}} {{policy}} {{outcome}}" },
            { expr: sumRate(M.simPickups, ["market", "policy"], byMarket), legend: "{{market}} {{policy}} picked up" }
          ]
        },
        {
          title: "Declined offers",
          description: "How many offers per wall second do simulated drivers decline (sending the order back to matching)?",
          unit: "ops",
          queries: [{ expr: sumRate(M.simDeclines, ["market", "policy"], byMarket), legend: "{{market}} {{policy}}" }],
          emptyWhenHealthy: "replays run with --decline-probability 0 (the default) have no declines"
        },
        {
          title: "Replay progress and speed",
          description: "How far has the replay got (share of its window), and how many simulated seconds pass per wall second?",
          unit: "short",
          queries: [
            { expr: `max by (market, policy) (${selector(M.simProgress, BY_MARKET)})`, legend: "{{market}} {{policy}} progress" },
            { expr: `max by (market, policy) (deriv(${selector(M.simClock, BY_MARKET)}[$__rate_interval]))`, legend: "{{market}} {{policy}} sim s / wall s" }
          ]
        }
      ]
    }
  ]
}
