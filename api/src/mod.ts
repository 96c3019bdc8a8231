/**
 * The API part's public entry (`#api`): its commands, for the `dispatch` command line
 * (engine/src/main/dispatch.ts composes every part's commands), and its metric names and default
 * fleet-health queries for the dashboards. Everything behind it is private to the API part.
 */
export { apiCommand } from "./main/api-command.ts"
export { regionsCommand } from "./main/regions-command.ts"
export { BREAKER_STATE_VALUES, GATEWAY_METRIC_NAMES } from "./observability/metrics.ts"
export { HEALTH_METRIC_NAMES } from "./health/health-metrics.ts"
export { DEFAULT_ERROR_RATIO_QUERY, DEFAULT_LATENCY_QUERY } from "./health/health-settings.ts"
