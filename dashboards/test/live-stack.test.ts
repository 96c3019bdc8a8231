/**
 * The dashboards against the real thing: a private nats-server, every part in PARTS started by
 * its real `dispatch` command and given traffic, and a private Prometheus with the shipped
 * rules scraping them. Then each part's exposition is linted by `promtool check metrics`, and
 * every query of every panel of every dashboard is evaluated through Prometheus's HTTP API with
 * the template variables filled in: it must parse and return data. A panel that reads a part
 * that did not start fails with that part's reason; a panel whose metric no running part
 * exports fails too.
 */
import { afterAll, beforeAll, expect, it } from "vitest"
import { METRIC_NAMES_BY_PART } from "../src/metric-catalog.ts"
import { describeWithNats, LocalNatsServer } from "#engine/testing"
import { join } from "node:path"
import { DASHBOARDS } from "../src/dashboards.ts"
import { metricsRead, partOf } from "../src/metric-names.ts"
import type { DashboardSpec, PanelSpec } from "../src/panels.ts"
import { JOBS, prometheusConfig, RULE_FILES, type Job } from "../src/stack/prometheus-config.ts"
import { PARTS, startPart, stopPart, type RunningPart } from "./support/parts.ts"
import { describeWithPrometheus, freePort, LocalPrometheus, promtool } from "./support/local-prometheus.ts"

/** Scrape and rule evaluation interval: short, so that a few seconds of traffic make rates. */
const SCRAPE_INTERVAL = "1s"
/** What Grafana would make `$__rate_interval` for this range: it must cover the traffic. */
const RATE_INTERVAL = "30s"
/** Scrapes to wait for after the traffic, so that the last figures and the rules are in. */
const SETTLE_MS = 5_000
const SHIPPED_RULES = Object.values(RULE_FILES).map((f) => join(import.meta.dirname, "../prometheus", f))

/**
 * prom-client's default metrics name three gauges `nodejs_active_*_total`, which promtool's
 * linter flags; they are upstream's names and no dashboard reads them. Any other finding fails.
 */
const PROM_CLIENT_LINT = /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describeWithPrometheus("dashboards on a running stack", () => {
  describeWithNats("engine, api and simulator scraped by Prometheus", () => {
    let nats: LocalNatsServer | undefined
    let prometheus: LocalPrometheus | undefined
    let parts: ReadonlyArray<RunningPart> = []
    const expositions = new Map<Job, string>()
    const variables = new Map<string, ReadonlyArray<string>>()
    const report: Array<string> = []

    const running = () => parts.flatMap((p) => (p.ok ? [p] : []))
    const failed = (job: Job) => parts.find((p) => p.job === job && !p.ok) as { reason: string } | undefined

    beforeAll(async () => {
      nats = await LocalNatsServer.start()
      // Prometheus first, with every part's port chosen in advance: it scrapes each part from
      // the moment it is up, so that a replay that starts with its process is seen whole.
      const ports = new Map<Job, number>()
      for (const spec of PARTS) ports.set(spec.job, await freePort())
      const targets = Object.fromEntries([...ports].map(([job, port]) => [job, `127.0.0.1:${port}`]))
      prometheus = await LocalPrometheus.start(prometheusConfig({ targets, scrapeInterval: SCRAPE_INTERVAL, ruleFiles: SHIPPED_RULES }))
      // One after another: two cores, and each start is CPU-bound (type stripping, module load).
      const started: Array<RunningPart> = []
      for (const spec of PARTS) started.push(await startPart(spec, nats.url, prometheus.url, ports.get(spec.job)!))
      parts = started
      await Promise.all(running().map((p) => p.spec.drive?.(p.ctx)))
      await sleep(SETTLE_MS)
      for (const p of running()) expositions.set(p.job, await (await fetch(`http://127.0.0.1:${p.ctx.port}/metrics`)).text())
      for (const dashboard of DASHBOARDS) {
        for (const v of dashboard.variables) variables.set(v.name, await prometheus.labelValues(v.labelName, v.metric))
      }
    }, 180_000)

    afterAll(async () => {
      if (report.length > 0) console.log(`\nPanels evaluated through Prometheus:\n${report.join("\n")}\n`)
      for (const p of parts) await stopPart(p)
      await prometheus?.dispose()
      await nats?.dispose()
    }, 60_000)

    it.each(JOBS)("%s starts with its real command", (job) => {
      expect(failed(job)?.reason, `${job}: ${failed(job)?.reason}`).toBeUndefined()
    })

    it.each(JOBS)("%s: /metrics passes `promtool check metrics` and exports its METRIC_NAMES", async (job) => {
      const text = expositions.get(job)
      if (text === undefined) throw new Error(`${job} is not running: ${failed(job)?.reason ?? "not started"}`)
      const lint = await promtool(["check", "metrics"], { stdin: text })
      const findings = `${lint.stdout}${lint.stderr}`.split("\n").filter((line) => line.trim() !== "" && !PROM_CLIENT_LINT.test(line))
      expect(findings, `promtool check metrics on ${job} (exit ${lint.code})`).toEqual([])
      const exported = exportedNames(text)
      const expected = [...Object.values(METRIC_NAMES_BY_PART[job]), ...Object.values(METRIC_NAMES_BY_PART.runtime)]
      expect(expected.filter((name) => !exported.has(name))).toEqual([])
    })

    it("Prometheus scrapes every running part", async () => {
      const jobs = new Set<string>(running().map((p) => p.job))
      const targets = (await prometheus!.targets()).filter((t) => jobs.has(t.job))
      expect(targets.filter((t) => t.health !== "up").map((t) => `${t.job} ${t.scrapeUrl}: ${t.health} ${t.lastError}`)).toEqual([])
      expect(targets.map((t) => t.job).sort()).toEqual([...jobs].sort())
    })

    it("the shipped recording and alerting rules evaluate without errors", async () => {
      const rules = await prometheus!.rules()
      expect(rules.length).toBeGreaterThan(0)
      expect(rules.filter((r) => r.health === "err").map((r) => `${r.name}: ${r.lastError}`)).toEqual([])
    })

    for (const dashboard of DASHBOARDS) {
      it.each(dashboard.variables.map((v) => [v.name, v] as const))(`${dashboard.title}: $%s lists values`, (_, v) => {
        const owner = partOf(v.metric)
        const missing = owner === undefined || owner === "runtime" ? undefined : failed(owner)
        expect(variables.get(v.name)?.length ?? 0, missing === undefined ? `label_values(${v.metric}, ${v.labelName}) is empty` : `needs ${owner}, which did not start: ${missing.reason}`).toBeGreaterThan(0)
      })

      const panels = dashboard.rows.flatMap((r) => r.panels)
      it.each(panels.map((p) => [p.title, p] as const))(`${dashboard.title} / %s: every query parses and returns data`, async (_, panel) => {
        const problems: Array<string> = []
        let series = 0
        for (const query of panel.queries) {
          const expr = substitute(query.expr, dashboard)
          const needs = [...metricsRead(expr)].map(partOf).filter((part): part is Job => part !== undefined && part !== "runtime")
          const absent = [...new Set(needs)].flatMap((part) => {
            const f = failed(part)
            return f === undefined ? [] : [`needs ${part}, which did not start: ${f.reason.split("\n")[0]}`]
          })
          let result
          try {
            result = await prometheus!.query(expr)
          } catch (e) {
            problems.push(`${expr}\n  does not evaluate: ${(e as Error).message}`)
            continue
          }
          series += result.length
          if (result.length > 0) continue
          if (absent.length > 0) problems.push(`${expr}\n  no data: ${absent.join("; ")}`)
          else problems.push(...noDataProblem(expr, panel))
        }
        report.push(`${series > 0 ? "DATA " : problems.length === 0 ? "EMPTY" : "FAIL "} ${dashboard.title} / ${panel.title} (${series} series)`)
        expect(problems, problems.join("\n")).toEqual([])
      })
    }

    /** An empty answer: accepted for event panels whose metrics a running part exports. */
    const noDataProblem = (expr: string, panel: PanelSpec): Array<string> => {
      const exported = new Set([...expositions.values()].flatMap((text) => [...exportedNames(text)]))
      const unexported = [...metricsRead(expr)].filter((m) => !exported.has(m))
      if (unexported.length > 0) return [`${expr}\n  no running part exports ${unexported.join(", ")}`]
      if (panel.emptyWhenHealthy !== undefined) return []
      return [`${expr}\n  returned no data (its metrics are exported, but no series matched)`]
    }

    /** The query Grafana would send: variables as the values Prometheus lists for them (all of them). */
    const substitute = (expr: string, dashboard: DashboardSpec) => {
      let out = expr.replaceAll("$__rate_interval", RATE_INTERVAL)
      for (const v of dashboard.variables) {
        const values = variables.get(v.name) ?? []
        out = out.replaceAll(`$${v.name}`, values.length === 0 ? ".*" : `(${values.join("|")})`)
      }
      return out
    }
  })
})

/** Metric families an exposition declares (`# HELP`), samples or not: a labelled counter has none until its first event. */
const exportedNames = (text: string): ReadonlySet<string> =>
  new Set([...text.matchAll(/^# HELP (\S+)/gm)].map((m) => m[1]!))
