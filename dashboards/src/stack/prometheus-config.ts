/**
 * Prometheus's configuration for the local stack (prometheus/prometheus.yml) and, with other
 * targets, for the tests: one function so that the shipped file and the tested one differ only
 * in addresses and file paths.
 */

import { loopback, STACK_ENGINES, STACK_PORTS } from "./stack-plan.ts"

/** The jobs dashboards filter on (`job` label); each is one kind of Dispatch process. */
export const JOBS = ["engine", "api", "simulator"] as const
export type Job = (typeof JOBS)[number]

/** Where the local stack's processes serve /metrics (stack/stack-plan.ts). */
export const LOCAL_TARGETS: Readonly<Record<Job | "prometheus", ReadonlyArray<string>>> = {
  engine: STACK_ENGINES.map((e) => loopback(e.port)),
  api: [loopback(STACK_PORTS.api)],
  simulator: [loopback(STACK_PORTS.simulator)],
  prometheus: [loopback(STACK_PORTS.prometheus)]
}

/** Rule files, relative to prometheus.yml. */
export const RULE_FILES = { recording: "rules/recording.yml", alerts: "rules/alerts.yml" } as const

export interface PrometheusConfigOptions {
  /** `host:port`s per job; a job without any is not scraped. */
  readonly targets: Readonly<Partial<Record<Job | "prometheus", string | ReadonlyArray<string>>>>
  /** A local stack scrapes often so that panels move within seconds (default 5s). */
  readonly scrapeInterval?: string
  readonly ruleFiles?: ReadonlyArray<string>
}

export const prometheusConfig = (options: PrometheusConfigOptions) => {
  const interval = options.scrapeInterval ?? "5s"
  return {
    global: { scrape_interval: interval, evaluation_interval: interval },
    rule_files: [...(options.ruleFiles ?? Object.values(RULE_FILES))],
    scrape_configs: (["prometheus", ...JOBS] as const).flatMap((job) => {
      const target = options.targets[job]
      return target === undefined ? [] : [{ job_name: job, static_configs: [{ targets: typeof target === "string" ? [target] : [...target] }] }]
    })
  }
}
