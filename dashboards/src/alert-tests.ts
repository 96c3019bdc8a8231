/**
 * promtool unit tests of the alerts (`promtool test rules`): for every alert, series that make
 * it fire and series that must leave it quiet, including the edge each rule was written for
 * (a market with no matched series yet, a draining backlog, a one-minute breaker blip).
 * `Record<AlertName, ...>` makes a new alert without tests a type error.
 */
import { METRIC_NAMES as M } from "./metric-catalog.ts"
import { ALERT_RULES, type AlertName } from "./alert-rules.ts"

export interface AlertCase {
  readonly name: string
  /** Series selector → promtool expanding notation, one sample per minute. */
  readonly series: Readonly<Record<string, string>>
  readonly evalTime: string
  /** Labels of each alert expected to fire at `evalTime` (besides alertname and severity); empty: none. */
  readonly firing: ReadonlyArray<Readonly<Record<string, string>>>
}

export const ALERT_CASES: Readonly<Record<AlertName, { readonly fires: ReadonlyArray<AlertCase>; readonly quiet: ReadonlyArray<AlertCase> }>> = {
  DispatchBreakerOpen: {
    fires: [{
      name: "open for three minutes",
      series: { [`${M.breakerState}{target="us-east"}`]: "0 0 2x10", [`${M.breakerState}{target="us-west"}`]: "0x12" },
      evalTime: "5m",
      firing: [{ target: "us-east" }]
    }],
    quiet: [
      { name: "open for one evaluation, then closed again", series: { [`${M.breakerState}{target="us-east"}`]: "0 2 0x10" }, evalTime: "5m", firing: [] },
      { name: "half-open (probing) is not open", series: { [`${M.breakerState}{target="us-east"}`]: "1x10" }, evalTime: "5m", firing: [] }
    ]
  },
  DispatchDeadLettersGrowing: {
    fires: [{
      name: "five dead letters a minute",
      series: { [`${M.deadLetters}{market="sf",reason="decode"}`]: "0+5x20" },
      evalTime: "15m",
      firing: [{ market: "sf", reason: "decode" }]
    }],
    quiet: [{ name: "one burst of three", series: { [`${M.deadLetters}{market="sf",reason="decode"}`]: "0x5 3x15" }, evalTime: "15m", firing: [] }]
  },
  DispatchConsumerLagGrowing: {
    fires: [{
      name: "lag grows by 50 a minute",
      series: { [`${M.consumerPending}{market="sf"}`]: "0+50x30" },
      evalTime: "20m",
      firing: [{ market: "sf" }]
    }],
    quiet: [
      { name: "a large backlog that is draining", series: { [`${M.consumerPending}{market="sf"}`]: "5000-100x30" }, evalTime: "20m", firing: [] },
      { name: "a small lag that grows", series: { [`${M.consumerPending}{market="sf"}`]: "0+1x30" }, evalTime: "20m", firing: [] }
    ]
  },
  DispatchMatchRateLow: {
    fires: [
      {
        name: "one order in ten matched",
        series: {
          [`${M.ordersMatched}{market="sf",policy="greedy"}`]: "0+6x30",
          [`${M.ordersUnmatched}{market="sf",policy="greedy",reason="no_supply"}`]: "0+54x30"
        },
        evalTime: "25m",
        firing: [{ market: "sf" }]
      },
      {
        name: "nothing matched yet (no matched series at all)",
        series: { [`${M.ordersUnmatched}{market="sf",policy="greedy",reason="no_supply"}`]: "0+60x30" },
        evalTime: "25m",
        firing: [{ market: "sf" }]
      }
    ],
    quiet: [
      {
        name: "95% matched",
        series: {
          [`${M.ordersMatched}{market="sf",policy="greedy"}`]: "0+57x30",
          [`${M.ordersUnmatched}{market="sf",policy="greedy",reason="expired"}`]: "0+3x30"
        },
        evalTime: "25m",
        firing: []
      },
      {
        name: "too little traffic to judge",
        series: { [`${M.ordersUnmatched}{market="sf",policy="greedy",reason="no_supply"}`]: "0+1x30" },
        evalTime: "25m",
        firing: []
      }
    ]
  },
  DispatchNoDecisions: {
    fires: [{
      name: "orders keep arriving, decisions stopped at minute 5",
      series: {
        [`${M.ordersReceived}{market="sf",type="order.requested"}`]: "0+60x30",
        [`${M.ordersMatched}{market="sf",policy="greedy"}`]: "0+60x5 300x25"
      },
      evalTime: "20m",
      firing: [{ market: "sf" }]
    }],
    quiet: [
      {
        name: "every order decided",
        series: {
          [`${M.ordersReceived}{market="sf",type="order.requested"}`]: "0+60x30",
          [`${M.ordersMatched}{market="sf",policy="greedy"}`]: "0+55x30",
          [`${M.ordersUnmatched}{market="sf",policy="greedy",reason="expired"}`]: "0+5x30"
        },
        evalTime: "20m",
        firing: []
      },
      {
        name: "no orders, no decisions",
        series: { [`${M.ordersReceived}{market="sf",type="order.requested"}`]: "0x30" },
        evalTime: "20m",
        firing: []
      }
    ]
  },
  DispatchScrapeTargetDown: {
    fires: [{
      name: "the engine stops answering scrapes",
      series: { [`up{job="engine",instance="127.0.0.1:9464"}`]: "1 1 0x10" },
      evalTime: "6m",
      firing: [{ job: "engine", instance: "127.0.0.1:9464" }]
    }],
    quiet: [
      { name: "one missed scrape", series: { [`up{job="engine",instance="127.0.0.1:9464"}`]: "1 0 1x10" }, evalTime: "6m", firing: [] },
      { name: "no simulator running is normal", series: { [`up{job="simulator",instance="127.0.0.1:9465"}`]: "0x10" }, evalTime: "6m", firing: [] }
    ]
  }
}

/** The file of alert `name`'s tests, e.g. `dispatch-breaker-open.yml`. */
export const alertTestFileName = (name: AlertName) =>
  `${name.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase()}.yml`

/** promtool's test file for one alert; `ruleFiles` relative to the test file. */
export const alertTestFile = (name: AlertName, ruleFiles: ReadonlyArray<string>) => {
  const rule = ALERT_RULES.find((r) => r.alert === name)!
  const cases = [...ALERT_CASES[name].fires, ...ALERT_CASES[name].quiet]
  return {
    rule_files: [...ruleFiles],
    evaluation_interval: "1m",
    tests: cases.map((c) => ({
      name: `${name}: ${c.name}`,
      interval: "1m",
      input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
      alert_rule_test: [{
        eval_time: c.evalTime,
        alertname: name,
        exp_alerts: c.firing.map((labels) => ({
          exp_labels: { ...labels, severity: rule.severity },
          exp_annotations: { summary: render(rule.summary, labels), runbook: render(rule.runbook, labels) }
        }))
      }]
    }))
  }
}

/** Prometheus's `{{ $labels.x }}` templating, the only kind the annotations use. */
const render = (template: string, labels: Readonly<Record<string, string>>) =>
  template.replace(/\{\{ \$labels\.([a-zA-Z_]+) \}\}/g, (_, label: string) => labels[label] ?? "")
