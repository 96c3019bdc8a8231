/**
 * A seeded synthetic city: trip requests generated lazily, inside a market, with the shape of
 * real demand, for runs where no trips file fits (another city, a bigger day, a stress test).
 *
 * Model (every default a named constant below, with its source):
 * - WHEN: the run is cut into hour slots from `start`; each slot gets its share of
 *   `tripsPerDay` by the demand weight of its local hour (demand-curve.ts), its trips uniform
 *   within the hour. Within a slot the times are drawn, then sorted, so output is sorted.
 * - WHERE: a pickup is, with probability `backgroundShare`, uniform over the market area;
 *   otherwise near a hotspot (chosen by weight), offset by a circular Gaussian of the hotspot's
 *   sigma. Hotspots are given, or placed uniformly in the area from the seed. A point outside
 *   the market (by the engine's `MarketCatalog`) is redrawn.
 * - HOW FAR: the trip's road length is log-normal (median `medianTripKm`, log-sd
 *   `tripKmSigma`); the dropoff lies at road length / road factor in a uniform direction. A
 *   dropoff outside the market is redrawn a few times, then pulled halfway back to the pickup
 *   until inside, so trips near the edge are a little shorter than the curve says.
 * - DERIVED: `tripDistanceKm` = great-circle(pickup, dropoff) x road factor, and
 *   `dropoffTime` = request + that distance at the speed of the request's local hour. Road
 *   factor and speeds come from the market's `eta` parameters when the market file has them,
 *   else the defaults measured on the shared real data.
 *
 * Deterministic: the same options give the same trips, on any machine (random.ts). Lazy:
 * trips are made as they are pulled; only the current hour slot's request times are held
 * (8 bytes a trip), so a 400k-trip day streams in bounded memory.
 */
import { Effect, Result, Stream } from "effect"
import { distanceMeters, type LatLng, type Market } from "#engine"
import { DEFAULT_HOURLY_DEMAND, DEFAULT_TRIPS_PER_DAY, tripsPerSlot } from "./demand-curve.ts"
import { InvalidSyntheticCity } from "./errors.ts"
import { localHour } from "./local-time.ts"
import { resolveMarket, type MarketScope } from "./market-scope.ts"
import { areaBounds, gaussianAround, MAX_REDRAWS, offset, uniformInArea } from "./area-sampling.ts"
import { SeededRandom } from "./random.ts"
import type { Trip } from "./trip.ts"

/** A demand cluster: pickups fall around the centre with a circular Gaussian spread. */
export interface Hotspot {
  readonly lat: number
  readonly lng: number
  /** Standard deviation of the distance from the centre along each axis, metres. */
  readonly sigmaMeters: number
  /** Relative share of the clustered demand. */
  readonly weight: number
}

export interface SyntheticCityOptions {
  readonly market: MarketScope
  /** Unsigned 32-bit integer; the same seed (and options) gives the same trips. */
  readonly seed: number
  /** Epoch ms of the start of the first hour slot; `startOfLocalDay` gives a local midnight. */
  readonly start: number
  /** Length of the run in hours. Default 24. */
  readonly hours?: number
  /** Trips over a whole local day; a run of other length gets its hours' share. Default DEFAULT_TRIPS_PER_DAY. */
  readonly tripsPerDay?: number
  /** 24 relative weights, local hours 0..23. Default DEFAULT_HOURLY_DEMAND. */
  readonly hourlyDemand?: ReadonlyArray<number>
  /** Explicit hotspots; when absent, `hotspotCount` are placed from the seed. */
  readonly hotspots?: ReadonlyArray<Hotspot>
  /** Hotspots to place at random when none are given. Default DEFAULT_HOTSPOT_COUNT. */
  readonly hotspotCount?: number
  /** Share of pickups uniform over the whole market, 0..1. Default DEFAULT_BACKGROUND_SHARE. */
  readonly backgroundShare?: number
  /** Median road length of a trip, km. Default DEFAULT_MEDIAN_TRIP_KM. */
  readonly medianTripKm?: number
  /** Standard deviation of ln(road length). Default DEFAULT_TRIP_KM_SIGMA. */
  readonly tripKmSigma?: number
  /** Road length / great-circle length, >= 1. Default: the market's `eta.roadFactor`, else DEFAULT_ROAD_FACTOR. */
  readonly roadFactor?: number
  /** Road speed in km/h for each local hour. Default: the market's `eta.speedKmhByHour`, else DEFAULT_SPEED_KMH_BY_HOUR. */
  readonly speedKmhByHour?: ReadonlyArray<number>
}

/**
 * Hotspots placed when none are given: a handful of centres, like a city's busy districts,
 * uniform over the market, each with DEFAULT_HOTSPOT_SIGMA_METERS and a weight uniform in [0.5, 1.5).
 */
export const DEFAULT_HOTSPOT_COUNT = 5
/** Spread of a placed hotspot, metres: a district a few km across (a modelling choice, not measured). */
export const DEFAULT_HOTSPOT_SIGMA_METERS = 1_500
/** Share of pickups outside any cluster (a modelling choice, not measured). */
export const DEFAULT_BACKGROUND_SHARE = 0.2
/** Median `trip_distance_km` of the shared real data: 2.808 km. */
export const DEFAULT_MEDIAN_TRIP_KM = 2.8
/**
 * Log-sd of trip length, fitted to the interquartile range of ln(trip_distance_km) of the
 * shared real data ((ln q3 - ln q1) / 1.349 = 0.749; quartiles 1.69 and 4.65 km).
 */
export const DEFAULT_TRIP_KM_SIGMA = 0.75
/** Median of trip_distance_km / great-circle distance in the shared real data (trips over 0.5 km): 1.194. */
export const DEFAULT_ROAD_FACTOR = 1.2
/**
 * Median trip speed (trip_distance_km / duration) by local request hour 0..23 in the shared
 * real data, km/h: fast at night, slowest at the 17:00 rush.
 */
export const DEFAULT_SPEED_KMH_BY_HOUR: ReadonlyArray<number> = [
  23.2, 23.5, 23.8, 25.3, 28.9, 28.9, 26.3, 21.8, 18.4, 19.5, 20.4, 19.7,
  19.1, 18.8, 18.7, 18.6, 18.5, 17.4, 18.2, 19.7, 20.7, 20.8, 21.4, 21.9
]

/** Longest run accepted, hours: a leap year. */
export const MAX_HOURS = 8_784
/** Largest daily volume accepted, trips: far above any city, small enough to be a typo guard. */
export const MAX_TRIPS_PER_DAY = 50_000_000
/** Most hotspots placed at random: beyond that the clusters blur into background anyway. */
export const MAX_HOTSPOTS = 1_000
/** Trips per stream chunk. */
const CHUNK_SIZE = 1_024
/** Full redraws of a dropoff before pulling it back towards the pickup. */
const MAX_DROPOFF_REDRAWS = 8
/** Halvings of a dropoff offset towards its pickup (2^-60 of 20,000 km is under a nanometre). */
const MAX_PULL_BACKS = 60
const HOUR_MS = 3_600_000
/** Random streams of one seed (random.ts): placing hotspots must not shift the trips drawn. */
const PLACEMENT_STREAM = 1
const TRIPS_STREAM = 2

/** Options checked, defaults applied and hotspots placed: everything generation needs. */
export interface SyntheticCityPlan {
  readonly market: Market
  readonly contains: (lat: number, lng: number) => boolean
  readonly seed: number
  readonly start: number
  readonly hotspots: ReadonlyArray<Hotspot>
  readonly backgroundShare: number
  readonly medianTripKm: number
  readonly tripKmSigma: number
  readonly roadFactor: number
  readonly speedKmhByHour: ReadonlyArray<number>
  /** Local hour of each hour slot of the run. */
  readonly slotHours: ReadonlyArray<number>
  /** Trips in each hour slot. */
  readonly slotTrips: ReadonlyArray<number>
}

/** Checks the options (all problems at once) and resolves them into a plan. */
export const planSyntheticCity = (options: SyntheticCityOptions): Result.Result<SyntheticCityPlan, InvalidSyntheticCity> => {
  const problems: Array<string> = []
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem)
  }
  const resolved = resolveMarket(options.market)
  if (Result.isFailure(resolved)) return Result.fail(new InvalidSyntheticCity({ problems: [resolved.failure.problem] }))
  const { market, contains } = resolved.success

  const hours = options.hours ?? 24
  const tripsPerDay = options.tripsPerDay ?? DEFAULT_TRIPS_PER_DAY
  const demand = options.hourlyDemand ?? DEFAULT_HOURLY_DEMAND
  const backgroundShare = options.backgroundShare ?? DEFAULT_BACKGROUND_SHARE
  const medianTripKm = options.medianTripKm ?? DEFAULT_MEDIAN_TRIP_KM
  const tripKmSigma = options.tripKmSigma ?? DEFAULT_TRIP_KM_SIGMA
  const roadFactor = options.roadFactor ?? market.eta?.roadFactor ?? DEFAULT_ROAD_FACTOR
  const speedKmhByHour = options.speedKmhByHour ?? market.eta?.speedKmhByHour ?? DEFAULT_SPEED_KMH_BY_HOUR
  const hotspotCount = options.hotspotCount ?? DEFAULT_HOTSPOT_COUNT

  check(Number.isInteger(options.seed) && options.seed >= 0 && options.seed < 2 ** 32, `seed must be an integer in [0, 2^32), got ${options.seed}`)
  check(Number.isFinite(options.start), `start must be a finite epoch time in ms, got ${options.start}`)
  check(Number.isInteger(hours) && hours >= 1 && hours <= MAX_HOURS, `hours must be an integer in [1, ${MAX_HOURS}], got ${hours}`)
  check(Number.isInteger(tripsPerDay) && tripsPerDay >= 0 && tripsPerDay <= MAX_TRIPS_PER_DAY, `tripsPerDay must be an integer in [0, ${MAX_TRIPS_PER_DAY}], got ${tripsPerDay}`)
  check(isWeights(demand) && demand.some((w) => w > 0), "hourlyDemand must be 24 finite weights >= 0, not all 0")
  check(backgroundShare >= 0 && backgroundShare <= 1, `backgroundShare must be in [0, 1], got ${backgroundShare}`)
  check(medianTripKm > 0 && Number.isFinite(medianTripKm), `medianTripKm must be a finite number > 0, got ${medianTripKm}`)
  check(tripKmSigma >= 0 && Number.isFinite(tripKmSigma), `tripKmSigma must be a finite number >= 0, got ${tripKmSigma}`)
  check(roadFactor >= 1 && Number.isFinite(roadFactor), `roadFactor must be a finite number >= 1, got ${roadFactor}`)
  check(isWeights(speedKmhByHour) && speedKmhByHour.every((s) => s > 0), "speedKmhByHour must be 24 finite speeds > 0")
  check(options.hotspots === undefined || options.hotspotCount === undefined, "give hotspots or hotspotCount, not both")
  check(Number.isInteger(hotspotCount) && hotspotCount >= 0 && hotspotCount <= MAX_HOTSPOTS, `hotspotCount must be an integer in [0, ${MAX_HOTSPOTS}], got ${hotspotCount}`)
  options.hotspots?.forEach((h, i) => {
    check(contains(h.lat, h.lng), `hotspots[${i}] (${h.lat},${h.lng}) is not inside market ${market.id}`)
    check(h.sigmaMeters > 0 && Number.isFinite(h.sigmaMeters), `hotspots[${i}].sigmaMeters must be a finite number > 0`)
    check(h.weight >= 0 && Number.isFinite(h.weight), `hotspots[${i}].weight must be a finite number >= 0`)
  })
  check(options.hotspots === undefined || options.hotspots.length === 0 || options.hotspots.some((h) => h.weight > 0), "hotspot weights must not all be 0")
  if (problems.length > 0) return Result.fail(new InvalidSyntheticCity({ problems }))

  const area = areaBounds(market)
  const placement = new SeededRandom(options.seed, PLACEMENT_STREAM)
  const placed: Array<Hotspot> = []
  if (options.hotspots === undefined) {
    for (let i = 0; i < hotspotCount; i++) {
      const centre = uniformInArea(placement, area, contains)
      if (centre === undefined) {
        return Result.fail(new InvalidSyntheticCity({ problems: [`no point of market ${market.id} found in ${MAX_REDRAWS} draws over its bounding box`] }))
      }
      placed.push({ ...centre, sigmaMeters: DEFAULT_HOTSPOT_SIGMA_METERS, weight: 0.5 + placement.next() })
    }
  }
  const hotspots = options.hotspots ?? placed
  const slotHours = Array.from({ length: hours }, (_, k) => localHour(options.start + k * HOUR_MS, market.timeZone))
  return Result.succeed({
    market,
    contains,
    seed: options.seed,
    start: options.start,
    hotspots,
    // Without a cluster every pickup is background.
    backgroundShare: hotspots.length === 0 ? 1 : backgroundShare,
    medianTripKm,
    tripKmSigma,
    roadFactor,
    speedKmhByHour,
    slotHours,
    slotTrips: tripsPerSlot(tripsPerDay, demand, slotHours)
  })
}

/** The plan's trips, in request time order, generated one hour slot at a time. */
export function* generateTrips(plan: SyntheticCityPlan): Generator<Trip> {
  const random = new SeededRandom(plan.seed, TRIPS_STREAM)
  const area = areaBounds(plan.market)
  const totalWeight = plan.hotspots.reduce((sum, h) => sum + h.weight, 0)
  // A point known to be inside, for the rare draw that keeps missing the area.
  const first = plan.hotspots[0]
  const fallback: LatLng = first !== undefined
    ? { lat: first.lat, lng: first.lng }
    : uniformInArea(random, area, plan.contains) ?? { lat: area.south, lng: area.west }
  let line = 0
  for (let slot = 0; slot < plan.slotTrips.length; slot++) {
    const slotStart = plan.start + slot * HOUR_MS
    const speedKmh = plan.speedKmhByHour[plan.slotHours[slot]!]!
    const times = new Float64Array(plan.slotTrips[slot]!)
    for (let i = 0; i < times.length; i++) times[i] = Math.floor(slotStart + random.next() * HOUR_MS)
    times.sort()
    for (const requestTime of times) {
      const pickup = random.next() < plan.backgroundShare
        ? uniformInArea(random, area, plan.contains) ?? fallback
        : gaussianAround(random, pickHotspot(random, plan.hotspots, totalWeight), plan.contains)
      const dropoff = dropoffFrom(random, pickup, plan)
      const tripDistanceKm = (distanceMeters(pickup.lat, pickup.lng, dropoff.lat, dropoff.lng) / 1000) * plan.roadFactor
      yield {
        requestTime,
        pickup,
        dropoff,
        dropoffTime: requestTime + Math.round((tripDistanceKm / speedKmh) * HOUR_MS),
        tripDistanceKm,
        line: ++line
      }
    }
  }
}

/** The synthetic city as a stream: options checked now, trips generated afresh on each run. */
export const syntheticCity = (options: SyntheticCityOptions): Effect.Effect<Stream.Stream<Trip>, InvalidSyntheticCity> =>
  Effect.map(Effect.fromResult(planSyntheticCity(options)), (plan) =>
    Stream.fromIterable({ [Symbol.iterator]: () => generateTrips(plan) }, { chunkSize: CHUNK_SIZE }))

const isWeights = (values: ReadonlyArray<number>): boolean =>
  values.length === 24 && values.every((v) => Number.isFinite(v) && v >= 0)

const pickHotspot = (random: SeededRandom, hotspots: ReadonlyArray<Hotspot>, totalWeight: number): Hotspot => {
  let r = random.next() * totalWeight
  for (const h of hotspots) {
    r -= h.weight
    if (r < 0) return h
  }
  return hotspots[hotspots.length - 1]!
}

const dropoffFrom = (random: SeededRandom, pickup: LatLng, plan: SyntheticCityPlan): LatLng => {
  let north = 0
  let east = 0
  for (let i = 0; i < MAX_DROPOFF_REDRAWS; i++) {
    const meters = (random.logNormal(plan.medianTripKm, plan.tripKmSigma) * 1000) / plan.roadFactor
    const bearing = 2 * Math.PI * random.next()
    north = meters * Math.cos(bearing)
    east = meters * Math.sin(bearing)
    const p = offset(pickup, north, east)
    if (plan.contains(p.lat, p.lng)) return p
  }
  // Halving converges on the pickup, which is inside: after MAX_PULL_BACKS the offset is
  // below a nanometre for any trip on Earth.
  for (let i = 0; i < MAX_PULL_BACKS; i++) {
    north /= 2
    east /= 2
    const p = offset(pickup, north, east)
    if (plan.contains(p.lat, p.lng)) return p
  }
  return pickup
}
