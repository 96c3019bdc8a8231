/**
 * Rider patience: how long a rider waits for a match before cancelling the request
 * (`order.cancelled`, decided `unmatched: cancelled`). Each rider draws once, at request time,
 * from a configurable distribution written as a short spec (seconds):
 *
 *   fixed:S | uniform:MIN,MAX | exponential:MEAN | lognormal:MEDIAN,SIGMA
 *
 * The default is a modelling choice, not a measurement (the trip records say nothing about
 * riders who gave up): log-normal with a median of 2 minutes and a log-sd of 0.5, so half the
 * riders wait 1.4-2.8 minutes and about 1 in 12 more than 4 minutes. Draws are clamped to the
 * wire's `maxWaitMs` range (1 s-1 h) so that a cancellation is always a valid message time.
 */
import { Result } from "effect"
import type { SeededRandom } from "../trips/random.ts"
import { InvalidPatience } from "./errors.ts"

export type PatienceDistribution =
  | { readonly kind: "fixed"; readonly seconds: number }
  | { readonly kind: "uniform"; readonly min: number; readonly max: number }
  | { readonly kind: "exponential"; readonly mean: number }
  | { readonly kind: "lognormal"; readonly median: number; readonly sigma: number }

export const DEFAULT_PATIENCE_SPEC = "lognormal:120,0.5"
/** Shortest and longest patience drawn, seconds (the wire's `maxWaitMs` bounds). */
const MIN_PATIENCE_S = 1
const MAX_PATIENCE_S = 3_600

export const parsePatience = (spec: string): Result.Result<PatienceDistribution, InvalidPatience> => {
  const fail = (problem: string) => Result.fail(new InvalidPatience({ spec, problem }))
  const [kind, rest, extra] = spec.trim().split(":")
  if (kind === undefined || rest === undefined || extra !== undefined) return fail("expected KIND:PARAMETERS")
  const numbers = rest.split(",").map((s) => s.trim())
  const values = numbers.map(Number)
  if (numbers.some((s) => s === "") || values.some((v) => !Number.isFinite(v))) return fail(`parameters must be numbers, got "${rest}"`)
  const arity = (n: number) => values.length === n ? undefined : `${kind} takes ${n} parameter${n > 1 ? "s" : ""}, got ${values.length}`
  const positive = (name: string, v: number) => v > 0 ? undefined : `${name} must be > 0, got ${v}`
  const check = (problem: string | undefined, value: PatienceDistribution) => problem === undefined ? Result.succeed(value) : fail(problem)
  const [a = 0, b = 0] = values
  switch (kind) {
    case "fixed":
      return check(arity(1) ?? positive("seconds", a), { kind, seconds: a })
    case "uniform":
      return check(arity(2) ?? positive("min", a) ?? (b >= a ? undefined : `max must be >= min, got ${b} < ${a}`), { kind, min: a, max: b })
    case "exponential":
      return check(arity(1) ?? positive("mean", a), { kind, mean: a })
    case "lognormal":
      return check(arity(2) ?? positive("median", a) ?? (b >= 0 ? undefined : `sigma must be >= 0, got ${b}`), { kind, median: a, sigma: b })
    default:
      return fail(`unknown distribution "${kind}"`)
  }
}

/** One rider's patience, whole milliseconds. */
export const drawPatienceMs = (d: PatienceDistribution, random: SeededRandom): number => {
  const seconds = d.kind === "fixed"
    ? d.seconds
    : d.kind === "uniform"
    ? d.min + (d.max - d.min) * random.next()
    : d.kind === "exponential"
    ? -d.mean * Math.log(1 - random.next())
    : random.logNormal(d.median, d.sigma)
  return Math.round(Math.min(MAX_PATIENCE_S, Math.max(MIN_PATIENCE_S, seconds)) * 1000)
}

export const describePatience = (d: PatienceDistribution): string =>
  d.kind === "fixed"
    ? `fixed:${d.seconds}`
    : d.kind === "uniform"
    ? `uniform:${d.min},${d.max}`
    : d.kind === "exponential"
    ? `exponential:${d.mean}`
    : `lognormal:${d.median},${d.sigma}`
