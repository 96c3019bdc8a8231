/**
 * How a command line and a scenario file make one scenario: flags given win over the file's
 * fields, the file over the defaults; `--trips`/`--synthetic` switch the trips source; bad
 * flag values fail naming the flag. Flags are parsed by the real `simulate` flag set.
 */
import { NodeServices } from "@effect/platform-node"
import { Effect, Result } from "effect"
import { Command } from "effect/cli"
import { describe, expect, it } from "vitest"
import { scenarioFromFlags } from "../../src/cli/scenario-from-flags.ts"
import { simulateFlags, type SimulateFlags } from "../../src/cli/simulate-flags.ts"
import { EMPTY_SCENARIO, parseScenarioFile } from "../../src/scenario/scenario-file.ts"
import type { ScenarioFile } from "../../src/scenario/scenario.ts"

const parseFlags = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    let parsed: SimulateFlags | undefined
    const capture = Command.make("simulate", simulateFlags, (flags) => Effect.sync(() => void (parsed = flags)))
    yield* Command.runWith(capture, { version: "test", renderErrors: false })(args)
    return parsed!
  }).pipe(Effect.provide(NodeServices.layer))

const scenarioOf = (args: ReadonlyArray<string>, file: ScenarioFile = EMPTY_SCENARIO) =>
  Effect.runPromise(Effect.result(Effect.flatMap(parseFlags(args), (flags) => scenarioFromFlags(flags, file))))

const FILE = Result.getOrThrow(parseScenarioFile(JSON.stringify({
  trips: { kind: "synthetic", tripsPerDay: 5_000, date: "2025-01-03", hours: 6 },
  fleet: { drivers: 120, reposition: true, shiftHours: 8 },
  riders: { maxWaitS: 600 },
  policies: { names: ["greedy", "batch"], batchWindowMs: 1_000, batchMaxOrders: 500 },
  seed: 7,
  clock: { kind: "realtime", speed: 120 },
  outputs: { dir: "out/study" }
}), "/study/scenario.json"))

describe("scenario from flags", () => {
  it("keeps the file's fields where no flag is given", async () => {
    expect(Result.getOrThrow(await scenarioOf([], FILE))).toEqual(FILE)
  })

  it("lets each flag given override the field it names, and nothing else", async () => {
    const s = Result.getOrThrow(await scenarioOf(["--drivers", "50", "--no-reposition", "--seed", "9", "--clock", "virtual", "--out", "out/b", "--max-wait-s", "60"], FILE))
    expect(s.fleet).toEqual({ ...FILE.fleet, drivers: 50, reposition: false })
    expect(s.riders.maxWaitS).toBe(60)
    expect(s.seed).toBe(9)
    expect(s.clock).toEqual({ kind: "virtual", speed: 120 })
    expect(s.outputs.dir).toBe("out/b")
    expect(s.policies).toEqual(FILE.policies)
  })

  it("turns repositioning on with a method named, unless --no-reposition says off; the rebalance settings land in the fleet", async () => {
    const off = { ...FILE, fleet: { ...FILE.fleet, reposition: false } }
    const on = Result.getOrThrow(await scenarioOf(["--reposition-method", "rebalance", "--rebalance-interval-s", "120", "--rebalance-max-km", "8"], off))
    expect(on.fleet).toEqual({ ...off.fleet, reposition: true, repositionMethod: "rebalance", rebalanceIntervalS: 120, rebalanceMaxKm: 8 })
    expect(Result.getOrThrow(await scenarioOf(["--reposition-method", "rebalance", "--no-reposition"], FILE)).fleet.reposition).toBe(false)
  })

  it("keeps a synthetic file source's other fields, and switches source kind on --trips", async () => {
    expect(Result.getOrThrow(await scenarioOf(["--synthetic", "900", "--synthetic-hours", "2"], FILE)).trips).toEqual({ kind: "synthetic", tripsPerDay: 900, date: "2025-01-03", hours: 2 })
    expect(Result.getOrThrow(await scenarioOf(["--trips", "t.csv", "--columns", "request_time=t"], FILE)).trips).toEqual({ kind: "file", path: "t.csv", columns: "request_time=t" })
  })

  it("takes --policy over the file's policies, and --compare over --policy", async () => {
    expect(Result.getOrThrow(await scenarioOf(["--policy", "batch"], FILE)).policies.names).toEqual(["batch"])
    expect(Result.getOrThrow(await scenarioOf(["--policy", "batch", "--compare", "batch,greedy"], FILE)).policies.names).toEqual(["batch", "greedy"])
  })

  it("with no file, is every default and the trips the flags give", async () => {
    const s = Result.getOrThrow(await scenarioOf(["--trips", "t.csv"]))
    expect(s).toEqual({ ...EMPTY_SCENARIO, trips: { kind: "file", path: "t.csv" } })
  })

  it.each([
    [[], "--trips: give a trips file (--trips FILE), a synthetic city (--synthetic N), a scenario file (--scenario FILE) or --demo"],
    [["--trips", "t.csv", "--synthetic", "10"], "--synthetic: give --trips or --synthetic, not both"],
    [["--trips", "t.csv", "--compare", "greedy,fastest"], "--compare: unknown policy fastest (known: greedy, batch, greedy-once)"],
    [["--trips", "t.csv", "--compare", "greedy"], "--compare: expected two or more different policies"],
    [["--trips", "t.csv", "--from", "yesterday"], "--from: expected an ISO-8601 time"]
  ])("%j fails naming the flag", async (args, message) => {
    const result = await scenarioOf(args)
    expect(Result.isFailure(result) ? result.failure.message : "").toContain(message)
  })
})
