/**
 * The shipped Prometheus files, checked by Prometheus's own tool: the config and rules parse,
 * and every alert's unit tests (prometheus/tests/*.yml: fires and stays quiet) pass.
 */
import { readdirSync } from "node:fs"
import { join } from "node:path"
import { expect, it } from "vitest"
import { ALERT_RULES } from "../src/alert-rules.ts"
import { alertTestFileName } from "../src/alert-tests.ts"
import { RULE_FILES } from "../src/stack/prometheus-config.ts"
import { describeWithPrometheus, promtool } from "./support/local-prometheus.ts"

const PROMETHEUS_DIR = join(import.meta.dirname, "../prometheus")
const TESTS_DIR = join(PROMETHEUS_DIR, "tests")

const explain = (r: { stdout: string; stderr: string }) => `${r.stdout}\n${r.stderr}`

describeWithPrometheus("promtool", () => {
  it("check config: prometheus.yml and the rule files it names are valid", async () => {
    const result = await promtool(["check", "config", "prometheus.yml"], { cwd: PROMETHEUS_DIR })
    expect(result.code, explain(result)).toBe(0)
  })

  it("check rules: recording and alerting rules are valid", async () => {
    const result = await promtool(["check", "rules", ...Object.values(RULE_FILES)], { cwd: PROMETHEUS_DIR })
    expect(result.code, explain(result)).toBe(0)
  })

  it("every alert has a test file", () => {
    expect(readdirSync(TESTS_DIR).sort()).toEqual(ALERT_RULES.map((r) => alertTestFileName(r.alert)).sort())
  })

  it.each(ALERT_RULES.map((r) => [r.alert, alertTestFileName(r.alert)] as const))("test rules: %s fires and stays quiet as its tests say", async (_, file) => {
    const result = await promtool(["test", "rules", file], { cwd: TESTS_DIR })
    expect(result.code, explain(result)).toBe(0)
  })
})
