/**
 * The fleet-health trigger (docs/balancer.md, "Fleet-wide trigger"): every `intervalMs`, each
 * signal's query is asked of Prometheus for each region (all at once, each with `timeoutMs`),
 * and each region's verdict (region-verdict.ts) is applied to its breaker: a breach forces it
 * open (`CircuitBreaker.forceOpen`), anything else releases it (`releaseForce`: half-open, the
 * probes decide). A Prometheus that is down, slow, answers an error or has no data never opens
 * a breaker and releases one it held: fail-static, the breakers then run on this gateway's own
 * calls only, as without the trigger. Every gateway runs its own loop on the same series, so
 * they agree within an interval without talking to each other.
 *
 * A forced region gets no calls, so within the rate window (1 minute by default) its series
 * have no data and the force lifts; its half-open probes then feed the signal again, and a region
 * still failing breaches again (when it carries enough calls) or is reopened by its own probes.
 */
import { Context, Effect, Schedule } from "effect"
import type { CircuitBreaker } from "../breaker/circuit-breaker.ts"
import type { HealthMetrics } from "./health-metrics.ts"
import { type HealthSettings, queryFor } from "./health-settings.ts"
import { queryPrometheus } from "./prometheus-query.ts"
import { type RegionVerdict, type SignalAnswer, verdictOf } from "./region-verdict.ts"

/** `ok`: every query of the last evaluation answered; else the worst failure seen in it. */
export type PrometheusStatus = "starting" | "ok" | "unreachable" | "timeout" | "error"

/** What `GET /admin/breakers` and `dispatch regions breakers` show of the trigger. */
export interface FleetHealthView {
  readonly prometheusUrl: string
  readonly intervalMs: number
  readonly status: PrometheusStatus
  /** Epoch ms since which `status` holds (the first evaluation that found it). */
  readonly since: number
  /** The first failed query's error in the last evaluation; null when all answered. */
  readonly lastError: string | null
  readonly lastEvaluationAt: number | null
  readonly regions: ReadonlyArray<{
    readonly region: string
    readonly verdict: "starting" | "breach" | "healthy" | "no_data" | "query_failed"
    /** A breach: which signal, its value and threshold. */
    readonly signal: string | null
    readonly value: number | null
    readonly threshold: number | null
  }>
}

export class FleetHealth extends Context.Service<FleetHealth, {
  readonly view: Effect.Effect<FleetHealthView>
}>()("dispatch/FleetHealth") {}

/** The breakers it forces, one per region in the same order, and their clock (the balancer's `Targets`). */
export interface RegionBreakers {
  readonly regions: ReadonlyArray<string>
  readonly breakers: ReadonlyArray<CircuitBreaker>
  /** Epoch ms. */
  readonly now: () => number
}

/** Worst first: a status later in this list never hides one earlier. */
const SEVERITY: ReadonlyArray<PrometheusStatus> = ["unreachable", "timeout", "error", "ok"]

const verdictName = (v: RegionVerdict): FleetHealthView["regions"][number]["verdict"] =>
  v._tag === "Breach" ? "breach" : v._tag === "Healthy" ? "healthy" : v.why

/** Starts the loop in the current scope (it stops with it); the first evaluation runs at once. */
export const makeFleetHealth = (settings: HealthSettings, targets: RegionBreakers, metrics: HealthMetrics) =>
  Effect.gen(function*() {
    const { regions, breakers, now } = targets
    const started = now()
    let view: FleetHealthView = {
      prometheusUrl: settings.prometheusUrl,
      intervalMs: settings.intervalMs,
      status: "starting",
      since: started,
      lastError: null,
      lastEvaluationAt: null,
      regions: regions.map((region) => ({ region, verdict: "starting", signal: null, value: null, threshold: null }))
    }
    for (const region of regions) metrics.regionForcedOpen.set({ region }, 0)

    const ask = (region: string) =>
      Effect.forEach(settings.signals, (signal) =>
        queryPrometheus(settings.prometheusUrl, queryFor(signal, region), settings.timeoutMs).pipe(
          Effect.map((value): SignalAnswer => (value === undefined ? { _tag: "NoData" } : { _tag: "Value", value })),
          Effect.catchTag("PrometheusQueryFailed", (e) => Effect.succeed<SignalAnswer>({ _tag: "Failed", failure: e.failure, detail: e.message })),
          Effect.tap((answer) =>
            Effect.sync(() => metrics.healthQueries.inc({ signal: signal.name, outcome: answer._tag === "Value" ? "ok" : answer._tag === "NoData" ? "no_data" : answer.failure }))
          )
        ), { concurrency: "unbounded" })

    const evaluate = Effect.gen(function*() {
      const answers = yield* Effect.forEach(regions, ask, { concurrency: "unbounded" })
      const at = now()
      const failures = answers.flat().flatMap((a) => (a._tag === "Failed" ? [a] : []))
      const status = SEVERITY.find((s) => failures.some((f) => f.failure === s)) ?? "ok"
      if (status !== view.status) {
        yield* status === "ok"
          ? Effect.logInfo("fleet health: Prometheus answers every query").pipe(Effect.annotateLogs({ prometheus: settings.prometheusUrl, after: view.status }))
          : Effect.logWarning("fleet health: Prometheus did not answer; fail-static, no breaker is forced open on its account").pipe(
            Effect.annotateLogs({ prometheus: settings.prometheusUrl, status, error: failures[0]?.detail })
          )
      }
      metrics.healthFailStatic.set(failures.length > 0 ? 1 : 0)
      const verdicts = regions.map((region, i) => {
        const verdict = verdictOf(settings.signals, answers[i]!)
        const breaker = breakers[i]!
        const wasForced = breaker.forced
        if (verdict._tag === "Breach") breaker.forceOpen(at)
        else breaker.releaseForce(at)
        metrics.regionForcedOpen.set({ region }, breaker.forced ? 1 : 0)
        return { region, verdict, wasForced }
      })
      for (const { region, verdict, wasForced } of verdicts) {
        if (verdict._tag === "Breach" && !wasForced) {
          yield* Effect.logWarning("fleet health: region breaches, breaker forced open").pipe(
            Effect.annotateLogs({ region, signal: verdict.signal, value: verdict.value, threshold: verdict.threshold })
          )
        }
        if (verdict._tag !== "Breach" && wasForced) {
          yield* Effect.logInfo("fleet health: force released, breaker half-open").pipe(Effect.annotateLogs({ region, verdict: verdictName(verdict) }))
        }
      }
      view = {
        ...view,
        status,
        since: status === view.status ? view.since : at,
        lastError: failures[0]?.detail ?? null,
        lastEvaluationAt: at,
        regions: verdicts.map(({ region, verdict }) => ({
          region,
          verdict: verdictName(verdict),
          signal: verdict._tag === "Breach" ? verdict.signal : null,
          value: verdict._tag === "Breach" ? verdict.value : null,
          threshold: verdict._tag === "Breach" ? verdict.threshold : null
        }))
      }
    })

    yield* Effect.forkScoped(evaluate.pipe(Effect.repeat(Schedule.spaced(settings.intervalMs))))
    yield* Effect.logInfo("fleet health: polling Prometheus").pipe(
      Effect.annotateLogs({ prometheus: settings.prometheusUrl, intervalMs: settings.intervalMs, timeoutMs: settings.timeoutMs, signals: settings.signals.map((s) => `${s.name}>=${s.threshold}`).join(",") })
    )
    return FleetHealth.of({ view: Effect.sync(() => view) })
  })
