/**
 * How `dispatch` reports a bad invocation: one line on stderr naming what was wrong and where
 * help is (`dispatch simulate: --drivers: expected an integer, got "abc" (see dispatch simulate
 * --help)`), exit 1, no help dump. Effect's CLI prints the whole help and then a three-line
 * ERROR block; here its Presenter keeps help for `--help` and bare commands only, and its
 * Formatter puts a command's own failure (a `CliError.userMessage`) on one line after the
 * command's name.
 */
import { Console, Effect, Layer, Logger } from "effect"
import { CliError, CliOutput, type Command, type HelpDoc } from "effect/cli"

type ParseError = CliError.NonShowHelpErrors

const quoted = (values: ReadonlyArray<string>) => values.map((v) => JSON.stringify(v)).join(", ")
const didYouMean = (suggestions: ReadonlyArray<string>) => suggestions.length === 0 ? "" : ` (did you mean ${suggestions.join(" or ")}?)`
const article = (noun: string) => /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`

/**
 * What a value should have been. The CLI states a number that does not parse in Schema's words
 * ("a string representing a finite number"), so the flag's type from the help is said instead;
 * a choice reads `one of greedy, batch`; a check of ours (`--drivers must be 1..1000000, got 0`)
 * is its own sentence.
 */
const expectation = (error: CliError.InvalidValue, flags: ReadonlyArray<HelpDoc.FlagDoc>): string => {
  const text = error.expected.replace(/^Expected:?\s*/, "")
  if (/^a string representing/.test(text)) {
    const type = flags.find((f) => f.name === error.option)?.type
    return `expected ${type === undefined ? "a number" : article(type)}`
  }
  if (/^"[^"]*"( \| "[^"]*")+$/.test(text)) return `expected one of ${text.split(" | ").map((c) => c.slice(1, -1)).join(", ")}`
  if (/^[\w-]+( \| [\w-]+)+$/.test(text)) return `expected one of ${text.split(" | ").join(", ")}`
  if (/^[\w=]+$/.test(text)) return `expected ${article(text)}`
  return text.startsWith("--") ? text : `expected ${text.charAt(0).toLowerCase()}${text.slice(1)}`
}

/** One parse error in a few words. */
export const describeParseError = (error: ParseError, flags: ReadonlyArray<HelpDoc.FlagDoc>): string => {
  switch (error._tag) {
    case "UnrecognizedOption":
      return `unknown flag ${error.option}${didYouMean(error.suggestions)}`
    case "MissingOption":
      return `--${error.option} is required`
    case "MissingArgument":
      return `missing argument <${error.argument}>`
    case "UnexpectedArgument":
      return `unexpected argument ${quoted(error.arguments)}`
    case "UnknownSubcommand":
      return `unknown command ${JSON.stringify(error.subcommand)}${didYouMean(error.suggestions)}`
    case "InvalidValue": {
      const name = error.kind === "flag" ? `--${error.option}` : `<${error.option}>`
      const expected = expectation(error, flags)
      if (expected.startsWith("--")) return expected
      return error.value.length === 0 ? `${name}: missing value, ${expected}` : `${name}: ${expected}, got ${JSON.stringify(error.value)}`
    }
    case "DuplicateOption":
    case "ValidationError":
    case "UserError":
      return error.message
  }
}

/** The one line of a bad invocation of `commandPath`. */
export const invocationLine = (commandPath: ReadonlyArray<string>, errors: ReadonlyArray<ParseError>, help: HelpDoc.HelpDoc): string => {
  const command = commandPath.join(" ")
  const flags = [...help.flags, ...(help.inheritedFlags ?? []), ...(help.globalFlags ?? [])]
  const what = errors.map((e) => describeParseError(e, flags).replace(/\s*\n\s*/g, " ")).join("; ")
  return `${command}: ${what} (see ${command} --help)`
}

/**
 * The subcommands `args` name, from `root` down: `["dispatch", "regions", "drain"]`. Flags and
 * their values are passed over; it stops at the first command without subcommands.
 */
export const commandPathOf = (root: Command.Command.Any, args: ReadonlyArray<string>): ReadonlyArray<string> => {
  const path = [root.name]
  let current = root
  for (const arg of args) {
    if (arg === "--") break
    const next = current.subcommands.flatMap((g) => g.commands).find((c) => c.name === arg || c.alias === arg)
    if (next === undefined) continue
    path.push(next.name)
    current = next
    if (current.subcommands.length === 0) break
  }
  return path
}

/**
 * The Presenter and Formatter of `root`'s command line run with `args`: parse errors on one
 * line, help only when asked for (or for a command that needs a subcommand), a command's own
 * failure as `dispatch simulate: <message>`.
 */
export const layerCliOutput = (root: Command.Command.Any, args: ReadonlyArray<string>): Layer.Layer<never> => {
  const formatter = CliOutput.defaultFormatter()
  const presenter: CliOutput.Presenter = {
    present: (event) =>
      event._tag === "InvalidInvocation"
        ? Console.error(invocationLine(event.commandPath, event.errors, event.helpDoc))
        : CliOutput.defaultPresenter.present(event)
  }
  const command = commandPathOf(root, args).join(" ")
  return Layer.mergeAll(
    CliOutput.layerPresenter(presenter),
    // A message that already names its command (`dispatch api: --auth is required`) is not prefixed twice.
    CliOutput.layer({ ...formatter, formatError: (error) => error.message.startsWith(`${command}:`) ? error.message : `${command}: ${error.message}` })
  )
}

/**
 * A command's body as a tool: its failures shown as their message alone (file and line, or
 * flag) with exit status 1, and its log lines on stderr so stdout holds only its result.
 */
export const runAsTool = <A, E extends { readonly message: string }, R>(body: Effect.Effect<A, E, R>): Effect.Effect<A, CliError.UserError, R> =>
  body.pipe(
    Effect.mapError((e) => new CliError.UserError({ cause: e, userMessage: e.message })),
    Effect.provide(toolLogger)
  )

/** One logfmt line on stderr per log entry (e.g. "road graph loaded"), beside the progress. */
const toolLogger = Logger.layer([Logger.withConsoleError(Logger.formatLogFmt)])
