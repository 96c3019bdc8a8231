/**
 * Sanity of the generated dashboards, read as Grafana will read them (the JSON model): unique
 * uids and panel ids, every panel self-explaining (title, description, unit) and bound to the
 * provisioned data source, and every query naming only metrics that METRIC_NAMES (or a
 * recording rule) defines.
 */
import { BREAKER_STATE_VALUES } from "#api"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { ALERT_RULES } from "../src/alert-rules.ts"
import { DASHBOARDS } from "../src/dashboards.ts"
import { PROMETHEUS_DATASOURCE } from "../src/datasource.ts"
import { DEFAULT_ERROR_RATIO_QUERY, DEFAULT_LATENCY_QUERY } from "#api"
import { seriesNamesIn, unknownNamesIn } from "../src/metric-names.ts"
import { buildDashboard } from "../src/panels.ts"
import { RECORDING_RULES } from "../src/recording-rules.ts"

interface PanelJson {
  readonly type: string
  readonly id?: number
  readonly title?: string
  readonly description?: string
  readonly datasource?: { readonly uid?: string; readonly type?: string }
  readonly fieldConfig?: { readonly defaults?: { readonly unit?: string; readonly mappings?: ReadonlyArray<{ readonly options: Record<string, { text: string }> }> } }
  readonly targets?: ReadonlyArray<{ readonly expr?: string; readonly refId?: string; readonly datasource?: { readonly uid?: string } }>
}

const built = DASHBOARDS.map((spec) => ({ spec, json: buildDashboard(spec) as unknown as { uid: string; title: string; panels: ReadonlyArray<PanelJson>; templating: { list: ReadonlyArray<{ name: string; query: unknown }> } } }))
const panels = built.flatMap(({ json }) => json.panels.filter((p) => p.type !== "row").map((panel) => ({ dashboard: json.title, panel })))

describe("dashboards", () => {
  it("have unique uids and titles", () => {
    expect(new Set(built.map((d) => d.json.uid)).size).toBe(built.length)
    expect(new Set(built.map((d) => d.json.title)).size).toBe(built.length)
  })

  it.each(built.map((d) => [d.json.title, d.json] as const))("%s: panel ids are unique, panel titles too", (_, json) => {
    const ids = json.panels.map((p) => p.id)
    expect(ids.every((id) => typeof id === "number")).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    const titles = json.panels.filter((p) => p.type !== "row").map((p) => p.title)
    expect(new Set(titles).size).toBe(titles.length)
  })

  it.each(panels.map((p) => [`${p.dashboard} / ${p.panel.title}`, p.panel] as const))("%s: has a title, a question, a unit, the data source and queries", (_, panel) => {
    expect(panel.title).toBeTruthy()
    expect(panel.description, "the description says which question the panel answers").toMatch(/\?/)
    expect(panel.fieldConfig?.defaults?.unit).toBeTruthy()
    expect(panel.datasource).toEqual(PROMETHEUS_DATASOURCE)
    expect(panel.targets?.length).toBeGreaterThan(0)
    for (const target of panel.targets ?? []) {
      expect(target.datasource?.uid).toBe(PROMETHEUS_DATASOURCE.uid)
      expect(target.refId).toMatch(/^[A-Z]$/)
      expect(unknownNamesIn(target.expr ?? ""), `${target.expr}`).toEqual([])
    }
  })

  it("template variables list label values of metrics METRIC_NAMES defines", () => {
    for (const { json } of built) {
      for (const variable of json.templating.list) {
        expect(variable.query).toMatch(/^label_values\(\w+, \w+\)$/)
        expect(unknownNamesIn(String(variable.query).replace(/^label_values\((\w+),.*$/, "$1"))).toEqual([])
      }
    }
  })

  it("every dashboard variable is used by its panels, and every `$var` a panel uses is defined", () => {
    for (const { json } of built) {
      const defined = new Set(json.templating.list.map((v) => v.name))
      const exprs = json.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ""))
      const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\$(\w+)/g)].map((m) => m[1]!)).filter((n) => !n.startsWith("__")))
      expect([...used].sort()).toEqual([...defined].sort())
    }
  })

  it("the breaker state timeline maps every BREAKER_STATE_VALUES value to its name", () => {
    const timeline = panels.find((p) => p.panel.type === "state-timeline" && p.panel.title === "Breaker state")?.panel
    const options = timeline?.fieldConfig?.defaults?.mappings?.[0]?.options ?? {}
    expect(Object.fromEntries(Object.entries(options).map(([value, o]) => [o.text, Number(value)]))).toEqual(BREAKER_STATE_VALUES)
  })
})

describe("rules", () => {
  it.each([...RECORDING_RULES.map((r) => [r.record, r.expr] as const), ...ALERT_RULES.map((r) => [r.alert, r.expr] as const)])("%s names only defined metrics", (_, expr) => {
    expect(unknownNamesIn(expr)).toEqual([])
  })

  it.each([["error ratio", DEFAULT_ERROR_RATIO_QUERY], ["latency", DEFAULT_LATENCY_QUERY]])("the gateway's default fleet-health %s query reads only recorded or defined series", (_, query) => {
    const expr = query.replaceAll("$region", "us-east")
    expect(unknownNamesIn(expr)).toEqual([])
    expect(seriesNamesIn(expr).every((name) => RECORDING_RULES.some((r) => r.record === name))).toBe(true)
  })

  it("every alert has a severity, a summary and a runbook line", () => {
    for (const rule of ALERT_RULES) {
      expect(["critical", "warning"]).toContain(rule.severity)
      expect(rule.summary.length).toBeGreaterThan(10)
      expect(rule.runbook).not.toMatch(/\n/)
      expect(rule.runbook.length).toBeGreaterThan(40)
    }
  })
})

describe("docs/dashboards.md", () => {
  const doc = readFileSync(join(import.meta.dirname, "../../docs/dashboards.md"), "utf8")

  it("names every dashboard, every panel and every alert", () => {
    const names = [...DASHBOARDS.flatMap((d) => [d.title, ...d.rows.flatMap((r) => r.panels.map((p) => p.title))]), ...ALERT_RULES.map((r) => r.alert)]
    expect(names.filter((name) => !doc.includes(name))).toEqual([])
  })
})
