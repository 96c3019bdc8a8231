/**
 * Scenario files: the shipped example decodes to the demo's settings, a file's relative input
 * paths are its own, and every problem of a bad file is reported at once, naming the file, the
 * field and the value.
 */
import { Effect, Result } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { DEMO_SCENARIO, EMPTY_SCENARIO, parseScenarioFile, readScenarioFile } from "../../src/scenario/scenario-file.ts"

const dir = mkdtempSync(join(tmpdir(), "dispatch-scenario-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const problemsOf = (json: unknown) => {
  const parsed = parseScenarioFile(JSON.stringify(json), "study/s.json")
  return Result.isFailure(parsed) ? parsed.failure.problems : []
}

describe("scenario files", () => {
  it("the shipped demo scenario is the SF sample, greedy vs batch, auto mode, every other default", async () => {
    const demo = await Effect.runPromise(readScenarioFile(DEMO_SCENARIO))
    expect(demo).toEqual({
      ...EMPTY_SCENARIO,
      description: expect.any(String),
      trips: { kind: "sample" },
      policies: { names: ["greedy", "batch"], batchWindowMs: 2_000, batchMaxOrders: 500 },
      mode: { kind: "auto" }
    })
  })

  it("no file is every default and no trips", () => {
    expect(EMPTY_SCENARIO.trips).toBeUndefined()
    expect(EMPTY_SCENARIO.fleet).toEqual({ drivers: 400, reposition: false, publishIntervalS: 30, declineProbability: 0, declineResponseS: 10 })
    expect(EMPTY_SCENARIO.outputs).toEqual({ dir: "out/simulate", metricsHost: "127.0.0.1", metricsHold: false })
  })

  it("reads input paths relative to the file and the output directory relative to the caller", () => {
    const parsed = Result.getOrThrow(parseScenarioFile(JSON.stringify({
      trips: { kind: "file", path: "trips.csv.gz", columns: "request_time=t" },
      market: { files: ["../markets/city.json"] },
      fleet: { driversFile: "/abs/drivers.csv" },
      outputs: { dir: "out/study" }
    }), "/data/study/scenario.json"))
    expect(parsed.trips).toEqual({ kind: "file", path: "/data/study/trips.csv.gz", columns: "request_time=t" })
    expect(parsed.market.files).toEqual(["/data/markets/city.json"])
    expect(parsed.fleet.driversFile).toBe("/abs/drivers.csv")
    expect(parsed.outputs.dir).toBe("out/study")
  })

  it("reports every problem with its field and the value given", () => {
    expect(problemsOf({
      trips: { kind: "synthetic", tripsPerDay: 0, date: "6 June" },
      fleet: { drivers: 2.5, driver: 3, repositionMethod: "nearest", rebalanceHorizonMin: 0 },
      riders: { patience: "gamma:1" },
      window: { to: "tomorrow" },
      policies: { names: ["greedy", "fastest"] },
      seed: -1
    })).toEqual([
      "trips.tripsPerDay: must be 1..50000000, got 0",
      "trips.date: expected a date YYYY-MM-DD, got \"6 June\"",
      "window.to: expected an ISO-8601 time with a zone (2008-06-01T00:00:00Z) or epoch, got \"tomorrow\"",
      "fleet.driver: Expected no excess property",
      "fleet.drivers: Expected an integer",
      "fleet.repositionMethod: Expected \"heuristic\" | \"rebalance\"",
      "fleet.rebalanceHorizonMin: must be 1..1440, got 0",
      expect.stringMatching(/^riders\.patience: invalid patience "gamma:1"/),
      "policies.names[1]: Expected \"greedy\" | \"batch\" | \"greedy-once\"",
      "seed: must be 0..4294967295, got -1"
    ])
    expect(problemsOf({ trips: { kind: "files", path: "x.csv" } })).toEqual([
      'trips: must be {"kind": "sample"}, {"kind": "file", "path": FILE} or {"kind": "synthetic", "tripsPerDay": N}'
    ])
    expect(problemsOf({ trips: { kind: "file" }, policies: { names: [] } })).toEqual([
      "trips.path: Missing key",
      "policies.names: Expected a value with a length of at least 1"
    ])
  })

  it("names the file when it cannot be read or is not JSON", async () => {
    const bad = join(dir, "bad.json")
    writeFileSync(bad, "{ \"fleet\": ")
    const notJson = await Effect.runPromise(Effect.flip(readScenarioFile(bad)))
    expect(notJson.message).toMatch(new RegExp(`^invalid scenario file ${bad}:\\n  not valid JSON`))
    const missing = await Effect.runPromise(Effect.flip(readScenarioFile(join(dir, "none.json"))))
    expect(missing.message).toContain("cannot read: ENOENT")
  })
})
