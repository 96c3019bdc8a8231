/**
 * Grafana provisioning files (Grafana's documented `provisioning/` layout): the Prometheus
 * data source with the uid every panel names, and a file provider for the generated dashboards.
 */
import { PROMETHEUS_DATASOURCE, PROMETHEUS_DATASOURCE_NAME, PROMETHEUS_URL } from "./datasource.ts"

/**
 * Grafana expands environment variables in provisioning files; the dashboards' folder is the
 * checkout's, which only the user knows (docs/dashboards.md).
 */
export const DASHBOARDS_DIR_ENV = "DISPATCH_GRAFANA_DASHBOARDS"

export const datasourceProvisioning = (scrapeInterval: string) => ({
  apiVersion: 1,
  datasources: [{
    name: PROMETHEUS_DATASOURCE_NAME,
    type: PROMETHEUS_DATASOURCE.type,
    uid: PROMETHEUS_DATASOURCE.uid,
    access: "proxy",
    url: PROMETHEUS_URL,
    isDefault: true,
    editable: false,
    // Grafana's $__rate_interval is at least four scrape intervals: it must know the interval.
    jsonData: { timeInterval: scrapeInterval }
  }]
})

export const dashboardProvisioning = () => ({
  apiVersion: 1,
  providers: [{
    name: "dispatch",
    folder: "Dispatch",
    type: "file",
    disableDeletion: false,
    // The JSON files are generated: edits in the UI would be lost at the next `npm run dashboards`.
    allowUiUpdates: false,
    updateIntervalSeconds: 30,
    options: { path: `\${${DASHBOARDS_DIR_ENV}}` }
  }]
})
