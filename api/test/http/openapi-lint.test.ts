/**
 * `/openapi.json` is clean under Redocly's recommended ruleset: the document the gateway serves
 * (HttpApiBuilder answers `OpenApi.fromApi(DispatchApi)`; gateway-http.test.ts checks that the
 * served one is this one) is linted by the real `redocly lint`, and any error or warning fails.
 */
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { OpenApi } from "effect/http-api"
import { afterAll, expect, it } from "vitest"
import { DispatchApi } from "../../src/http/api.ts"

const redocly = fileURLToPath(import.meta.resolve("@redocly/cli/bin/cli.js"))
const dir = mkdtempSync(join(tmpdir(), "dispatch-openapi-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface LintReport {
  readonly totals: { readonly errors: number; readonly warnings: number }
  readonly problems: ReadonlyArray<{ readonly ruleId: string; readonly severity: string; readonly message: string; readonly location: ReadonlyArray<{ readonly pointer: string }> }>
}

const lint = (file: string) =>
  new Promise<LintReport>((resolve, reject) => {
    // Run by this Node (24): the CLI's shebang would take whatever `node` is first on the PATH.
    // Telemetry and the update check would reach the network; a test has no business there.
    execFile(process.execPath, [redocly, "lint", file, "--format=json"], {
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
      timeout: 50_000,
      maxBuffer: 16 * 1024 * 1024
    }, (error, stdout, stderr) => {
      // It exits 1 when it finds errors; the JSON report on stdout says which.
      try {
        resolve(JSON.parse(stdout) as LintReport)
      } catch {
        reject(error ?? new Error(`redocly lint printed no JSON report: ${stderr}`))
      }
    })
  })

it("the OpenAPI document has no error and no warning under redocly lint (recommended)", async () => {
  const file = join(dir, "openapi.json")
  writeFileSync(file, JSON.stringify(OpenApi.fromApi(DispatchApi)))
  const report = await lint(file)
  const problems = report.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`)
  expect(problems).toEqual([])
  expect(report.totals).toMatchObject({ errors: 0, warnings: 0 })
}, 60_000)
