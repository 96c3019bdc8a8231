// The report page's plots, run in the browser with Observable Plot (and d3) inlined before it.
// Plain browser JavaScript, not TypeScript: it is copied verbatim into the HTML by
// html-report.ts. It reads the JSON written into #report-data and draws into the containers
// named in that file; a plot that fails shows its error in place and on the console.
/* global Plot, d3 */
"use strict"
;(function () {
  const data = JSON.parse(document.getElementById("report-data").textContent)
  const runs = data.runs
  const policies = runs.map((r) => r.policy)
  const color = { domain: policies, legend: policies.length > 1 }
  const hourOf = (h) => new Date(h.localStart)

  const mount = (id, draw) => {
    const el = document.getElementById(id)
    try {
      el.append(draw())
      el.dataset.plotted = "true"
    } catch (e) {
      el.textContent = `plot failed: ${e.message}`
      console.error(e)
    }
  }

  // Demand vs supply: requests and matches per hour; drivers on duty, busy and idle.
  // Series are named explicitly (z) so that a run of an hour or two, with a point or two per
  // series, is not taken for quantitative data (Plot warns on the console).
  mount("plot-demand", () => {
    const rows = runs.flatMap((r) =>
      r.hourly.flatMap((h) => [
        { hour: hourOf(h), value: h.requests, key: `requests · ${r.policy}` },
        { hour: hourOf(h), value: h.matched, key: `matched · ${r.policy}` }
      ]))
    return Plot.plot({
      title: "Demand per hour",
      width: 640, height: 260,
      x: { type: "utc", label: `hour (${data.timeZone})` },
      y: { grid: true, label: "trips per hour" },
      color: { legend: true },
      marks: [
        Plot.lineY(rows, { x: "hour", y: "value", stroke: "key", z: "key", marker: "dot", tip: true }),
        Plot.ruleY([0])
      ]
    })
  })
  mount("plot-supply", () => {
    const rows = runs.flatMap((r) =>
      r.hourly.flatMap((h) => [
        { hour: hourOf(h), value: h.driversBusy, series: "busy", policy: r.policy },
        { hour: hourOf(h), value: h.driversIdle, series: "idle", policy: r.policy }
      ]))
    return Plot.plot({
      title: "Supply per hour (mean drivers on duty, busy and idle)",
      width: 640, height: 260,
      x: { type: "utc", label: `hour (${data.timeZone})` },
      y: { grid: true, label: "drivers" },
      fx: { label: null },
      color: { legend: true },
      facet: { data: rows, x: "policy" },
      marks: [
        Plot.areaY(rows, Plot.stackY({ x: "hour", y: "value", fill: "series", z: "series", tip: true })),
        Plot.ruleY([0])
      ]
    })
  })

  // Wait distribution: riders per 30 s bin of pickup wait (request -> driver at pickup).
  mount("plot-waits", () => {
    const rows = runs.flatMap((r) =>
      r.waitHistogram.pickupWait.map((riders, i) => ({ minutes: (i * r.waitHistogram.binSeconds) / 60, riders, policy: r.policy })))
    return Plot.plot({
      title: "Rider wait (request to pickup)",
      width: 640, height: 260,
      x: { label: "minutes (last bin: longer)" },
      y: { grid: true, label: "riders" },
      color,
      marks: [Plot.lineY(rows, { x: "minutes", y: "riders", stroke: "policy", z: "policy", curve: "step-after", tip: true }), Plot.ruleY([0])]
    })
  })

  // Utilisation over the day: share of on-duty time driving to or with a rider.
  mount("plot-utilisation", () => {
    const rows = runs.flatMap((r) => r.hourly.filter((h) => h.utilisation !== null).map((h) => ({ hour: hourOf(h), utilisation: h.utilisation, policy: r.policy })))
    return Plot.plot({
      title: "Driver utilisation per hour",
      width: 640, height: 260,
      x: { type: "utc", label: `hour (${data.timeZone})` },
      y: { grid: true, label: "utilisation", domain: [0, 1], tickFormat: "%" },
      color,
      marks: [Plot.lineY(rows, { x: "hour", y: "utilisation", stroke: "policy", z: "policy", marker: "dot", tip: true })]
    })
  })

  // Maps: mean pickup wait by H3 cell, one per policy, and the difference for two.
  const waitMap = (features, title, scheme, label, domain, reverse) =>
    Plot.plot({
      title,
      width: 420, height: 420,
      projection: { type: "mercator", domain: { type: "FeatureCollection", features: data.cells.extent } },
      color: { type: "linear", scheme, legend: true, label, domain, reverse, clamp: true },
      marks: [
        Plot.geo(features, { fill: (f) => f.properties.value, z: null, stroke: "white", strokeWidth: 0.3, title: (f) => f.properties.title, tip: true })
      ]
    })
  runs.forEach((r, i) => {
    mount(`plot-map-${i}`, () => waitMap(data.cells.byPolicy[r.policy], `Mean pickup wait by H3 cell · ${r.policy}`, "ylorrd", "seconds", data.cells.waitDomain, false))
  })
  if (data.cells.difference !== null) {
    mount("plot-map-diff", () => waitMap(data.cells.difference.features, data.cells.difference.title, "rdbu", "seconds", data.cells.difference.domain, true))
  }
  document.body.dataset.plotsDone = "true"
})()
