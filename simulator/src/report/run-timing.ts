/** How fast a run went, reported beside the KPIs (`run.json`, the terminal table). */
/** Wall-clock figures of a run: not deterministic, so kept out of the KPI file. */
export interface RunTiming {
  readonly policy: string
  readonly wallSeconds: number
  readonly trips: number
  readonly decisions: number
  readonly driverUpdates: number
  readonly simulatedHours: number
  readonly tripsPerWallSecond: number
  readonly decisionsPerWallSecond: number
  readonly simSecondsPerWallSecond: number
}
