/**
 * The simulation core: the fleet and rider models around the engine's `Dispatcher`, driven by
 * an agenda of timed events in virtual time. Plain, synchronous and deterministic: no clock is
 * read, no Effect runs per event; randomness comes only from the seed, one stream per model, so
 * turning one model on does not change the draws of another.
 *
 * Event kinds and their order within one millisecond (lower first):
 *   0 driver  arrivals (pickup, dropoff, reposition target), decline answers, position
 *             publishes, reposition checks, rebalancing steps, shift changes: supply is up
 *             to date first;
 *   1 patience  a rider gives up (`order.cancelled`) if still unmatched;
 *   2 arrival   a trip's request (`order.requested`), in input order;
 *   3 tick      the batch window closes (`Dispatcher.tick` at `nextDeadline`).
 *
 * Feeding: `addTrips` schedules arrivals (times never go back), `runBefore(t)` processes every
 * event before t, `finish()` drains: no new shifts or repositioning, events run until every
 * trip has its outcome and every ride has ended. Events at the time of the last trip fed wait
 * for the next batch, so how the input is cut into batches cannot change the order.
 *
 * Decline model: a matched driver declines with `declineProbability`, answering after
 * `declineResponseMs`. The order's decision stands (the engine's lifecycle is terminal), so the
 * trip goes back to matching as a NEW order, id `<trip order id>.<attempt>`, with the original
 * request time (the rider's wait and the engine's `maxWaitMs` keep counting). The decliner stays
 * out of the pool until that order is decided, so it is never offered the same rider twice.
 * A match to a driver the run does not own (a foreign driver in the same market) is declined
 * the same way, at once, and reported as a `foreignMatch`: never a crash.
 */
import {
  type Decision,
  Dispatcher,
  type DispatchSettings,
  type DriverState,
  type Eta,
  type LatLng,
  LocalHour,
  type Market,
  type OrderRequested,
  StreetRoutes,
  WIRE_VERSION
} from "#engine"
import type { DemandSample } from "../fleet/demand-sample.ts"
import { type FleetState, type LegKind, SimDriver, wireStatusOf } from "../fleet/driver.ts"
import { GreatCircleLegs, type LegPlanner, type RecordedRide } from "../fleet/leg-path.ts"
import { StreetLegs } from "../fleet/motion.ts"
import { Rebalancer } from "../fleet/rebalancer.ts"
import { type RepositionSettings, repositionTarget } from "../fleet/repositioning.ts"
import type { Shift } from "../fleet/shifts.ts"
import { drawPatienceMs, type PatienceDistribution } from "../riders/patience.ts"
import { SeededRandom } from "../trips/random.ts"
import type { Trip } from "../trips/trip.ts"
import type { DispatchPort } from "./dispatch-port.ts"
import { EventQueue } from "./event-queue.ts"
import type { SimEvent } from "../events/sim-events.ts"

/** One driver of the fleet as the run starts. */
export interface DriverSetup {
  readonly driverId: string
  readonly position: LatLng
  /** Absent: on duty the whole run. */
  readonly shift: Shift | undefined
}

export interface SimulationConfig {
  readonly market: Market
  /**
   * The ETA model the dispatcher ranks by and drivers drive at: the road model's drivers drive
   * its routes (fleet/motion.ts), any other model's the great circle.
   */
  readonly eta: Eta
  /** Road distance ÷ great-circle distance, for road kilometres of great-circle legs without a record. */
  readonly roadFactor: number
  readonly dispatch: DispatchSettings
  readonly seed: number
  /** The engine's wait limit on each order (`maxWaitMs`). */
  readonly maxWaitMs: number
  readonly patience: PatienceDistribution
  readonly declineProbability: number
  readonly declineResponseMs: number
  /** Moving drivers publish their position this often; 0: only on change. */
  readonly publishIntervalMs: number
  /** Absent: idle drivers stay where they are. */
  readonly reposition: RepositionSettings | undefined
  readonly fleet: ReadonlyArray<DriverSetup>
  readonly demand: DemandSample
  /** When the fleet comes on (epoch ms): no trip may be earlier. */
  readonly start: number
  /** The engine to dispatch through; default the engine's `Dispatcher` in this process. */
  readonly port?: DispatchPort | undefined
}

const PRIORITY_DRIVER = 0, PRIORITY_PATIENCE = 1, PRIORITY_ARRIVAL = 2, PRIORITY_TICK = 3
/** Decided orders the dispatcher remembers (for deduplication), ms of simulation time. */
const DECISION_MEMORY_MS = 3_600_000
/** Random streams of the seed, one per model (random.ts). */
const PATIENCE_STREAM = 11, DECLINE_STREAM = 12, REPOSITION_STREAM = 13

type Ride = {
  readonly trip: Trip
  readonly baseOrderId: string
  readonly riderId: string
  attempt: number
  orderId: string
  readonly patienceDeadline: number
  phase: "open" | "offered" | "accepted"
  gaveUp: boolean
  /** A driver who declined the previous attempt, out of the pool until this attempt is decided. */
  heldDriver: SimDriver | undefined
}

type Agenda =
  | { readonly kind: "arrival"; readonly trip: Trip }
  | { readonly kind: "patience"; readonly ride: Ride }
  | { readonly kind: "tick" }
  | { readonly kind: "rebalance" }
  | { readonly kind: "arrive" | "respond" | "publish" | "reposition"; readonly driver: SimDriver; readonly epoch: number }
  | { readonly kind: "shift"; readonly driver: SimDriver }

export class Simulation {
  readonly dispatcher: DispatchPort
  readonly drivers: ReadonlyArray<SimDriver>
  readonly #config: SimulationConfig
  readonly #emit: (event: SimEvent) => void
  readonly #queue = new EventQueue<Agenda>()
  readonly #byId = new Map<string, SimDriver>()
  readonly #shifts: Array<Shift | undefined>
  /** Open or offered orders by id. */
  readonly #rides = new Map<string, Ride>()
  /** The ride a driver is serving or has been offered. */
  readonly #rideOf = new Map<SimDriver, Ride>()
  readonly #patienceRandom: SeededRandom
  readonly #declineRandom: SeededRandom
  readonly #repositionRandom: SeededRandom
  readonly #localHour: LocalHour
  readonly #legs: LegPlanner
  /** With `--reposition-method rebalance`. */
  readonly #rebalancer: Rebalancer | undefined
  #now: number
  /** Latest trip time fed: events at or after it wait for the next batch. */
  #fedUntil: number
  #tickAt: number | undefined = undefined
  #forgetAt: number
  #draining = false
  #ridesInFlight = 0
  #tripsArrived = 0
  #decisions = 0
  #publishes = 0

  constructor(config: SimulationConfig, emit: (event: SimEvent) => void) {
    this.#config = config
    this.#emit = emit
    this.dispatcher = config.port ?? new Dispatcher(config.market, config.eta, config.dispatch)
    this.#patienceRandom = new SeededRandom(config.seed, PATIENCE_STREAM)
    this.#declineRandom = new SeededRandom(config.seed, DECLINE_STREAM)
    this.#repositionRandom = new SeededRandom(config.seed, REPOSITION_STREAM)
    this.#localHour = new LocalHour(config.market.timeZone)
    const greatCircle = new GreatCircleLegs(config.eta, config.roadFactor)
    const streets = StreetRoutes.of(config.eta)
    this.#legs = streets === undefined ? greatCircle : new StreetLegs(streets, greatCircle)
    this.#now = this.#fedUntil = config.start
    this.#forgetAt = config.start + DECISION_MEMORY_MS
    const reposition = config.reposition
    this.#rebalancer = reposition?.method === "rebalance" ? new Rebalancer(reposition) : undefined
    if (this.#rebalancer !== undefined) this.#queue.push(config.start + this.#rebalancer.settings.intervalMs, PRIORITY_DRIVER, { kind: "rebalance" })
    this.drivers = config.fleet.map((d, i) => new SimDriver(d.driverId, i, d.position, config.start))
    this.#shifts = config.fleet.map((d) => d.shift)
    for (const driver of this.drivers) {
      this.#byId.set(driver.id, driver)
      const shift = this.#shifts[driver.number]
      if (shift === undefined || shift.onDuty(config.start)) this.#logOn(driver)
      else this.#publish(driver)
      if (shift !== undefined) this.#queue.push(shift.nextChange(config.start), PRIORITY_DRIVER, { kind: "shift", driver })
    }
  }

  get now(): number {
    return this.#now
  }
  get tripsArrived(): number {
    return this.#tripsArrived
  }
  get decisions(): number {
    return this.#decisions
  }
  get publishes(): number {
    return this.#publishes
  }
  /** Trips requested and not yet ended (unmatched, or dropped off). */
  get ridesInFlight(): number {
    return this.#ridesInFlight
  }
  get nextEventTime(): number {
    return this.#queue.nextTime
  }

  /** Schedules the trips' requests. Trips must come in non-decreasing request time, never before the last fed. */
  addTrips(trips: ReadonlyArray<Trip>): void {
    for (const trip of trips) {
      if (trip.requestTime < this.#fedUntil) {
        throw new RangeError(`trip of line ${trip.line} requested at ${trip.requestTime}, before ${this.#fedUntil}: trips must be in request time order`)
      }
      this.#fedUntil = trip.requestTime
      this.#queue.push(trip.requestTime, PRIORITY_ARRIVAL, { kind: "arrival", trip })
    }
  }

  /** Processes every event strictly before `t` (and before the last trip fed). */
  runBefore(t: number): void {
    const until = Math.min(t, this.#fedUntil)
    while (this.#queue.nextTime < until) this.#step()
  }

  /** Runs to the end: every trip gets its outcome, every ride ends. No new shifts or repositioning. */
  finish(): void {
    this.#draining = true
    while (this.#ridesInFlight > 0 && this.#queue.size > 0) this.#step()
  }

  #step(): void {
    const time = this.#queue.nextTime
    const event = this.#queue.pop()!
    this.#now = time
    switch (event.kind) {
      case "arrival":
        return this.#onArrival(event.trip)
      case "patience":
        return this.#onPatience(event.ride)
      case "tick":
        if (this.#tickAt !== time) return
        this.#tickAt = undefined
        return this.#handle(this.dispatcher.tick(time))
      case "shift":
        return this.#onShift(event.driver)
      case "rebalance":
        return this.#onRebalance()
    }
    if (event.epoch !== event.driver.epoch) return
    switch (event.kind) {
      case "arrive":
        return this.#onArrive(event.driver)
      case "respond":
        return this.#onDecline(event.driver)
      case "publish":
        this.#publish(event.driver)
        return this.#schedulePublish(event.driver)
      case "reposition":
        return this.#onRepositionCheck(event.driver)
    }
  }

  // ---- riders and orders

  #onArrival(trip: Trip): void {
    const now = this.#now
    this.#tripsArrived++
    this.#ridesInFlight++
    this.#rebalancer?.record(now, trip.pickup)
    if (now >= this.#forgetAt) {
      this.dispatcher.forgetDecisionsBefore(now - DECISION_MEMORY_MS)
      this.#forgetAt = now + DECISION_MEMORY_MS
    }
    const patienceMs = drawPatienceMs(this.#config.patience, this.#patienceRandom)
    const baseOrderId = `t${trip.line}`
    const ride: Ride = {
      trip,
      baseOrderId,
      riderId: `r${trip.line}`,
      attempt: 1,
      orderId: baseOrderId,
      patienceDeadline: trip.requestTime + patienceMs,
      phase: "open",
      gaveUp: false,
      heldDriver: undefined
    }
    this.#rides.set(ride.orderId, ride)
    this.#emit({ type: "requested", at: now, orderId: ride.orderId, pickup: trip.pickup, patienceMs })
    this.#handle(this.dispatcher.request(this.#orderOf(ride), now))
    // Greedy decides at once; only a ride still waiting (or offered) can run out of patience.
    if (this.#rides.get(ride.orderId) === ride || ride.phase === "offered") {
      this.#queue.push(ride.patienceDeadline, PRIORITY_PATIENCE, { kind: "patience", ride })
    }
  }

  #orderOf(ride: Ride): OrderRequested {
    const { trip } = ride
    return {
      v: WIRE_VERSION,
      type: "order.requested",
      orderId: ride.orderId,
      riderId: ride.riderId,
      market: this.#config.market.id,
      pickup: trip.pickup,
      dropoff: trip.dropoff,
      requestedAt: trip.requestTime,
      maxWaitMs: this.#config.maxWaitMs
    }
  }

  #onPatience(ride: Ride): void {
    if (ride.phase === "offered") {
      ride.gaveUp = true
    } else if (ride.phase === "open" && this.dispatcher.isOpen(ride.orderId)) {
      this.#handle(this.#cancel(ride))
    }
  }

  #cancel(ride: Ride): Array<Decision> {
    return this.dispatcher.cancel({ v: WIRE_VERSION, type: "order.cancelled", orderId: ride.orderId, market: this.#config.market.id, at: this.#now, reason: "rider patience" }, this.#now)
  }

  #handle(decisions: ReadonlyArray<Decision>): void {
    for (const decision of decisions) this.#onDecision(decision)
    const deadline = this.dispatcher.nextDeadline
    if (deadline !== undefined && deadline !== this.#tickAt) {
      this.#tickAt = deadline
      this.#queue.push(deadline, PRIORITY_TICK, { kind: "tick" })
    }
  }

  #onDecision(decision: Decision): void {
    const ride = this.#rides.get(decision.orderId)
    if (ride === undefined) throw new Error(`decision for unknown order ${decision.orderId}`)
    this.#rides.delete(decision.orderId)
    this.#decisions++
    this.#emit({ type: "decision", decision, requestedAt: ride.trip.requestTime, attempt: ride.attempt, pickup: ride.trip.pickup })
    const held = ride.heldDriver
    if (held !== undefined) {
      ride.heldDriver = undefined
      this.#becomeFree(held)
    }
    if (decision.type === "order.unmatched") {
      this.#ridesInFlight--
      return
    }
    const driver = this.#byId.get(decision.driverId)
    if (driver === undefined) return this.#onForeignMatch(ride, decision.driverId)
    this.#rideOf.set(driver, ride)
    const p = this.#config.declineProbability
    if (p > 0 && this.#declineRandom.next() < p) {
      ride.phase = "offered"
      this.#finishLeg(driver)
      driver.epoch++
      this.#transition(driver, "offered")
      this.#queue.push(this.#now + this.#config.declineResponseMs, PRIORITY_DRIVER, { kind: "respond", driver, epoch: driver.epoch })
    } else {
      ride.phase = "accepted"
      this.#startPickup(driver, ride)
    }
  }

  #onDecline(driver: SimDriver): void {
    const ride = this.#rideOf.get(driver)!
    this.#rideOf.delete(driver)
    this.#emit({ type: "declined", at: this.#now, orderId: ride.orderId, driverId: driver.id })
    this.#retry(ride, driver)
  }

  /**
   * The engine matched a driver this run does not drive: one put into the same market by
   * someone else (an operator's `PUT /v1/drivers/{id}/state`, another simulation). Nobody here
   * can drive it to the pickup, so the simulation declines it at once: the trip goes back to
   * matching as its next attempt, and the engine keeps that driver reserved until its owner
   * reports it again (docs/engine.md, "Reservations"), so it is not offered the trip twice.
   */
  #onForeignMatch(ride: Ride, driverId: string): void {
    this.#emit({ type: "foreignMatch", at: this.#now, orderId: ride.orderId, driverId })
    this.#retry(ride, undefined)
  }

  /** The trip's next attempt (a new order id), or its cancellation if the rider has given up. */
  #retry(ride: Ride, decliner: SimDriver | undefined): void {
    ride.attempt++
    ride.orderId = `${ride.baseOrderId}.${ride.attempt}`
    ride.phase = "open"
    ride.heldDriver = decliner
    this.#rides.set(ride.orderId, ride)
    if (ride.gaveUp || this.#now >= ride.patienceDeadline) this.#handle(this.#cancel(ride))
    else this.#handle(this.dispatcher.request(this.#orderOf(ride), this.#now))
  }

  // ---- drivers

  #startPickup(driver: SimDriver, ride: Ride): void {
    this.#finishLeg(driver)
    this.#drive(driver, "pickup", ride.trip.pickup, Infinity, undefined)
    this.#transition(driver, "to_pickup")
  }

  #onArrive(driver: SimDriver): void {
    const now = this.#now
    this.#finishLeg(driver)
    if (driver.state === "to_pickup") {
      const ride = this.#rideOf.get(driver)!
      const { trip } = ride
      this.#emit({ type: "pickedUp", at: now, orderId: ride.orderId, driverId: driver.id, requestedAt: trip.requestTime, pickup: trip.pickup })
      // The record's own duration and length where it has them, else the model's.
      const record: RecordedRide = {
        durationMs: trip.dropoffTime === undefined ? undefined : trip.dropoffTime - trip.requestTime,
        meters: trip.tripDistanceKm === undefined ? undefined : trip.tripDistanceKm * 1000
      }
      this.#drive(driver, "trip", trip.dropoff, Infinity, record)
      this.#transition(driver, "on_trip")
    } else if (driver.state === "on_trip") {
      const ride = this.#rideOf.get(driver)!
      this.#rideOf.delete(driver)
      this.#ridesInFlight--
      this.#emit({ type: "droppedOff", at: now, orderId: ride.orderId, driverId: driver.id })
      this.#becomeFree(driver)
    } else if (driver.state === "repositioning") {
      this.#transition(driver, "idle")
      this.#scheduleRepositionCheck(driver)
    }
  }

  /** After a ride or a declined offer: available again, or off duty if the shift is over. */
  #becomeFree(driver: SimDriver): void {
    driver.epoch++
    if (driver.logOffWhenFree) {
      driver.logOffWhenFree = false
      this.#transition(driver, "offline")
      return
    }
    this.#transition(driver, "idle")
    this.#scheduleRepositionCheck(driver)
  }

  #logOn(driver: SimDriver): void {
    driver.logOffWhenFree = false
    if (driver.state !== "offline") return
    driver.epoch++
    this.#transition(driver, "idle")
    this.#scheduleRepositionCheck(driver)
  }

  #onShift(driver: SimDriver): void {
    const shift = this.#shifts[driver.number]!
    const now = this.#now
    if (shift.onDuty(now)) {
      this.#logOn(driver)
    } else if (driver.state === "idle" || driver.state === "repositioning") {
      this.#finishLeg(driver)
      driver.epoch++
      this.#transition(driver, "offline")
    } else if (driver.state !== "offline") {
      driver.logOffWhenFree = true
    }
    if (!this.#draining) this.#queue.push(shift.nextChange(now), PRIORITY_DRIVER, { kind: "shift", driver })
  }

  #scheduleRepositionCheck(driver: SimDriver): void {
    const settings = this.#config.reposition
    if (settings?.method !== "heuristic" || this.#draining) return
    this.#queue.push(this.#now + settings.afterMs, PRIORITY_DRIVER, { kind: "reposition", driver, epoch: driver.epoch })
  }

  #onRepositionCheck(driver: SimDriver): void {
    if (driver.state !== "idle" || this.#draining) return
    const now = this.#now
    const from = driver.positionAt(now)
    const settings = this.#config.reposition
    if (settings?.method !== "heuristic") return
    const target = repositionTarget(from, now, this.#config.demand, this.#localHour, settings, this.#repositionRandom)
    if (target === undefined) return this.#scheduleRepositionCheck(driver)
    this.#drive(driver, "reposition", target, settings.maxMeters, undefined)
    this.#transition(driver, "repositioning")
  }

  /** A rebalancing step (fleet/rebalancer.ts): idle drivers of zones over their share of recent demand drive to zones under it. */
  #onRebalance(): void {
    const rebalancer = this.#rebalancer
    if (rebalancer === undefined || this.#draining) return
    const now = this.#now
    for (const move of rebalancer.step(now, this.drivers)) {
      const driver = this.drivers[move.driver]!
      this.#drive(driver, "reposition", move.to, Infinity, undefined)
      this.#transition(driver, "repositioning")
    }
    this.#queue.push(now + rebalancer.settings.intervalMs, PRIORITY_DRIVER, { kind: "rebalance" })
  }

  /**
   * Starts a leg from the driver's position now toward `to` (at most `maxMeters` of road), as
   * the leg planner plans it; its arrival and position publishes are scheduled.
   */
  #drive(driver: SimDriver, kind: LegKind, to: LatLng, maxMeters: number, record: RecordedRide | undefined): void {
    const now = this.#now
    driver.epoch++
    const from = driver.positionAt(now)
    driver.startLeg(kind, now, from, this.#legs.plan(driver.number, from, to, now, maxMeters, record))
    this.#queue.push(driver.arriveAt, PRIORITY_DRIVER, { kind: "arrive", driver, epoch: driver.epoch })
    this.#schedulePublish(driver)
  }

  /**
   * The next interval update of a moving driver. Only available (repositioning) drivers send
   * them: a busy driver's interim position is never read by the dispatcher (busy drivers are
   * in no index bucket, and the driver reports its position when it becomes available), so in
   * process they would change nothing and cost most of a month's replay.
   */
  #schedulePublish(driver: SimDriver): void {
    const interval = this.#config.publishIntervalMs
    const next = this.#now + interval
    if (interval > 0 && next < driver.arriveAt && driver.legKind === "reposition") {
      this.#queue.push(next, PRIORITY_DRIVER, { kind: "publish", driver, epoch: driver.epoch })
    }
  }

  /** Ends the current leg where the driver is now (reports it), leaving the driver stationary. */
  #finishLeg(driver: SimDriver): void {
    const kind = driver.legKind
    if (kind === undefined) return
    const now = this.#now
    const to = driver.positionAt(now)
    this.#emit({
      type: "leg",
      driverId: driver.id,
      kind,
      from: { lat: driver.fromLat, lng: driver.fromLng },
      to,
      departAt: driver.departAt,
      arriveAt: now,
      roadMeters: driver.metersAt(now)
    })
    driver.stopAt(now)
  }

  #transition(driver: SimDriver, to: FleetState): void {
    const from = driver.state
    if (from !== to) {
      this.#emit({ type: "driver", at: this.#now, driverId: driver.id, from, to })
      driver.state = to
    }
    this.#publish(driver)
  }

  /** The driver's own state update, stamped now: what a driver app sends on change and at an interval. */
  #publish(driver: SimDriver): void {
    const { lat, lng } = driver.positionAt(this.#now)
    const state: DriverState = {
      v: WIRE_VERSION,
      type: "driver.state",
      driverId: driver.id,
      market: this.#config.market.id,
      lat,
      lng,
      status: wireStatusOf(driver.state),
      at: this.#now
    }
    this.#publishes++
    this.dispatcher.driverState(state)
  }
}
