/**
 * The HTML report is one self-contained file: it parses as HTML with the plots' containers,
 * carries its data as JSON that round-trips the KPIs, inlines the plotting library and loads
 * nothing from the network; its times are the market's and say so. (browser.test.ts loads it
 * in a real browser.)
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { comparisonReport, PLOT_CONTAINERS } from "./report-fixture.ts"

describe("HTML report", () => {
  it.effect("has the plot containers, the data, the library, and no network reference", () =>
    Effect.gen(function*() {
      const { runs, html } = yield* comparisonReport
      assert.match(html, /^<!doctype html>/)
      for (const id of PLOT_CONTAINERS) assert.include(html, `id="${id}"`)
      const json = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html)
      assert.isNotNull(json)
      const data = JSON.parse(json![1]!) as { runs: Array<{ policy: string; hourly: Array<{ requests: number }> }>; cells: { byPolicy: Record<string, Array<unknown>> } }
      assert.deepStrictEqual(data.runs.map((r) => r.policy), ["greedy", "batch"])
      assert.deepStrictEqual(data.runs[0]!.hourly.map((h) => h.requests), runs[0]!.kpis.hourly.map((h) => h.requests))
      assert.strictEqual(data.cells.byPolicy["batch"]!.length, runs[1]!.kpis.cells.cells.length)
      assert.include(html, "@observablehq/plot v0.6.17")
      assert.notMatch(html, /<(script|link|img)[^>]+(src|href)=["']?https?:/i)
      // Every <script> element closes once: nothing inlined ends one early.
      assert.strictEqual(html.match(/<script/gi)!.length, html.match(/<\/script>/gi)!.length)
      assert.include(html, "match rate")
      assert.include(html, "2008-05-31 17:00 → 17:33 PDT (America/Los_Angeles)")
      assert.include(html, "Times are local to the market (America/Los_Angeles).")
      assert.match(html, /<p class="note" id="partial-hours">[^<]*2008-05-31 17:00 PDT \(33\.3 min\)/)
      // The streets under the maps: compact (the size is in docs/simulator.md), attributed.
      const basemap = JSON.parse(json![1]!).basemap as { attribution: string; step: number; layers: Array<{ roadClass: string; lines: Array<Array<number>> }> }
      assert.strictEqual(basemap.attribution, "© OpenStreetMap contributors")
      assert.isAbove(basemap.layers.find((l) => l.roadClass === "primary")!.lines.length, 10)
      assert.isBelow(JSON.stringify(basemap).length, 250_000)
      // Decoded, every point is in SF.
      for (const line of basemap.layers.flatMap((l) => l.lines)) {
        let x = 0, y = 0
        for (let i = 0; i < line.length; i += 2) {
          x += line[i]!
          y += line[i + 1]!
          assert.isTrue(Math.abs(x * basemap.step + 122.45) < 0.2 && Math.abs(y * basemap.step - 37.77) < 0.2, `${x},${y} in SF`)
        }
      }
    }))
})
