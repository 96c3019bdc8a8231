/**
 * The report in a real browser: headless Chromium (Debian package `chromium`) loads the file
 * offline and every plot is drawn, with no console error. Without Chromium the test is skipped
 * with a notice, except under CI=true where it fails. `CHROMIUM_BIN` names another binary.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { comparisonReport, PLOT_CONTAINERS } from "./report-fixture.ts"

const chromium = [process.env["CHROMIUM_BIN"], "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p !== undefined && existsSync(p))
const inCi = process.env["CI"] === "true"
if (chromium === undefined && !inCi) {
  console.warn("\n*** SKIPPING the report's browser test: Chromium is not installed (sudo apt-get install chromium, or set CHROMIUM_BIN) ***\n")
}

const run = (bin: string, args: ReadonlyArray<string>) =>
  Effect.callback<{ stdout: string; stderr: string }, Error>((resume) => {
    execFile(bin, args, { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) =>
      resume(error === null ? Effect.succeed({ stdout, stderr }) : Effect.fail(error)))
  })

describe.skipIf(chromium === undefined && !inCi)("HTML report in headless Chromium", () => {
  it.live("loads offline, draws every plot, logs nothing on the console", () =>
    Effect.gen(function*() {
      assert.isDefined(chromium, "CI=true: Chromium must be installed (apt-get install chromium)")
      const { html } = yield* comparisonReport
      const dir = mkdtempSync(join(tmpdir(), "dispatch-report-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const file = join(dir, "report.html")
      writeFileSync(file, html)
      const { stdout, stderr } = yield* run(chromium!, [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", `--user-data-dir=${join(dir, "profile")}`,
        // No network at all: the report must not need it.
        "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
        "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000", "--dump-dom", `file://${file}`
      ])
      assert.include(stdout, `data-plots-done="true"`, "the page script ran to the end")
      for (const id of PLOT_CONTAINERS) {
        const element = new RegExp(`<div class="plot" id="${id}" data-plotted="true">.*?<svg`, "s")
        assert.match(stdout, element, `plot ${id} drawn`)
      }
      // Chromium logs every console message at one level, so any message fails: the page logs none when all is well.
      const consoleLines = stderr.split("\n").filter((l) => /:CONSOLE|Uncaught/.test(l))
      assert.deepStrictEqual(consoleLines, [])
    }).pipe(Effect.scoped), 120_000)
})
