/**
 * A scenario's repositioning as the fleet model takes it: the method the file or flags name
 * (else the default one) with its settings, each absent one at its default.
 */
import { defaultRebalanceSettings } from "../fleet/rebalancing.ts"
import { DEFAULT_REPOSITION_METHOD, defaultHeuristicSettings, type RepositionSettings } from "../fleet/repositioning.ts"
import type { ScenarioFile } from "./scenario.ts"

/** Undefined: repositioning off. */
export const repositionOf = (fleet: ScenarioFile["fleet"]): RepositionSettings | undefined => {
  if (!fleet.reposition) return undefined
  if ((fleet.repositionMethod ?? DEFAULT_REPOSITION_METHOD) === "heuristic") return defaultHeuristicSettings
  const d = defaultRebalanceSettings
  return {
    method: "rebalance",
    intervalMs: fleet.rebalanceIntervalS === undefined ? d.intervalMs : fleet.rebalanceIntervalS * 1000,
    horizonMs: fleet.rebalanceHorizonMin === undefined ? d.horizonMs : Math.round(fleet.rebalanceHorizonMin * 60_000),
    resolution: fleet.rebalanceResolution ?? d.resolution,
    maxMeters: fleet.rebalanceMaxKm === undefined ? d.maxMeters : fleet.rebalanceMaxKm * 1000
  }
}

/** The KPI file's `reposition` setting: the method and, for rebalance, its settings as the flags give them. */
export const describeReposition = (settings: RepositionSettings | undefined): string =>
  settings === undefined
    ? "off"
    : settings.method === "heuristic"
    ? "heuristic"
    : `rebalance interval ${settings.intervalMs / 1000}s, horizon ${settings.horizonMs / 60_000} min, H3 res ${settings.resolution}, max ${settings.maxMeters / 1000} km`
