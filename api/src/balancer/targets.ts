/**
 * The balancer's live view of its targets: one `CircuitBreaker` per target region, one
 * `OutlierDetector` over all of them, both on the Effect `Clock` (so tests can drive time), with
 * every breaker transition and ejection turned into metrics and a log line. Also the
 * `BreakerBoard` the admin API reads.
 */
import { Clock, Effect } from "effect"
import { BREAKER_STATE_VALUES, type BalancerMetrics } from "../observability/metrics.ts"
import type { CircuitBreakerConfig, OutlierConfig } from "../breaker/breaker-config.ts"
import { CircuitBreaker, type Transition } from "../breaker/circuit-breaker.ts"
import { OutlierDetector, type OutlierEvent } from "../breaker/outlier-detector.ts"
import type { FleetHealthView } from "../health/fleet-health.ts"
import { RegionConfig } from "../regions/region-table.ts"
import { BreakerBoard, type TargetSnapshot } from "./breaker-board.ts"

export interface TargetSettings {
  readonly breaker: CircuitBreakerConfig
  readonly outlier: OutlierConfig
}

export interface Targets {
  /** Target regions, in a fixed order (the index used by weight arrays). */
  readonly regions: ReadonlyArray<string>
  readonly breakers: ReadonlyArray<CircuitBreaker>
  readonly outliers: OutlierDetector
  /** The Effect clock (epoch ms), read synchronously on the hot path. */
  readonly now: () => number
  /** When each target's breaker last changed state, and until when an ejected target is out. */
  readonly lastTransitionAt: ReadonlyMap<string, number>
  readonly ejectedUntil: ReadonlyMap<string, number>
}

const percent = (part: number, whole: number) => (whole === 0 ? 0 : (part * 100) / whole)

/**
 * Builds the breakers. Listener callbacks run synchronously inside the breaker call that caused
 * the event, so they log through `runFork` of the captured context rather than yield.
 */
export const makeTargets = (regions: ReadonlyArray<string>, settings: TargetSettings, metrics: BalancerMetrics) =>
  Effect.gen(function*() {
    const clock = yield* Clock.Clock
    const context = yield* Effect.context<never>()
    const log = (effect: Effect.Effect<void>) => void Effect.runForkWith(context)(effect)
    const now = () => clock.currentTimeMillisUnsafe()
    const lastTransition = new Map<string, number>()
    const ejectedUntil = new Map<string, number>()
    const breakers = regions.map((target) => {
      metrics.breakerState.set({ target }, BREAKER_STATE_VALUES.closed)
      return new CircuitBreaker(settings.breaker, (t: Transition) => {
        lastTransition.set(target, t.at)
        metrics.breakerState.set({ target }, BREAKER_STATE_VALUES[t.to])
        metrics.breakerTransitions.inc({ target, from: t.from, to: t.to })
        const annotations = { target, from: t.from, to: t.to, reason: t.reason, calls: t.window?.calls, failures: t.window?.failures, slowCalls: t.window?.slowCalls }
        log((t.to === "open" ? Effect.logWarning("breaker transition") : Effect.logInfo("breaker transition")).pipe(Effect.annotateLogs(annotations)))
      })
    })
    const outliers = new OutlierDetector(regions, settings.outlier, (e: OutlierEvent) => {
      if (e._tag === "Ejected") {
        metrics.outlierEjections.inc({ target: e.target })
        ejectedUntil.set(e.target, e.until)
      }
      if (e._tag === "Unejected") ejectedUntil.delete(e.target)
      log(Effect.logWarning(`outlier ${e._tag}`).pipe(Effect.annotateLogs({ ...e })))
    })
    const targets: Targets = { regions, breakers, outliers, now, lastTransitionAt: lastTransition, ejectedUntil }
    return targets
  })

/** The board over `targets`; `drained` comes from the live region table, `fleetHealth` from the trigger when it runs. */
export const boardOf = (targets: Targets, fleetHealth?: Effect.Effect<FleetHealthView>) =>
  Effect.gen(function*() {
    const config = yield* RegionConfig
    return BreakerBoard.of({
      snapshot: Effect.gen(function*() {
        const table = yield* config.current
        const at = targets.now()
        const snapshots = targets.regions.map((target, i): TargetSnapshot => {
          const breaker = targets.breakers[i]!
          const window = breaker.windowCounts()
          const ejected = targets.outliers.isEjected(target, at)
          return {
            target,
            state: breaker.state(at),
            forcedOpen: breaker.forced,
            calls: window.calls,
            failures: window.failures,
            slowCalls: window.slowCalls,
            failureRatePercent: percent(window.failures, window.calls),
            slowCallRatePercent: percent(window.slowCalls, window.calls),
            retryAfterMs: breaker.retryAfterMs(at) ?? null,
            ejectedUntil: ejected ? (targets.ejectedUntil.get(target) ?? null) : null,
            drained: table.drained.has(target),
            lastTransitionAt: targets.lastTransitionAt.get(target) ?? null
          }
        })
        return { at, targets: snapshots, fleetHealth: fleetHealth === undefined ? null : yield* fleetHealth }
      })
    })
  })
