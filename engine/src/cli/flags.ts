/**
 * Flag helpers every part's command line is built from, so that a setting reads the same way
 * in each: a flag with an environment variable behind it (the flag wins), numeric flags whose
 * range check reports the value given, comma-separated lists. A range is also a Schema check,
 * for the same setting arriving in a file (a simulator scenario). The flags several commands
 * share are in shared-flags.ts; each part keeps its own flags in its own folder.
 */
import { Config, Schema } from "effect"
import { Flag } from "effect/cli"

/** Bounds of a numeric setting; no `maximum`: unbounded above. */
export interface Range {
  readonly minimum: number
  readonly maximum?: number
  readonly exclusiveMinimum?: boolean
}

/** [min, max]. */
export const between = (minimum: number, maximum: number): Range => ({ minimum, maximum })
/** (min, max], or (min, ∞). */
export const above = (minimum: number, maximum?: number): Range => (maximum === undefined ? { minimum, exclusiveMinimum: true } : { minimum, maximum, exclusiveMinimum: true })
/** [min, ∞). */
export const atLeast = (minimum: number): Range => ({ minimum })

/** `1..100`, `in (0, 1000]`, `> 0`, `>= 0`: a range as the messages state it. */
export const describeRange = (range: Range): string => {
  const open = range.exclusiveMinimum === true
  if (range.maximum === undefined) return `${open ? ">" : ">="} ${range.minimum}`
  return open ? `in (${range.minimum}, ${range.maximum}]` : `${range.minimum}..${range.maximum}`
}

const holds = (range: Range) => {
  const { minimum, maximum, exclusiveMinimum = false } = range
  const check = maximum !== undefined
    ? Schema.isBetween({ minimum, maximum, exclusiveMinimum })
    : exclusiveMinimum
    ? Schema.isGreaterThan(minimum)
    : Schema.isGreaterThanOrEqualTo(minimum)
  return Schema.is(Schema.Number.check(check))
}

/** The range as a Schema check: `must be 1..100, got 0`. */
export const isInRange = (range: Range) => {
  const inRange = holds(range)
  return Schema.makeFilter<number>((n) => inRange(n) || `must be ${describeRange(range)}, got ${n}`)
}

/** `flag`, falling back to the variable `env` (when named) as `config` reads it. */
const withEnv = <A>(flag: Flag.Flag<A>, env: string | undefined, config: (variable: string) => Config.Config<A>): Flag.Flag<A> =>
  env === undefined ? flag : Flag.withFallbackConfig(flag, config(env))

const ranged = (name: string, range: Range | undefined) => (flag: Flag.Flag<number>) => {
  if (range === undefined) return flag
  const inRange = holds(range)
  return Flag.filter(flag, inRange, (n) => `--${name} must be ${describeRange(range)}, got ${n}`)
}

/** `--name` as a string; `env`: the variable read when the flag is not given. */
export const stringFlag = (name: string, env?: string): Flag.Flag<string> => withEnv(Flag.String(name), env, Config.String)

/** `--name` as one of `choices` (from the constant that defines them, never repeated literals). */
export const choiceFlag = <const L extends ReadonlyArray<string>>(name: string, choices: L, env?: string): Flag.Flag<L[number]> =>
  withEnv(Flag.Literals(name, choices), env, (variable) => Config.Literals(choices, variable))

/**
 * An integer flag, from the command line or `env`; a value outside `range` fails naming the
 * flag and the value. No range: any integer (an override whose bounds are the market's).
 */
export const intFlag = (name: string, range: Range | undefined, env?: string): Flag.Flag<number> =>
  withEnv(Flag.Int(name), env, Config.Int).pipe(ranged(name, range))

/** A finite number flag in `range`, from the command line or `env`. */
export const finiteFlag = (name: string, range: Range, env?: string): Flag.Flag<number> =>
  withEnv(Flag.Finite(name), env, Config.Finite).pipe(ranged(name, range))

/** A comma-separated setting as a list, blanks dropped. */
export const splitList = (s: string): Array<string> => s.split(",").map((x) => x.trim()).filter((x) => x.length > 0)

/** `--name a,b`: a comma-separated flag as a list. */
export const listFlag = (name: string, env?: string): Flag.Flag<ReadonlyArray<string>> => stringFlag(name, env).pipe(Flag.map(splitList))
