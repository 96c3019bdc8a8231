/**
 * PromQL for the dashboards and rules, built from metric names in `METRIC_NAMES` so that a
 * renamed metric breaks the build instead of a panel. Only the shapes used more than once live
 * here; a query used once is written where it is used.
 */

/** Grafana's rate window: at least four scrapes, so a rate never sees a single sample. */
export const RATE = "$__rate_interval"

/** Grafana fills these from the template variables; multi-value and "All" need `=~`. */
export const BY_MARKET = `market=~"$market"`
export const BY_REGION = `caller=~"$region"`
export const BY_JOB = `job=~"$job"`

/** `name{matchers}` (no braces when there are no matchers). */
export const selector = (name: string, ...matchers: ReadonlyArray<string>): string =>
  matchers.length === 0 ? name : `${name}{${matchers.join(",")}}`

/** Per-second rate of a counter, summed by `by` (empty: one total). */
export const sumRate = (name: string, by: ReadonlyArray<string>, matchers: ReadonlyArray<string> = [], window = RATE): string =>
  `sum${groupBy(by)} (rate(${selector(name, ...matchers)}[${window}]))`

/** A quantile of a histogram over `window`, kept apart by `by`. */
export const quantile = (q: number, histogram: string, by: ReadonlyArray<string>, matchers: ReadonlyArray<string> = [], window = RATE): string =>
  `histogram_quantile(${q}, sum by (${["le", ...by].join(", ")}) (rate(${selector(`${histogram}_bucket`, ...matchers)}[${window}])))`

/**
 * `numerator / denominator`, reading a missing numerator as 0: a counter with labels has no
 * series until its first increment, so "no errors yet" must give a ratio of 0, not no data
 * (and an alert on the ratio must still see it).
 */
export const ratioOrZero = (numerator: string, denominator: string): string =>
  `(${numerator} or 0 * ${denominator}) / ${denominator}`

const groupBy = (by: ReadonlyArray<string>) => (by.length === 0 ? "" : ` by (${by.join(", ")})`)
