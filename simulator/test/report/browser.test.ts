/**
 * The report in a real browser: headless Chromium (Debian package `chromium`) loads the file
 * offline, every plot is drawn, nothing reaches the console, and what the report promises is
 * there: the wait tail on a log axis, paired bars of the wait percentiles, the hourly
 * differences, partial hours marked, a trips-per-cell map, a distance scale, the streets under
 * the cells and their OpenStreetMap attribution on every map, and
 * tooltips that name the cell under the pointer with its trips and waits. Without Chromium the
 * test is skipped with a notice, except under CI=true where it fails. `CHROMIUM_BIN` names
 * another binary.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type ChromiumPage, openPage } from "./chromium-page.ts"
import { comparisonReport, MAP_CONTAINERS, PLOT_CONTAINERS } from "./report-fixture.ts"

const chromium = [process.env["CHROMIUM_BIN"], "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p !== undefined && existsSync(p))
const inCi = process.env["CI"] === "true"
if (chromium === undefined && !inCi) {
  console.warn("\n*** SKIPPING the report's browser test: Chromium is not installed (sudo apt-get install chromium, or set CHROMIUM_BIN) ***\n")
}

/** Polls a page expression until it is true. */
const until = (page: ChromiumPage, expression: string, what: string) =>
  Effect.promise(async () => {
    for (let i = 0; i < 300; i++) {
      if (await page.evaluate<boolean>(expression)) return
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error(`timed out waiting for ${what}`)
  })

const texts = (page: ChromiumPage, selector: string) =>
  Effect.promise(() => page.evaluate<Array<string>>(`[...document.querySelectorAll(${JSON.stringify(selector)})].map((e) => e.textContent)`))

/** Hovers the middle of the first cell of a map and returns the tooltip's text. */
const tooltipOfACell = (page: ChromiumPage, id: string) =>
  Effect.gen(function*() {
    const at = yield* Effect.promise(() =>
      page.evaluate<{ x: number; y: number }>(`(() => {
        const cell = document.querySelector("#${id} g[aria-description] path")
        cell.scrollIntoView({ block: "center" })
        const r = cell.getBoundingClientRect()
        return { x: r.x + r.width / 2, y: r.y + r.height / 2 }
      })()`))
    yield* Effect.promise(() => page.mouseMove(at.x, at.y))
    yield* until(page, `(document.querySelector("#${id} g[aria-label=tip]")?.textContent ?? "") !== ""`, `a tooltip on ${id}`)
    // Plot starts each line of a tip with a zero-width space.
    return (yield* texts(page, `#${id} g[aria-label=tip] tspan`)).map((line) => line.replace(/\u200b/g, "")).join("\n")
  })

describe.skipIf(chromium === undefined && !inCi)("HTML report in headless Chromium", () => {
  it.live("loads offline, draws every plot and what each promises, shows cell tooltips, logs nothing", () =>
    Effect.gen(function*() {
      assert.isDefined(chromium, "CI=true: Chromium must be installed (apt-get install chromium)")
      const { runs, html } = yield* comparisonReport
      const dir = mkdtempSync(join(tmpdir(), "dispatch-report-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const file = join(dir, "report.html")
      writeFileSync(file, html)
      const page = yield* Effect.acquireRelease(Effect.promise(() => openPage(chromium!, `file://${file}`, join(dir, "profile"))), (p) => Effect.sync(() => p.close()))
      yield* until(page, `document.body?.dataset.plotsDone === "true"`, "the page script to finish")

      for (const id of PLOT_CONTAINERS) {
        assert.isTrue(yield* Effect.promise(() => page.evaluate<boolean>(`document.querySelector("#${id}[data-plotted=true] svg") !== null`)), `plot ${id} drawn`)
      }
      // The tail on a log axis: labelled decades with unlabelled ticks between them (a linear axis
      // reads 0%, 20%, ..., all labelled). How far down it goes depends on the run's data.
      const waitTicks = yield* texts(page, "#plot-waits g[aria-label=y-axis\\ tick\\ label] text")
      assert.includeMembers(waitTicks, ["100%", "10%", ""])
      assert.notInclude(waitTicks, "0%")
      // Paired bars: mean, p50, p90, p99 for each policy, each statistic labelled with the difference.
      assert.strictEqual((yield* texts(page, "#plot-wait-stats g[aria-label=bar] rect")).length, 8)
      assert.match((yield* texts(page, "#plot-wait-stats g[aria-label=fx-axis\\ tick\\ label] text")).join(" "), /p99 \([+−±][\d.]+ s\)/)
      // The hourly differences: matched trips, rider wait, utilisation.
      assert.strictEqual((yield* texts(page, "#plot-hourly-diff svg[class^=plot]")).length, 3)
      // The fixture's 33 minutes are a partial hour: hollow dots, and the note saying so.
      assert.isAbove((yield* texts(page, "#plot-demand g[aria-description='partial hour'] circle")).length, 0)
      assert.match((yield* texts(page, "#partial-hours"))[0]!, /2008-05-31 17:00 PDT \(33\.3 min\)/)
      // Trips per cell: a cell shape for every cell with a request.
      assert.strictEqual((yield* texts(page, "#plot-map-trips g[aria-description='trips per cell'] path")).length, runs[0]!.kpis.cells.cells.length)
      for (const id of MAP_CONTAINERS) {
        assert.strictEqual((yield* texts(page, `#${id} g[aria-description='map scale'] path`)).length, 1, `${id}: a scale bar`)
        assert.match((yield* texts(page, `#${id} g[aria-description='map scale label'] text`))[0]!, /^\d+(\.\d+)? k?m$/, `${id}: its length`)
        // The streets under the cells: a drawn path per road class, long ones, before (under) the cells.
        const streets = yield* Effect.promise(() =>
          page.evaluate<Array<{ layer: string; length: number; under: boolean }>>(`[...document.querySelectorAll("#${id} g[aria-description^='streets: '] path")].map((p) => ({
            layer: p.closest("g[aria-description]").getAttribute("aria-description"),
            length: p.getTotalLength(),
            under: (p.compareDocumentPosition(document.querySelector("#${id} g[aria-description*='per cell'] path")) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0
          }))`))
        assert.includeMembers(streets.map((s) => s.layer), ["streets: motorway", "streets: primary", "streets: residential"], `${id}: streets by class`)
        assert.isTrue(streets.every((s) => s.length > 100 && s.under), `${id}: streets drawn, under the cells`)
        assert.deepStrictEqual(yield* texts(page, `#${id} g[aria-description='map attribution'] text`), ["© OpenStreetMap contributors"], `${id}: attribution`)
      }
      // A line each (Plot wraps long ones): the cell, its trips, its waits.
      const wait = "[\\d.]+ s|–"
      assert.match(yield* tooltipOfACell(page, "plot-map-trips"),
        new RegExp(`^8[0-9a-f]{14}\n\\d+ trips requested\ngreedy: \\d+ served, mean wait (${wait})\nbatch: \\d+ served, mean wait (${wait})$`))
      assert.match(yield* tooltipOfACell(page, "plot-map-0"), new RegExp(`^8[0-9a-f]{14}\n\\d+ trips requested, \\d+ served\nmean pickup wait (${wait})$`))
      assert.match(yield* tooltipOfACell(page, "plot-map-diff"),
        /^8[0-9a-f]{14}\n\d+ trips requested\ngreedy: mean pickup wait [\d.]+ s\nbatch: mean pickup wait [\d.]+ s\nbatch − greedy: [+−±][\d.]+ s$/)

      assert.deepStrictEqual(page.messages, [])
    }).pipe(Effect.scoped), 120_000)
})
