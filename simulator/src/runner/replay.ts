/**
 * One replay, as an Effect: read the trips once to learn the demand (demand-sample.ts), set up
 * the fleet, then stream the trips through a `Simulation` (the plain core) batch by batch, in
 * virtual time (as fast as possible) or paced against the wall clock, and fold the events into
 * KPIs. Effect is for the I/O, the clock and the errors; no Effect runs per event.
 */
import { Clock, Effect, Stream } from "effect"
import { type DispatchSettings, type Eta, LocalHour, type Market } from "#engine"
import type { SimEvent } from "../events/sim-events.ts"
import { DemandSample } from "../fleet/demand-sample.ts"
import type { PlacedDriver } from "../fleet/drivers-file.ts"
import { NoDemandToPlaceDrivers } from "../fleet/errors.ts"
import type { RepositionSettings } from "../fleet/repositioning.ts"
import { drawShift } from "../fleet/shifts.ts"
import { KpiCollector, type Kpis, type ScenarioInfo } from "../report/kpis.ts"
import { MarketTime } from "../report/market-time.ts"
import type { RunTiming } from "../report/run-timing.ts"
import type { PatienceDistribution } from "../riders/patience.ts"
import { SeededRandom } from "../trips/random.ts"
import type { Trip } from "../trips/trip.ts"
import { Progress, type ProgressOutput } from "./progress.ts"
import type { DispatchPort } from "./dispatch-port.ts"
import { type DriverSetup, Simulation } from "./simulation.ts"

/** Where the trips come from; `trips` can be run more than once (once per pass and policy). */
export interface TripSource<E> {
  readonly name: string
  readonly trips: Stream.Stream<Trip, E>
}

export type SimClock = { readonly kind: "virtual" } | { readonly kind: "realtime"; readonly speed: number }

export interface ReplaySettings {
  readonly market: Market
  readonly eta: Eta
  readonly roadFactor: number
  readonly dispatch: DispatchSettings
  /** Fleet size, when drivers are placed from demand. */
  readonly drivers: number
  /** Drivers from a file instead (`--drivers-file`). */
  readonly placedDrivers: ReadonlyArray<PlacedDriver> | undefined
  readonly seed: number
  readonly maxWaitMs: number
  readonly patience: PatienceDistribution
  readonly declineProbability: number
  readonly declineResponseMs: number
  readonly publishIntervalMs: number
  readonly reposition: RepositionSettings | undefined
  /** Hours per shift; undefined: every driver on duty all run. */
  readonly shiftHours: number | undefined
  /** Request window [from, to), epoch ms; undefined ends: the trips' own. */
  readonly from: number | undefined
  readonly to: number | undefined
  readonly mapResolution: number
  readonly clock: SimClock
  /** Progress bar target; undefined: silent. */
  readonly progress: ProgressOutput | undefined
  /** Every setting by flag name, copied into the KPI file's scenario. */
  readonly describe: Readonly<Record<string, string | number | boolean>>
  /** Sees every simulation event after the KPI folds (an event log, invariant checks). */
  readonly observer: ((event: SimEvent) => void) | undefined
  /** NATS mode: opens the engine port for this run (closed at its end); default in-process. */
  readonly openPort?: ((start: number) => DispatchPort & { readonly transport: string; close(): Promise<void> }) | undefined
}

/** What one pass over the trips learned; shared by the policies of a comparison. */
export interface DemandScan {
  readonly demand: DemandSample
  /** The measured window. */
  readonly start: number
  readonly end: number
}

export interface ReplayResult {
  readonly kpis: Kpis
  readonly timing: RunTiming
  /** What the opened port says answered the run (the server and engine it used); none in-process. */
  readonly transport: string | undefined
}

/** Random streams of the seed used before the run (placement and shifts). */
const PLACEMENT_STREAM = 21, SHIFT_STREAM = 22

const inWindow = <E>(source: TripSource<E>, from: number | undefined, to: number | undefined): Stream.Stream<Trip, E> => {
  const started = from === undefined ? source.trips : Stream.filter(source.trips, (t) => t.requestTime >= from)
  // Trips come sorted: stop reading at the end of the window.
  return to === undefined ? started : Stream.takeWhile(started, (t) => t.requestTime < to)
}

/** Pass 1: the run's demand. Fails when the window holds no trip. */
export const scanDemand = <E>(source: TripSource<E>, settings: ReplaySettings): Effect.Effect<DemandScan, E | NoDemandToPlaceDrivers> =>
  Effect.gen(function*() {
    const demand = new DemandSample(settings.drivers, settings.market.timeZone, new SeededRandom(settings.seed, PLACEMENT_STREAM))
    yield* Stream.runForEachArray(inWindow(source, settings.from, settings.to), (trips) => Effect.sync(() => trips.forEach((t) => demand.add(t))))
    if (demand.trips === 0) return yield* new NoDemandToPlaceDrivers({ source: source.name })
    return { demand, start: settings.from ?? demand.firstRequestTime, end: settings.to ?? demand.lastRequestTime + 1 }
  })

const fleetOf = (settings: ReplaySettings, scan: DemandScan): Array<DriverSetup> => {
  const placed = settings.placedDrivers
  const points = placed ?? scan.demand.placementPoints.map((p) => ({ driverId: undefined, lat: p.lat, lng: p.lng }))
  const count = placed?.length ?? settings.drivers
  const width = String(count).length
  const shiftRandom = new SeededRandom(settings.seed, SHIFT_STREAM)
  const utcOffsetMs = new LocalHour(settings.market.timeZone).offsetMsAt(scan.start)
  return Array.from({ length: count }, (_, i) => {
    const p = points[i % points.length]!
    return {
      driverId: p.driverId ?? `d${String(i + 1).padStart(width, "0")}`,
      position: { lat: p.lat, lng: p.lng },
      shift: settings.shiftHours === undefined ? undefined : drawShift(settings.shiftHours, scan.demand.requestsByLocalHour, utcOffsetMs, shiftRandom)
    }
  })
}

/** Pass 2: one policy's replay. */
export const replay = <E>(source: TripSource<E>, settings: ReplaySettings, scan: DemandScan): Effect.Effect<ReplayResult, E> =>
  Effect.gen(function*() {
    const fleet = fleetOf(settings, scan)
    const time = new MarketTime(settings.market.timeZone)
    const collector = new KpiCollector(scan.start, scan.end, fleet.length, settings.mapResolution, time)
    const wallStart = performance.now()
    // Started with the wall clock of run.json, so that its "done in" is the run's wall time (NATS mode: the engine's start included).
    const progress = settings.progress === undefined
      ? undefined
      : new Progress(settings.progress, { label: `[${settings.dispatch.policy.name}]`, start: scan.start, end: scan.end, time })
    const port = settings.openPort?.(scan.start)
    if (port !== undefined) yield* Effect.addFinalizer(() => Effect.promise(() => port.close()))
    const sim = new Simulation({
      market: settings.market,
      eta: settings.eta,
      roadFactor: settings.roadFactor,
      dispatch: settings.dispatch,
      seed: settings.seed,
      maxWaitMs: settings.maxWaitMs,
      patience: settings.patience,
      declineProbability: settings.declineProbability,
      declineResponseMs: settings.declineResponseMs,
      publishIntervalMs: settings.publishIntervalMs,
      reposition: settings.reposition,
      fleet,
      demand: scan.demand,
      start: scan.start,
      port
    }, settings.observer === undefined ? collector.on : fanOut(collector.on, settings.observer))
    const clock = settings.clock
    const paced = clock.kind === "realtime" ? yield* pacer(scan.start, clock.speed) : undefined
    yield* Stream.runForEachArray(inWindow(source, settings.from, settings.to), (trips) =>
      Effect.gen(function*() {
        sim.addTrips(trips)
        const last = trips[trips.length - 1]!.requestTime
        if (paced === undefined) sim.runBefore(last)
        else yield* paced(sim, last)
        progress?.update(sim.now, sim.tripsArrived)
      }))
    sim.finish()
    progress?.done(sim.tripsArrived)
    const wallSeconds = (performance.now() - wallStart) / 1000
    const scenario: ScenarioInfo = {
      market: settings.market.id,
      trips: source.name,
      policy: settings.dispatch.policy.name,
      drivers: fleet.length,
      seed: settings.seed,
      from: new Date(scan.start).toISOString(),
      to: new Date(scan.end).toISOString(),
      timeZone: time.timeZone,
      fromLocal: time.iso(scan.start),
      toLocal: time.iso(scan.end),
      settings: settings.describe
    }
    const simulatedSeconds = (scan.end - scan.start) / 1000
    const perSecond = (n: number) => Math.round(n / Math.max(wallSeconds, 1e-6))
    return {
      kpis: collector.result(scenario),
      transport: port?.transport,
      timing: {
        policy: settings.dispatch.policy.name,
        wallSeconds: Math.round(wallSeconds * 1000) / 1000,
        trips: sim.tripsArrived,
        decisions: sim.decisions,
        driverUpdates: sim.publishes,
        simulatedHours: Math.round((simulatedSeconds / 3600) * 1000) / 1000,
        tripsPerWallSecond: perSecond(sim.tripsArrived),
        decisionsPerWallSecond: perSecond(sim.decisions),
        simSecondsPerWallSecond: perSecond(simulatedSeconds)
      }
    }
  }).pipe(Effect.scoped)

const fanOut = (a: (e: SimEvent) => void, b: (e: SimEvent) => void) => (e: SimEvent) => {
  a(e)
  b(e)
}

/**
 * Real-time pacing: simulation time t is due at wall time wallStart + (t − simStart) ÷ speed.
 * Events run in the same order as in virtual time, only later, so the outcome is the same.
 */
const pacer = (simStart: number, speed: number) =>
  Effect.map(Clock.currentTimeMillis, (wallStart) => (sim: Simulation, last: number) =>
    Effect.gen(function*() {
      while (sim.nextEventTime < last) {
        const simNow = simStart + ((yield* Clock.currentTimeMillis) - wallStart) * speed
        const next = sim.nextEventTime
        if (next > simNow) yield* Effect.sleep(Math.max(1, Math.ceil((next - simNow) / speed)))
        else sim.runBefore(Math.min(last, Math.floor(simNow) + 1))
      }
    }))

