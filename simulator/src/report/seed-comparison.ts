/**
 * `comparison.json`: the KPIs of a run over several seeds (`dispatch simulate --seeds N`), for
 * every KPI of the table each policy's mean over the seeds and, for every policy after the
 * first, the paired difference from the first (its value minus the first's, seed by seed) with
 * its mean and 95% t interval (confidence.ts). Deterministic, as the KPI files are: the same
 * inputs and seeds give the same bytes.
 */
import { estimate } from "./confidence.ts"
import { KPI_FIGURES, type Unit } from "./kpi-table.ts"
import type { Kpis } from "./kpis.ts"
import { round } from "./summary-stats.ts"

export const COMPARISON_SCHEMA = "dispatch-simulator-comparison/1"

/** One seed's replays, one per policy in the comparison's order. */
export interface SeedRuns {
  readonly seed: number
  readonly kpis: ReadonlyArray<Kpis>
}

/** A mean over `n` seeds (those where the figure exists) and its 95% interval; `ci95` null when n < 2. */
export interface MeanEstimate {
  readonly n: number
  readonly mean: number | null
  readonly ci95: readonly [number, number] | null
}

export interface PairedDifference extends MeanEstimate {
  readonly policy: string
  readonly minus: string
  /** The difference on each seed, in `seeds` order; null where either run lacks the figure. */
  readonly perSeed: ReadonlyArray<number | null>
}

export interface KpiComparison {
  /** The figure's path in the KPI file, e.g. `pickupEtaSeconds.mean`. */
  readonly key: string
  readonly label: string
  readonly unit: Unit
  /** Per policy, in the comparison's order. */
  readonly means: Readonly<Record<string, MeanEstimate>>
  readonly differences: ReadonlyArray<PairedDifference>
}

export interface SeedComparison {
  readonly schema: typeof COMPARISON_SCHEMA
  readonly method: string
  readonly market: string
  readonly trips: string
  readonly drivers: number
  readonly from: string
  readonly to: string
  readonly policies: ReadonlyArray<string>
  readonly seeds: ReadonlyArray<number>
  readonly kpis: ReadonlyArray<KpiComparison>
}

/** Six decimals: more than any KPI carries, and no float noise in the file. */
const tidy = (x: number) => round(x, 6)

const meanOf = (values: ReadonlyArray<number | null>): MeanEstimate => {
  const present = values.filter((v): v is number => v !== null)
  if (present.length === 0) return { n: 0, mean: null, ci95: null }
  const e = estimate(present)
  return { n: e.n, mean: tidy(e.mean), ci95: e.ci95 === null ? null : [tidy(e.ci95[0]), tidy(e.ci95[1])] }
}

/** `runs`: at least one seed, each with a replay per policy of `policies`. */
export const compareSeeds = (policies: ReadonlyArray<string>, runs: ReadonlyArray<SeedRuns>): SeedComparison => {
  const first = runs[0]!.kpis[0]!.scenario
  return {
    schema: COMPARISON_SCHEMA,
    method: "per seed, each policy replays the same trips with the same seed; differences are paired by seed; 95% intervals from Student's t with n − 1 degrees of freedom, none for one seed",
    market: first.market,
    trips: first.trips,
    drivers: first.drivers,
    from: first.from,
    to: first.to,
    policies,
    seeds: runs.map((r) => r.seed),
    kpis: KPI_FIGURES.map((figure) => {
      const values = policies.map((_, p) => runs.map((r) => figure.get(r.kpis[p]!)))
      const baseline = values[0]!
      return {
        key: figure.key,
        label: figure.label,
        unit: figure.unit,
        means: Object.fromEntries(policies.map((policy, p) => [policy, meanOf(values[p]!)])),
        differences: policies.slice(1).map((policy, i) => {
          const perSeed = values[i + 1]!.map((v, s) => (v === null || baseline[s] === null ? null : tidy(v - baseline[s]!)))
          return { policy, minus: policies[0]!, ...meanOf(perSeed), perSeed }
        })
      }
    })
  }
}
