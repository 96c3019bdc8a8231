/**
 * Every part's metric names gathered in one place (each part defines its own beside its code),
 * so dashboards and rules are written against names that exist.
 */
import { GATEWAY_METRIC_NAMES, HEALTH_METRIC_NAMES } from "#api"
import { ENGINE_METRIC_NAMES, RUNTIME_METRIC_NAMES } from "#engine"
import { SIMULATOR_METRIC_NAMES } from "#simulator"

/** Which process exports which names (a dashboard test scrapes each part and checks them). */
export const METRIC_NAMES_BY_PART = {
  engine: ENGINE_METRIC_NAMES,
  api: { ...GATEWAY_METRIC_NAMES, ...HEALTH_METRIC_NAMES },
  simulator: SIMULATOR_METRIC_NAMES,
  runtime: RUNTIME_METRIC_NAMES
} as const

/** Every metric name any part exports, by key. */
export const METRIC_NAMES = {
  ...ENGINE_METRIC_NAMES,
  ...GATEWAY_METRIC_NAMES,
  ...HEALTH_METRIC_NAMES,
  ...SIMULATOR_METRIC_NAMES,
  ...RUNTIME_METRIC_NAMES
} as const
