/**
 * The report's map data, built in Node: each H3 cell's outline (from h3-js) with what its
 * tooltip says (cell, trips requested, served, mean pickup wait per policy), the trips-per-cell
 * layer, one wait layer per policy, their difference for two policies, and a distance scale bar
 * sized to the mapped area. report-page.js draws them with Plot's `geo` mark.
 */
import { cellToBoundary } from "h3-js"
import type { ReportRun } from "./kpi-table.ts"

interface CellFeature {
  readonly type: "Feature"
  readonly properties: { readonly value: number | null; readonly title: string }
  readonly geometry: { readonly type: "Polygon"; readonly coordinates: ReadonlyArray<ReadonlyArray<readonly [number, number]>> }
}

/** A line of a round length near the bottom left of the map, in lon/lat, and its label. */
interface ScaleBar {
  readonly from: readonly [number, number]
  readonly to: readonly [number, number]
  readonly label: string
}

/**
 * A cell's outline for d3-geo, which reads rings on the sphere and takes a counter-clockwise
 * ring (GeoJSON's order, what h3-js returns) as everything BUT the hexagon: reversed, clockwise.
 */
const polygonOf = (cell: string) => ({ type: "Polygon" as const, coordinates: [(cellToBoundary(cell, true) as Array<[number, number]>).reverse()] })

/** The value near the top of the range (95th percentile), so one outlier cell does not wash out the map. */
const upperDomain = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? 1 : Math.max(1, sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!)
}

/** Lengths a scale bar may take, km. */
const SCALE_LENGTHS_KM = [0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]
const KM_PER_DEGREE_LATITUDE = 111.32

/** The longest round length up to a quarter of the mapped width, from the bottom-left corner. */
const scaleBar = (outlines: ReadonlyArray<ReturnType<typeof polygonOf>>): ScaleBar | null => {
  let west = Infinity, east = -Infinity, south = Infinity
  for (const [lon, lat] of outlines.flatMap((g) => g.coordinates[0]!)) {
    west = Math.min(west, lon)
    east = Math.max(east, lon)
    south = Math.min(south, lat)
  }
  if (west === Infinity) return null
  const kmPerDegreeLongitude = KM_PER_DEGREE_LATITUDE * Math.cos((south * Math.PI) / 180)
  const widthKm = (east - west) * kmPerDegreeLongitude
  const km = SCALE_LENGTHS_KM.findLast((l) => l <= widthKm / 4) ?? SCALE_LENGTHS_KM[0]!
  const start = west + (east - west) * 0.02
  return { from: [start, south], to: [start + km / kmPerDegreeLongitude, south], label: km < 1 ? `${km * 1000} m` : `${km} km` }
}

const seconds = (value: number | null) => (value === null ? "–" : `${value} s`)
const signedSeconds = (value: number) => `${value > 0 ? "+" : value < 0 ? "−" : "±"}${Math.abs(value)} s`

export const reportCells = (runs: ReadonlyArray<ReportRun>) => {
  const geometry = new Map<string, ReturnType<typeof polygonOf>>()
  const shape = (cell: string) => {
    let g = geometry.get(cell)
    if (g === undefined) geometry.set(cell, (g = polygonOf(cell)))
    return g
  }
  const feature = (cell: string, value: number | null, title: string): CellFeature => ({ type: "Feature", properties: { value, title }, geometry: shape(cell) })
  const policies = runs.map((r) => r.kpis.scenario.policy)
  const byCell = runs.map((r) => new Map(r.kpis.cells.cells.map((c) => [c.cell, c])))

  // The policies replay the same trips, so the requests per cell are the first run's. Tooltip
  // lines are kept short: Plot wraps longer ones.
  const trips = runs[0]!.kpis.cells.cells.map((c) => {
    const served = policies.map((p, i) => {
      const w = byCell[i]!.get(c.cell)
      return `${p}: ${w?.served ?? 0} served, mean wait ${seconds(w?.pickupWaitMeanSeconds ?? null)}`
    })
    return feature(c.cell, c.requests, [c.cell, `${c.requests} trips requested`, ...served].join("\n"))
  })

  const byPolicy: Record<string, Array<CellFeature>> = {}
  const waits: Array<number> = []
  runs.forEach((run, i) => {
    byPolicy[policies[i]!] = run.kpis.cells.cells.map((c) => {
      if (c.pickupWaitMeanSeconds !== null) waits.push(c.pickupWaitMeanSeconds)
      return feature(c.cell, c.pickupWaitMeanSeconds, `${c.cell}\n${c.requests} trips requested, ${c.served} served\nmean pickup wait ${seconds(c.pickupWaitMeanSeconds)}`)
    })
  })

  let difference = null
  if (runs.length === 2) {
    const [a, b] = policies as [string, string]
    const features: Array<CellFeature> = []
    for (const c of runs[0]!.kpis.cells.cells) {
      const d = byCell[1]!.get(c.cell)
      if (c.pickupWaitMeanSeconds === null || d?.pickupWaitMeanSeconds == null) continue
      const value = Math.round((d.pickupWaitMeanSeconds - c.pickupWaitMeanSeconds) * 10) / 10
      const title = `${c.cell}\n${c.requests} trips requested\n${a}: mean pickup wait ${c.pickupWaitMeanSeconds} s\n${b}: mean pickup wait ${d.pickupWaitMeanSeconds} s\n${b} − ${a}: ${signedSeconds(value)}`
      features.push(feature(c.cell, value, title))
    }
    const spread = upperDomain(features.map((f) => Math.abs(f.properties.value ?? 0)))
    difference = { title: `Mean pickup wait, ${b} − ${a} (blue: ${b} faster)`, domain: [-spread, spread], features }
  }
  const outlines = [...geometry.values()]
  const extent = outlines.map((g) => ({ type: "Feature", properties: {}, geometry: g }))
  return { extent, scale: scaleBar(outlines), trips, byPolicy, waitDomain: [0, upperDomain(waits)], difference }
}
