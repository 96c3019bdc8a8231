/**
 * Prometheus's configuration for the local stack (prometheus/prometheus.yml) and, with other
 * targets, for the tests: one function so that the shipped file and the tested one differ only
 * in addresses and file paths.
 */

/** The jobs dashboards filter on (`job` label); each is one kind of Dispatch process. */
export const JOBS = ["engine", "api", "simulator"] as const
export type Job = (typeof JOBS)[number]

/**
 * Where the local stack's processes serve /metrics: the engine's default `--http-port`
 * (engine/src/main/engine-config.ts), the gateway's default port, and the port
 * `dispatch simulate --metrics-port` is given in the local stack.
 */
export const LOCAL_TARGETS: Readonly<Record<Job | "prometheus", string>> = {
  engine: "127.0.0.1:9464",
  api: "127.0.0.1:8080",
  simulator: "127.0.0.1:9465",
  prometheus: "127.0.0.1:9090"
}

/** Rule files, relative to prometheus.yml. */
export const RULE_FILES = { recording: "rules/recording.yml", alerts: "rules/alerts.yml" } as const

export interface PrometheusConfigOptions {
  /** `host:port` per job; a job without one is not scraped. */
  readonly targets: Readonly<Partial<Record<Job | "prometheus", string>>>
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
      return target === undefined ? [] : [{ job_name: job, static_configs: [{ targets: [target] }] }]
    })
  }
}
