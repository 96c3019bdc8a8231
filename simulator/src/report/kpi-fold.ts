/**
 * A KPI is a fold over the simulation's events (AMoDeus' `AnalysisElement`, MATSim's event
 * collectors): it sees every event once, in order, and keeps what it needs; its figures are
 * read once the run has ended. Folds never look at the simulation itself, so the same folds
 * could read a recorded event log.
 */
import type { SimEvent } from "../events/sim-events.ts"

export interface KpiFold {
  on(event: SimEvent): void
}
