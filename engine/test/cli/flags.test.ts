/**
 * The flag helpers as a command line sees them: the flag wins over its environment variable,
 * a value out of range (from either) fails naming the flag and the value, lists drop blanks,
 * and a range is the same check as a Schema filter.
 */
import { NodeServices } from "@effect/platform-node"
import { ConfigProvider, Effect, Result, Schema } from "effect"
import { CliError, Command } from "effect/cli"
import { describe, expect, it } from "vitest"
import { above, atLeast, between, choiceFlag, describeRange, intFlag, isInRange, listFlag } from "../../src/cli/flags.ts"

const flags = {
  window: intFlag("window-ms", between(10, 60_000), "TEST_WINDOW_MS"),
  mode: choiceFlag("mode", ["wall", "sim"] as const, "TEST_MODE"),
  ids: listFlag("ids", "TEST_IDS")
}

const parse = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.gen(function*() {
    let parsed: unknown
    yield* Command.runWith(Command.make("t", flags, (f) => Effect.sync(() => void (parsed = f))), { version: "test", renderErrors: false })(args)
    return parsed
  }).pipe(
    Effect.provide(NodeServices.layer),
    Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env })),
    Effect.result,
    Effect.runPromise
  )

const failure = async (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const result = await parse(args, env)
  return Result.isFailure(result) && result.failure instanceof CliError.ShowHelp ? result.failure.errors.map((e) => e.message).join("\n") : String(result)
}

describe("flag helpers", () => {
  it("read the environment when the flag is not given, and the flag over it", async () => {
    expect(Result.getOrThrow(await parse([], { TEST_WINDOW_MS: "500", TEST_MODE: "sim", TEST_IDS: "a, b,," }))).toEqual({ window: 500, mode: "sim", ids: ["a", "b"] })
    expect(Result.getOrThrow(await parse(["--window-ms", "20", "--mode", "wall", "--ids", "c"], { TEST_WINDOW_MS: "500", TEST_MODE: "sim", TEST_IDS: "a" })))
      .toEqual({ window: 20, mode: "wall", ids: ["c"] })
  })

  it("refuse a value out of range, from the flag or the environment, naming the flag and the value", async () => {
    expect(await failure(["--window-ms", "5", "--mode", "sim", "--ids", "a"])).toContain("--window-ms must be 10..60000, got 5")
    expect(await failure(["--mode", "sim", "--ids", "a"], { TEST_WINDOW_MS: "70000" })).toContain("--window-ms must be 10..60000, got 70000")
  })

  it("state ranges as the messages say them, and check the same bounds as a Schema filter", () => {
    expect([between(1, 5), above(0, 1_000), above(0), atLeast(0)].map(describeRange)).toEqual(["1..5", "in (0, 1000]", "> 0", ">= 0"])
    const decode = Schema.decodeUnknownResult(Schema.Number.check(isInRange(above(0, 1_000))))
    expect(Result.isSuccess(decode(1_000))).toBe(true)
    const refused = decode(0)
    expect(Result.isFailure(refused) ? refused.failure.message : "").toBe("must be in (0, 1000], got 0")
  })
})
