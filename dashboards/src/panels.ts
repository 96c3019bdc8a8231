/**
 * The one way a Dispatch dashboard is put together: a dashboard is plain data (`DashboardSpec`:
 * rows of `PanelSpec`s, each saying what question it answers), and `buildDashboard` turns it
 * into Grafana's JSON model with @grafana/grafana-foundation-sdk. Keeping the specs as data
 * lets the tests walk every panel and every query without parsing Grafana's JSON back.
 */
import type * as cog from "@grafana/grafana-foundation-sdk/cog"
import * as common from "@grafana/grafana-foundation-sdk/common"
import {
  DashboardBuilder,
  DashboardCursorSync,
  type DataSourceRef,
  MappingType,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
  type Dashboard,
  type Panel,
  type ValueMapping
} from "@grafana/grafana-foundation-sdk/dashboard"
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus"
import * as stat from "@grafana/grafana-foundation-sdk/stat"
import * as stateTimeline from "@grafana/grafana-foundation-sdk/statetimeline"
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries"
import { PROMETHEUS_DATASOURCE } from "./datasource.ts"

export interface QuerySpec {
  readonly expr: string
  /** Grafana legend template, e.g. `{{market}} p99`. */
  readonly legend: string
}

export interface PanelSpec {
  readonly title: string
  /** The question the panel answers, as the reader would ask it. */
  readonly description: string
  /** A Grafana unit id (`ops`, `s`, `percentunit`, `bytes`, `short`, ...). */
  readonly unit: string
  readonly queries: ReadonlyArray<QuerySpec>
  readonly kind?: "timeseries" | "stat" | "state-timeline"
  /** Grid columns out of 24 (default 12). */
  readonly width?: number
  readonly stacked?: boolean
  readonly min?: number
  readonly max?: number
  /** Value-to-text mappings, e.g. breaker states. */
  readonly valueText?: ReadonlyArray<{ readonly value: number; readonly text: string; readonly color: string }>
  /**
   * Why this panel may show nothing on a healthy system: it counts events (a failover, a
   * rejected request) whose labelled series appear only once the first one happens. The live
   * test then accepts an empty answer but still requires the metric to be exported.
   */
  readonly emptyWhenHealthy?: string
}

export interface RowSpec {
  readonly title: string
  readonly panels: ReadonlyArray<PanelSpec>
}

/** A template variable filled from `label_values(metric, label)` of a real metric. */
export interface VariableSpec {
  readonly name: string
  readonly label: string
  readonly metric: string
  readonly labelName: string
}

export interface DashboardSpec {
  /** Stable: Grafana links, the provisioned file name and the drift test key on it. */
  readonly uid: string
  readonly title: string
  readonly description: string
  readonly variables: ReadonlyArray<VariableSpec>
  readonly rows: ReadonlyArray<RowSpec>
}

const PANEL_HEIGHT = 8

/** Grafana's dashboard JSON model for `spec`; panel ids are assigned in reading order. */
export const buildDashboard = (spec: DashboardSpec): Dashboard => {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(["dispatch"])
    .refresh("10s")
    .time({ from: "now-1h", to: "now" })
    .timezone("browser")
    .tooltip(DashboardCursorSync.Crosshair)
    .readonly()
  for (const variable of spec.variables) builder.withVariable(variableBuilder(variable))
  let id = 0
  for (const row of spec.rows) {
    builder.withRow(new RowBuilder(row.title).id(++id))
    for (const panel of row.panels) builder.withPanel(panelBuilder(panel, ++id))
  }
  return builder.build()
}

const variableBuilder = (v: VariableSpec) =>
  new QueryVariableBuilder(v.name)
    .label(v.label)
    .datasource(PROMETHEUS_DATASOURCE)
    .query(`label_values(${v.metric}, ${v.labelName})`)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    // With `.*` "All" also matches series that appear after the dashboard loaded.
    .allValue(".*")

/** What every panel kind's builder offers; the SDK has one class per kind. */
interface CommonPanelBuilder extends cog.Builder<Panel> {
  id(id: number): unknown
  title(title: string): unknown
  description(description: string): unknown
  unit(unit: string): unknown
  datasource(datasource: DataSourceRef): unknown
  withTarget(target: cog.Builder<cog.Dataquery>): unknown
  span(w: number): unknown
  height(h: number): unknown
  min(min: number): unknown
  max(max: number): unknown
  mappings(mappings: Array<ValueMapping>): unknown
}

const panelBuilder = (p: PanelSpec, id: number): CommonPanelBuilder => {
  const builder: CommonPanelBuilder = kindBuilder(p)
  builder.id(id)
  builder.title(p.title)
  builder.description(p.description)
  builder.unit(p.unit)
  builder.datasource(PROMETHEUS_DATASOURCE)
  builder.span(p.width ?? 12)
  builder.height(PANEL_HEIGHT)
  if (p.min !== undefined) builder.min(p.min)
  if (p.max !== undefined) builder.max(p.max)
  if (p.valueText !== undefined) builder.mappings([valueMapping(p.valueText)])
  p.queries.forEach((q, i) => builder.withTarget(target(q, i)))
  return builder
}

const kindBuilder = (p: PanelSpec) => {
  switch (p.kind ?? "timeseries") {
    case "stat":
      return new stat.PanelBuilder().graphMode(common.BigValueGraphMode.Area)
    case "state-timeline":
      return new stateTimeline.PanelBuilder().mergeValues(true).showValue(common.VisibilityMode.Auto)
    case "timeseries": {
      const builder = new timeseries.PanelBuilder().fillOpacity(p.stacked === true ? 30 : 10).showPoints(common.VisibilityMode.Never)
      if (p.stacked === true) builder.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
      return builder.legend(new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.Table).placement(common.LegendPlacement.Bottom).showLegend(true).calcs(["lastNotNull", "max"]))
    }
  }
}

const target = (q: QuerySpec, index: number) =>
  new DataqueryBuilder()
    .refId(String.fromCharCode(65 + index))
    .datasource(PROMETHEUS_DATASOURCE)
    .expr(q.expr)
    .legendFormat(q.legend)
    .range()

const valueMapping = (values: NonNullable<PanelSpec["valueText"]>): ValueMapping => ({
  type: MappingType.ValueToText,
  options: Object.fromEntries(values.map((v, index) => [String(v.value), { text: v.text, color: v.color, index }]))
})
