/**
 * Runtime: is any Dispatch process short of CPU, memory or event-loop time? Node's default
 * metrics, which every part exports, per job (engine, api, simulator) and instance.
 */
import { METRIC_NAMES as M } from "./metric-catalog.ts"
import type { DashboardSpec, VariableSpec } from "./panels.ts"
import { BY_JOB, selector } from "./promql.ts"

/** Prometheus's own per-target series, not a Dispatch metric. */
export const UP = "up"

const jobVariable: VariableSpec = { name: "job", label: "Job", metric: M.cpuSeconds, labelName: "job" }

export const runtimeDashboard: DashboardSpec = {
  uid: "dispatch-runtime",
  title: "Dispatch runtime",
  description: "Event loop lag, heap, garbage collection, CPU and memory of every Dispatch process, per job and instance.",
  variables: [jobVariable],
  rows: [
    {
      title: "Event loop and CPU",
      panels: [
        {
          title: "Event loop lag p99",
          description: "How late do timers and I/O callbacks run in the slowest 1%? Lag delays every order and scrape the process handles.",
          unit: "s",
          queries: [{ expr: selector(M.eventLoopLagP99, BY_JOB), legend: "{{job}} {{instance}}" }]
        },
        {
          title: "Event loop lag",
          description: "How late is the event loop right now (the last sample)?",
          unit: "s",
          queries: [{ expr: selector(M.eventLoopLag, BY_JOB), legend: "{{job}} {{instance}}" }]
        },
        {
          title: "CPU",
          description: "How many CPU cores does each process use (user + system)? Node runs JavaScript on one core.",
          unit: "short",
          queries: [{ expr: `rate(${selector(M.cpuSeconds, BY_JOB)}[$__rate_interval])`, legend: "{{job}} {{instance}}" }]
        },
        {
          title: "Scrape health",
          description: "Can Prometheus scrape each process (1) or not (0)?",
          unit: "short",
          kind: "state-timeline",
          valueText: [{ value: 0, text: "down", color: "red" }, { value: 1, text: "up", color: "green" }],
          queries: [{ expr: selector(UP, BY_JOB), legend: "{{job}} {{instance}}" }]
        }
      ]
    },
    {
      title: "Memory and GC",
      panels: [
        {
          title: "Heap used vs total",
          description: "How much of V8's heap is in use, against what it has reserved?",
          unit: "bytes",
          queries: [
            { expr: selector(M.heapUsed, BY_JOB), legend: "{{job}} {{instance}} used" },
            { expr: selector(M.heapTotal, BY_JOB), legend: "{{job}} {{instance}} total" }
          ]
        },
        {
          title: "Resident memory",
          description: "How much memory does each process hold in RAM (heap, buffers, code)?",
          unit: "bytes",
          queries: [{ expr: selector(M.residentMemory, BY_JOB), legend: "{{job}} {{instance}}" }]
        },
        {
          title: "GC time share",
          description: "What share of wall time does each process spend in garbage collection, by kind?",
          unit: "percentunit",
          queries: [{ expr: `sum by (job, instance, kind) (rate(${selector(`${M.gcDuration}_sum`, BY_JOB)}[$__rate_interval]))`, legend: "{{job}} {{instance}} {{kind}}" }]
        },
        {
          title: "GC pauses per second",
          description: "How often does each process collect garbage, by kind?",
          unit: "ops",
          queries: [{ expr: `sum by (job, instance, kind) (rate(${selector(`${M.gcDuration}_count`, BY_JOB)}[$__rate_interval]))`, legend: "{{job}} {{instance}} {{kind}}" }]
        }
      ]
    }
  ]
}
