/**
 * The scenario a `dispatch simulate` command line describes: the scenario file's (or, with no
 * file, every default), with each flag given laid over the field it names. Precedence, highest
 * first: a flag on the command line, the scenario file, the environment (DISPATCH_MARKETS,
 * NATS_URL: read when the run starts), the defaults. `--trips` or `--synthetic` replaces the
 * file's trips source by one of its own kind; `--compare` replaces `--policy`.
 */
import { POLICIES, type PolicyName, splitList } from "#engine"
import { Effect, Option } from "effect"
import { InvalidFlag } from "../scenario/errors.ts"
import { DEFAULT_SYNTHETIC_DATE, DEFAULT_SYNTHETIC_HOURS, type Scenario, type ScenarioFile, TRIP_TIME_EXPECTED, type TripsSource } from "../scenario/scenario.ts"
import { parseTripTime } from "../trips/trip-time.ts"
import type { SimulateFlags } from "./simulate-flags.ts"

type Given<T> = { readonly [K in keyof T]?: Option.Option<NonNullable<T[K]>> }

/** `base` with each field whose flag was given replaced by the flag's value. */
const overlay = <T extends object>(base: T, given: Given<T>): T => {
  const fields = { ...base } as Record<string, unknown>
  for (const [key, value] of Object.entries(given) as Array<[string, Option.Option<unknown>]>) {
    if (Option.isSome(value)) fields[key] = value.value
  }
  return fields as T
}

const tripsSource = (flags: SimulateFlags["trips"], base: TripsSource | undefined): Effect.Effect<TripsSource, InvalidFlag> =>
  Effect.gen(function*() {
    if (Option.isSome(flags.trips) && Option.isSome(flags.synthetic)) return yield* new InvalidFlag({ flag: "synthetic", problem: "give --trips or --synthetic, not both" })
    const source: TripsSource | undefined = Option.isSome(flags.trips)
      ? { ...(base?.kind === "file" ? base : {}), kind: "file", path: flags.trips.value }
      : Option.isSome(flags.synthetic)
      ? { date: DEFAULT_SYNTHETIC_DATE, hours: DEFAULT_SYNTHETIC_HOURS, ...(base?.kind === "synthetic" ? base : {}), kind: "synthetic", tripsPerDay: flags.synthetic.value }
      : base
    if (source === undefined) {
      return yield* new InvalidFlag({ flag: "trips", problem: "give a trips file (--trips FILE), a synthetic city (--synthetic N), a scenario file (--scenario FILE) or --demo" })
    }
    if (source.kind === "file") return overlay(source, { columns: flags.columns })
    if (source.kind === "synthetic") return overlay(source, { date: flags.syntheticDate, hours: flags.syntheticHours })
    return source
  })

const policyNames = (flags: SimulateFlags["policies"], base: ReadonlyArray<PolicyName>): Effect.Effect<ReadonlyArray<PolicyName>, InvalidFlag> =>
  Effect.gen(function*() {
    if (Option.isNone(flags.compare)) return Option.match(flags.policy, { onNone: () => base, onSome: (p) => [p] })
    const spec = flags.compare.value, names = splitList(spec)
    const unknown = names.filter((n) => !(POLICIES as ReadonlyArray<string>).includes(n))
    if (unknown.length > 0) return yield* new InvalidFlag({ flag: "compare", problem: `unknown polic${unknown.length > 1 ? "ies" : "y"} ${unknown.join(", ")} (known: ${POLICIES.join(", ")})` })
    if (names.length < 2 || new Set(names).size !== names.length) return yield* new InvalidFlag({ flag: "compare", problem: `expected two or more different policies, e.g. greedy,batch; got "${spec}"` })
    return names as ReadonlyArray<PolicyName>
  })

const tripTime = (flag: string, value: Option.Option<string>): Effect.Effect<Option.Option<string>, InvalidFlag> =>
  Option.isSome(value) && parseTripTime(value.value) === undefined
    ? Effect.fail(new InvalidFlag({ flag, problem: `${TRIP_TIME_EXPECTED}, got "${value.value}"` }))
    : Effect.succeed(value)

/** The file's fleet under the flags; naming a repositioning method turns repositioning on unless `--no-reposition` says otherwise. */
const fleetOf = (flags: SimulateFlags["fleet"], base: ScenarioFile["fleet"]): ScenarioFile["fleet"] => {
  const fleet = overlay(base, flags)
  return Option.isSome(flags.repositionMethod) && Option.isNone(flags.reposition) ? { ...fleet, reposition: true } : fleet
}

export const scenarioFromFlags = (flags: SimulateFlags, base: ScenarioFile): Effect.Effect<Scenario, InvalidFlag> =>
  Effect.gen(function*() {
    const from = yield* tripTime("from", flags.window.from)
    const to = yield* tripTime("to", flags.window.to)
    return {
      ...base,
      trips: yield* tripsSource(flags.trips, base.trips),
      window: overlay(base.window, { from, to }),
      market: overlay(base.market, flags.market),
      fleet: fleetOf(flags.fleet, base.fleet),
      riders: overlay(base.riders, flags.riders),
      policies: {
        names: yield* policyNames(flags.policies, base.policies.names),
        batchWindowMs: Option.getOrElse(flags.policies.batchWindowMs, () => base.policies.batchWindowMs),
        batchMaxOrders: Option.getOrElse(flags.policies.batchMaxOrders, () => base.policies.batchMaxOrders)
      },
      seed: Option.getOrElse(flags.seed, () => base.seed),
      seeds: Option.getOrElse(flags.seeds, () => base.seeds),
      ...Option.match(flags.workers, { onNone: () => ({}), onSome: (workers) => ({ workers }) }),
      clock: overlay(base.clock, flags.clock),
      mode: overlay(base.mode, flags.mode),
      outputs: overlay(base.outputs, flags.outputs)
    }
  })
