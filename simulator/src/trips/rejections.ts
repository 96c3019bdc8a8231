/**
 * Rows a trips file reader refused, counted by reason, with the first few of each kept as
 * examples (`file:line: reason: detail`) so that a user can open the file at the right place.
 * A rejected row never stops a run; the summary says how much of the file was used.
 *
 * Each row gets one reason, the first check it fails, in this order: CSV shape
 * (`bad_quoting`, `record_too_long`, `wrong_field_count`), values (`bad_time`, `bad_number`,
 * `coordinate_out_of_range`, `dropoff_before_request`, `negative_distance`), then
 * `outside_market`, then `unsorted`. So a row outside the market never moves the sort
 * window, and a malformed row is never called unsorted.
 */
export const REJECTION_REASONS = [
  "bad_quoting",
  "record_too_long",
  "wrong_field_count",
  "bad_time",
  "bad_number",
  "coordinate_out_of_range",
  "dropoff_before_request",
  "negative_distance",
  "outside_market",
  "unsorted"
] as const
export type RejectionReason = (typeof REJECTION_REASONS)[number]

/** Examples kept per reason: enough to see a pattern, few enough that a flood of one reason cannot hide another. */
export const EXAMPLES_PER_REASON = 3

export interface RejectionExample {
  readonly line: number
  readonly reason: RejectionReason
  readonly detail: string
}

export interface TripReadSummary {
  readonly path: string
  /** The file was gzip (told by its magic bytes). */
  readonly gzip: boolean
  /** Data records seen: every row after the header, blank lines excepted. */
  readonly rows: number
  readonly accepted: number
  readonly rejected: number
  readonly byReason: Readonly<Record<RejectionReason, number>>
  /** Up to EXAMPLES_PER_REASON per reason, in line order. */
  readonly examples: ReadonlyArray<RejectionExample>
  /** The whole file was read; false while reading, after a failure, or when the consumer stopped early. */
  readonly complete: boolean
}

const zeroCounts = (): Record<RejectionReason, number> =>
  Object.fromEntries(REJECTION_REASONS.map((reason) => [reason, 0])) as Record<RejectionReason, number>

/** The mutable counts of one read; `snapshot` gives the immutable summary. */
export class RejectionTally {
  readonly #path: string
  readonly #gzip: boolean
  readonly #byReason = zeroCounts()
  readonly #examples: Array<RejectionExample> = []
  #rows = 0
  #rejected = 0
  #complete = false

  constructor(path: string, gzip: boolean) {
    this.#path = path
    this.#gzip = gzip
  }

  row(): void {
    this.#rows++
  }

  reject(line: number, reason: RejectionReason, detail: string): void {
    this.#rejected++
    if (this.#byReason[reason]++ < EXAMPLES_PER_REASON) this.#examples.push({ line, reason, detail })
  }

  complete(): void {
    this.#complete = true
  }

  snapshot(): TripReadSummary {
    return {
      path: this.#path,
      gzip: this.#gzip,
      rows: this.#rows,
      accepted: this.#rows - this.#rejected,
      rejected: this.#rejected,
      byReason: { ...this.#byReason },
      examples: [...this.#examples].sort((a, b) => a.line - b.line),
      complete: this.#complete
    }
  }
}

/** The summary as report lines: totals, counts by reason, then `file:line: reason: detail`. */
export const formatReadSummary = (summary: TripReadSummary): ReadonlyArray<string> => [
  `${summary.path}: ${summary.accepted} of ${summary.rows} rows used, ${summary.rejected} rejected` +
  (summary.complete ? "" : " (file not read to the end)"),
  ...REJECTION_REASONS.filter((reason) => summary.byReason[reason] > 0).map(
    (reason) => `  ${reason}: ${summary.byReason[reason]}`
  ),
  ...summary.examples.map((e) => `  ${summary.path}:${e.line}: ${e.reason}: ${e.detail}`)
]

/**
 * Why a read gave no trip at all, from its summary, with what to try; undefined when rows were
 * accepted (the run's window must have excluded them). `market`: the market the rows were
 * checked against.
 */
export const whyNoTrips = (summary: TripReadSummary, market: string): string | undefined => {
  if (summary.accepted > 0) return undefined
  if (summary.rows === 0) return "the file has a header and no data rows"
  const rows = summary.rows.toLocaleString("en-US")
  const outside = summary.byReason.outside_market
  if (outside === summary.rows) {
    const example = summary.examples.find((e) => e.reason === "outside_market")
    return `all ${rows} rows lie outside market ${market}${example === undefined ? "" : ` (line ${example.line}: ${example.detail})`}; ` +
      "give the file's market with --market (npx dispatch markets list shows them)"
  }
  const reasons = REJECTION_REASONS.filter((r) => summary.byReason[r] > 0).map((r) => `${r} ${summary.byReason[r].toLocaleString("en-US")}`)
  return `all ${rows} rows were rejected (${reasons.join(", ")})`
}
