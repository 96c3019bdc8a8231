// The report page's plots, run in the browser with Observable Plot (and d3) inlined before it.
// Plain browser JavaScript, not TypeScript: it is copied verbatim into the HTML by
// html-report.ts. It reads the JSON written into #report-data and draws into the containers
// named in that file; a plot that fails shows its error in place and on the console.
// Two policies' lines mostly sit on top of each other, so each comparison also gets a plot of
// the difference or paired bars; tails get a log axis.
/* global Plot */
"use strict"
;(function () {
  const data = JSON.parse(document.getElementById("report-data").textContent)
  const runs = data.runs
  const policies = runs.map((r) => r.policy)
  const compare = runs.length === 2
  const color = { domain: policies, legend: policies.length > 1 }
  // `plotHour` is the local wall clock written as UTC, so Plot's UTC axis reads local hours.
  // An hour's figures are drawn over (bars) or at the middle of (points) the part of it that
  // was measured, `plotFrom`-`plotTo`, and every hourly plot spans the same time: from the
  // first hour's start to the window's end.
  const hourOf = (h) => new Date(h.plotHour)
  const middleOf = (h) => new Date((Date.parse(h.plotFrom) + Date.parse(h.plotTo)) / 2)
  const hourText = (date) => date.toISOString().slice(11, 16)
  const hours = runs[0].hourly
  const hourAxis = {
    type: "utc",
    label: `hour (${data.timeZone})`,
    domain: [hourOf(hours[0]), new Date(hours[hours.length - 1].plotTo)]
  }
  const signed = (value, digits) => `${value > 0 ? "+" : value < 0 ? "−" : "±"}${Math.abs(value).toFixed(digits)}`

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

  // Demand: trips requested (grey; the policies replay the same trips) and matched per hour
  // (a line per policy), as rates, so that a partial hour (the window's first or last) is not
  // drawn as a drop; hollow dots mark those hours.
  mount("plot-demand", () => {
    const point = (h, value, policy) => ({ hour: hourOf(h), middle: middleOf(h), value, policy, partial: h.partial, minutes: h.minutes })
    const requested = runs[0].hourly.map((h) => point(h, h.requestsPerHour, null)).filter((d) => d.value !== null)
    const matched = runs.flatMap((r) => r.hourly.map((h) => point(h, h.matchedPerHour, r.policy))).filter((d) => d.value !== null)
    const title = (d) => `${d.policy === null ? "requested" : `matched · ${d.policy}`}, ${hourText(d.hour)}: ${d.value} per hour` +
      (d.partial ? `\npartial hour: ${d.minutes} of 60 minutes measured, scaled to per hour` : "")
    const dots = (rows, stroke) => [
      Plot.dot(rows.filter((d) => !d.partial), { x: "middle", y: "value", fill: stroke, r: 3, title, tip: true }),
      Plot.dot(rows.filter((d) => d.partial), { x: "middle", y: "value", stroke, fill: "white", r: 4, title, tip: true, ariaDescription: "partial hour" })
    ]
    return Plot.plot({
      title: "Trips per hour: requested (grey) and matched",
      width: 640, height: 260,
      x: hourAxis,
      y: { grid: true, label: "trips per hour" },
      color,
      marks: [
        Plot.lineY(requested, { x: "middle", y: "value", stroke: "#999" }),
        ...dots(requested, "#999"),
        // Series are named explicitly (z) so that a run of an hour or two is not taken for
        // quantitative data (Plot warns on the console).
        Plot.lineY(matched, { x: "middle", y: "value", stroke: "policy", z: "policy" }),
        ...dots(matched, "policy"),
        Plot.ruleY([0])
      ]
    })
  })
  mount("plot-supply", () => {
    const rows = runs.flatMap((r) =>
      r.hourly.flatMap((h) => [
        { hour: middleOf(h), value: h.driversBusy, series: "busy", policy: r.policy },
        { hour: middleOf(h), value: h.driversIdle, series: "idle", policy: r.policy }
      ]))
    return Plot.plot({
      title: "Supply per hour (mean drivers on duty, busy and idle)",
      width: 640, height: 260,
      x: hourAxis,
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

  // Two policies, hour by hour: second minus first, one small bar chart per figure.
  if (compare) {
    mount("plot-hourly-diff", () => {
      const [a, b] = runs
      const figures = [
        { title: "Matched trips per hour", label: "trips per hour", value: (h) => h.matchedPerHour, digits: 1 },
        { title: "Mean rider wait to pickup", label: "seconds", value: (h) => h.pickupWaitMeanSeconds, digits: 1 },
        { title: "Driver utilisation", label: "percentage points", value: (h) => (h.utilisation === null ? null : h.utilisation * 100), digits: 2 }
      ]
      const figure = document.createElement("div")
      figure.className = "plot-row"
      for (const f of figures) {
        const rows = a.hourly.flatMap((h, i) => {
          const first = f.value(h), second = f.value(b.hourly[i])
          return first === null || second === null ? [] : [{ hour: hourOf(h), from: new Date(h.plotFrom), to: new Date(h.plotTo), value: second - first }]
        })
        // All zero: Plot would make a zero-height domain of it.
        const flat = rows.every((d) => d.value === 0)
        const chart = document.createElement("div")
        chart.append(Plot.plot({
          title: `${f.title}, ${b.policy} − ${a.policy}`,
          width: 420, height: 220,
          x: hourAxis,
          y: { grid: true, label: f.label, domain: flat ? [-1, 1] : undefined },
          marks: [
            Plot.rectY(rows, { x1: "from", x2: "to", y: "value", fill: "#6a51a3", inset: 2, title: (d) => `${hourText(d.hour)}: ${signed(d.value, f.digits)} ${f.label}`, tip: true }),
            Plot.ruleY([0])
          ]
        }))
        figure.append(chart)
      }
      return figure
    })
  }

  // The wait's tail: share of riders still waiting after x minutes (1 − CDF), log axis, from
  // the 30 s histogram (its last bin is open-ended: the curve stops where it starts).
  mount("plot-waits", () => {
    const rows = runs.flatMap((r) => {
      const counts = r.waitHistogram.pickupWait, bin = r.waitHistogram.binSeconds
      const total = counts.reduce((sum, n) => sum + n, 0)
      let longer = total
      const points = [{ minutes: 0, share: 1, riders: total, policy: r.policy }]
      counts.slice(0, -1).forEach((n, i) => {
        longer -= n
        points.push({ minutes: ((i + 1) * bin) / 60, share: longer / total, riders: longer, policy: r.policy })
      })
      return total === 0 ? [] : points.filter((p) => p.riders > 0)
    })
    return Plot.plot({
      title: "Rider wait to pickup: share still waiting after x minutes",
      width: 560, height: 260,
      x: { label: "minutes since request" },
      y: { type: "log", grid: true, label: "share of riders (log)", tickFormat: "%" },
      color,
      marks: [
        Plot.lineY(rows, { x: "minutes", y: "share", stroke: "policy", z: "policy" }),
        Plot.dot(rows, { x: "minutes", y: "share", fill: "policy", r: 2, title: (d) => `${d.policy}: ${d.riders} riders (${(d.share * 100).toPrecision(2)}%) waited over ${d.minutes} min`, tip: true })
      ]
    })
  })

  // Mean and percentiles of the rider's wait, the policies' bars side by side; with two, each
  // statistic's label carries the difference.
  mount("plot-wait-stats", () => {
    const stats = ["mean", "p50", "p90", "p99"]
    const rows = runs.flatMap((r) => stats.map((stat) => ({ stat, policy: r.policy, seconds: r.pickupWait[stat] }))).filter((d) => d.seconds !== null)
    const differenceOf = (stat) => {
      const [a, b] = runs.map((r) => r.pickupWait[stat])
      return a === null || b === null ? "" : ` (${signed(b - a, 1)} s)`
    }
    return Plot.plot({
      title: `Rider wait to pickup: mean and percentiles${compare ? `, ${policies[1]} − ${policies[0]} in brackets` : ""}`,
      width: 460, height: 260,
      fx: { domain: stats, label: null, tickFormat: (stat) => (compare ? `${stat}${differenceOf(stat)}` : stat) },
      x: { axis: null, domain: policies },
      y: { grid: true, label: "seconds" },
      color,
      marks: [
        Plot.barY(rows, { fx: "stat", x: "policy", y: "seconds", fill: "policy", title: (d) => `${d.policy} ${d.stat}: ${d.seconds} s`, tip: true }),
        Plot.text(rows, { fx: "stat", x: "policy", y: "seconds", text: (d) => Math.round(d.seconds), dy: -6, fontSize: 9 }),
        Plot.ruleY([0])
      ]
    })
  })

  // Utilisation over the day: share of on-duty time driving to or with a rider.
  mount("plot-utilisation", () => {
    const rows = runs.flatMap((r) => r.hourly.filter((h) => h.utilisation !== null).map((h) => ({ hour: middleOf(h), utilisation: h.utilisation, policy: r.policy })))
    return Plot.plot({
      title: "Driver utilisation per hour",
      width: 560, height: 260,
      x: hourAxis,
      y: { grid: true, label: "utilisation", domain: [0, 1], tickFormat: "%" },
      color,
      marks: [Plot.lineY(rows, { x: "hour", y: "utilisation", stroke: "policy", z: "policy", marker: "dot", tip: true })]
    })
  })

  // Maps: trips requested per H3 cell, mean pickup wait per policy, their difference for two;
  // each over the market's streets, with a distance scale and a tooltip per cell (the cell,
  // its trips, its waits).
  const cells = data.cells
  const scaleBar = cells.scale === null
    ? []
    : [
      Plot.geo({ type: "LineString", coordinates: [cells.scale.from, cells.scale.to] }, { stroke: "#222", strokeWidth: 3, ariaDescription: "map scale" }),
      Plot.text([cells.scale], { x: (d) => (d.from[0] + d.to[0]) / 2, y: (d) => d.from[1], text: "label", dy: -9, stroke: "white", fill: "#222", ariaDescription: "map scale label" })
    ]
  // The streets under the cells (basemap.ts): per road class a MultiLineString decoded from
  // delta-coded integer steps, clipped to the map, bigger roads wider and darker and drawn
  // over smaller ones (the layers come biggest first, so they are drawn reversed). The cells
  // are drawn over the streets, see-through, and the data's attribution (ODbL) in a corner.
  const basemap = data.basemap
  const STREET_STYLE = {
    motorway: [1.6, "#555"], trunk: [1.4, "#666"], primary: [1.2, "#777"], secondary: [0.9, "#888"], tertiary: [0.7, "#999"],
    unclassified: [0.4, "#aaa"], residential: [0.4, "#aaa"]
  }
  const decode = (line) => {
    const points = []
    let x = 0, y = 0
    for (let i = 0; i < line.length; i += 2) {
      x += line[i]
      y += line[i + 1]
      points.push([x * basemap.step, y * basemap.step])
    }
    return points
  }
  const streetMarks = basemap === null
    ? []
    : basemap.layers.filter((layer) => layer.lines.length > 0).reverse().map((layer) => {
      const [strokeWidth, stroke] = STREET_STYLE[layer.roadClass]
      return Plot.geo({ type: "MultiLineString", coordinates: layer.lines.map(decode) }, { stroke, strokeWidth, clip: true, ariaDescription: `streets: ${layer.roadClass}` })
    })
  const attribution = basemap === null
    ? []
    : [Plot.text([basemap.attribution], { frameAnchor: "bottom-right", text: (d) => d, dx: -3, dy: -3, fontSize: 9, fill: "#333", stroke: "white", strokeWidth: 3, ariaDescription: "map attribution" })]
  const cellMap = (features, title, colorScale, ariaDescription) =>
    Plot.plot({
      title,
      width: 420, height: 420,
      projection: { type: "mercator", domain: { type: "FeatureCollection", features: cells.extent } },
      color: { ...colorScale, legend: true, clamp: true },
      marks: [
        ...streetMarks,
        Plot.geo(features, {
          fill: (f) => f.properties.value,
          fillOpacity: basemap === null ? 1 : 0.7,
          z: null,
          stroke: "white",
          strokeWidth: 0.3,
          title: (f) => f.properties.title,
          tip: true,
          ariaDescription
        }),
        ...scaleBar,
        ...attribution
      ]
    })
  mount("plot-map-trips", () => cellMap(cells.trips, "Trips requested per H3 cell", { type: "log", scheme: "blues", label: "trips requested" }, "trips per cell"))
  runs.forEach((r, i) => {
    mount(`plot-map-${i}`, () =>
      cellMap(cells.byPolicy[r.policy], `Mean pickup wait by H3 cell · ${r.policy}`, { type: "linear", scheme: "ylorrd", label: "seconds", domain: cells.waitDomain }, "pickup wait per cell"))
  })
  if (cells.difference !== null) {
    mount("plot-map-diff", () =>
      cellMap(cells.difference.features, cells.difference.title, { type: "linear", scheme: "rdbu", label: "seconds", domain: cells.difference.domain, reverse: true }, "pickup wait difference per cell"))
  }
  document.body.dataset.plotsDone = "true"
})()
