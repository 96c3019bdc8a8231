/**
 * Every `npx dispatch …` and `npm run dispatch -- …` command line the README and docs/ show
 * parses as written: the commands exist and every flag is one the command has. A doc that drifts
 * from the code (a renamed flag, a removed command) fails here rather than on a new user's
 * terminal.
 *
 * Parsing without running: a probe flag no command has is appended, so the parser always
 * fails; a line that is right fails only because of the probe. The parser stops at unknown
 * flags, before it reads values, so values are not checked here (bad-invocation.test.ts checks
 * how each kind of bad value is told).
 */
import { NodeServices } from "@effect/platform-node"
import { ConfigProvider, Effect, Result } from "effect"
import { CliError, CliOutput, Command } from "effect/cli"
import { readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { dispatchCommand } from "../../src/main/dispatch-command.ts"
import { POLICY_REGISTRY } from "../../src/matching/policies.ts"
import { REPO_ROOT } from "../e2e/engine-process.ts"

const PROBE = "--docs-probe-flag"

/** The Markdown files a user reads commands from. */
const DOCS = ["README.md", ...readdirSync(`${REPO_ROOT}docs`).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)]

/** The command's text from each place a doc shows one: code blocks line by line (with `\` continuations), inline code spans. */
const commandTexts = (markdown: string): Array<string> => {
  const texts: Array<string> = []
  const blocks = markdown.split(/^```.*$/m)
  blocks.forEach((block, i) => {
    if (i % 2 === 1) texts.push(...block.replace(/\\\n\s*/g, " ").split("\n"))
    else texts.push(...Array.from(block.matchAll(/`([^`\n]+)`/g), (m) => m[1]!))
  })
  return texts
}

/** Shell words after the `dispatch` of one command, up to what ends it (`&`, `|`, `;`, `)`, a comment). */
const shellWords = (text: string): Array<string> => {
  const words: Array<string> = []
  for (const m of text.matchAll(/"([^"]*)"|'([^']*)'|([^\s"'&|;)#]+)|([&|;)#])/g)) {
    if (m[4] !== undefined) break
    words.push(m[1] ?? m[2] ?? m[3]!)
  }
  return words
}

/**
 * The arguments of every documented command line. Skipped: synopses with placeholders
 * (`FILE...`, `[--json]`, `<region>`, `a|b`), elisions (`...`), and quoted output
 * (`npx dispatch stack up: port 8080 …`).
 */
const documented = (): Array<{ readonly doc: string; readonly args: ReadonlyArray<string> }> =>
  DOCS.flatMap((doc) =>
    commandTexts(readFileSync(`${REPO_ROOT}${doc}`, "utf8")).flatMap((text) =>
      text.split(/(?:npx dispatch|npm run (?:-s )?dispatch --)(?=\s|$)/).slice(1).flatMap((rest) => {
        if (/^[\s\w-]+:(\s|$)|\.\.\.|…|\[|<|\|\w/.test(rest.split(/[&;)#]/)[0]!)) return []
        const args = shellWords(rest)
        return args.length === 0 || args.includes("--help") ? [] : [{ doc, args }]
      })
    )
  )

/** The parse errors of `args`, the probe's own left out: none means the line parses as written. */
const parseErrors = (args: ReadonlyArray<string>) =>
  Command.runWith(dispatchCommand, { version: "docs", renderErrors: false })([...args, PROBE]).pipe(
    Effect.provide(CliOutput.layerPresenter({ present: () => Effect.void })),
    Effect.provide(NodeServices.layer),
    Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env: {} })),
    Effect.result,
    Effect.map((result) => {
      if (Result.isSuccess(result)) return ["ran instead of failing on the probe flag"]
      const failure = result.failure
      if (!(failure instanceof CliError.ShowHelp)) return [String(failure)]
      return failure.errors.filter((e) => !(e._tag === "UnrecognizedOption" && e.option === PROBE)).map((e) => e.message)
    }),
    Effect.runPromise
  )

const lines = documented()

describe("commands in the README and docs/", () => {
  it("are found (the extraction itself works)", () => {
    expect(lines.length).toBeGreaterThan(40)
    expect(lines.some((l) => l.doc === "README.md" && l.args.join(" ") === "stack up")).toBe(true)
  })

  it.each(lines.map((l) => [l.doc, l.args.join(" "), l.args] as const))("%s: dispatch %s parses as written", async (_doc, _line, args) => {
    expect(await parseErrors(args)).toEqual([])
  })
})

describe("the flags a policy says it reads", () => {
  const named = POLICY_REGISTRY.flatMap((policy) => policy.settings.map((setting) => [policy.name, setting.split(":")[0]!] as const))

  it.each(named)("%s: %s is a flag of dispatch engine and dispatch simulate", async (_policy, flag) => {
    expect(await parseErrors(["engine", flag, "1"])).toEqual([])
    expect(await parseErrors(["simulate", flag, "1"])).toEqual([])
  })
})
