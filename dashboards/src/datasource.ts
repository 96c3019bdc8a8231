/**
 * The Prometheus data source every panel names: its uid is fixed so that the provisioned data
 * source (grafana/provisioning/datasources/prometheus.yaml) and the dashboards meet without a
 * manual pick in Grafana.
 */
export const PROMETHEUS_DATASOURCE = { type: "prometheus", uid: "dispatch-prometheus" } as const

export const PROMETHEUS_DATASOURCE_NAME = "Dispatch Prometheus"

/** Where the local stack's Prometheus listens (`prometheus --web.listen-address`, its default). */
export const PROMETHEUS_URL = "http://127.0.0.1:9090"
