/**
 * `dispatch simulate` and `dispatch calibrate` as a user runs them (a child process of the
 * real entry): help with defaults, clear errors naming the flag, file and line, and a short
 * run and a calibration that write their files.
 */
import { execFile } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { SF_SAMPLE } from "../runner/scenario.ts"

const SF_DEMO_SCENARIO = fileURLToPath(new URL("../../scenarios/sf-demo.json", import.meta.url))

const ENTRY = fileURLToPath(new URL("../../../engine/src/main/dispatch.ts", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "dispatch-cli-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const dispatch = (...args: Array<string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [ENTRY, ...args], { cwd: dir, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }))
  })

const file = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

describe("dispatch simulate", () => {
  it("documents every flag with its default", async () => {
    const { code, stdout } = await dispatch("simulate", "--help")
    expect(code).toBe(0)
    for (const flag of ["--trips", "--market", "--drivers", "--seed", "--policy", "--compare", "--clock", "--speed", "--mode", "--from", "--to", "--out"]) {
      expect(stdout).toContain(flag)
    }
    expect(stdout).toContain("default 400")
  })

  it.each([
    [["--demo", "--drivers", "0"], "--drivers must be 1..1000000"],
    [["--trips", "/no/such/trips.csv"], "/no/such/trips.csv: no such trips file"],
    [["--demo", "--patience", "gamma:1"], "invalid patience"],
    [["--demo", "--compare", "greedy,fastest"], "--compare: unknown policy fastest"],
    [["--demo", "--from", "yesterday"], "--from: expected an ISO-8601 time"],
    [["--demo", "--mode", "nats", "--nats", "nats://127.0.0.1:1"], "NATS mode: cannot start"],
    [["--drivers", "10"], "--trips: give a trips file"]
  ])("%j fails with a clear message", async (args, message) => {
    const { code, stdout, stderr } = await dispatch("simulate", ...args)
    expect(code).not.toBe(0)
    expect(stdout + stderr).toContain(message)
  })

  it("names the file and line of a bad trips file and a bad drivers file", async () => {
    const trips = file("bad-trips.csv", "request_time,pickup_lat,pickup_lng\n2008-06-01T00:00:01Z,37.7,-122.4\n")
    const bad = await dispatch("simulate", "--trips", trips)
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain(`${trips}:1: missing column(s) dropoff_lat, dropoff_lng`)
    const drivers = file("drivers.csv", "lat,lng\n37.77,-122.42\n51.5,-0.12\n")
    const outside = await dispatch("simulate", "--demo", "--drivers-file", drivers)
    expect(outside.code).not.toBe(0)
    expect(outside.stderr).toContain(`${drivers}:3: 51.5,-0.12 is outside the market`)
  })

  it("calibrates, then replays a short window with the calibrated market, writing KPIs and the report", async () => {
    const market = join(dir, "sf-calibrated.json")
    const calibrated = await dispatch("calibrate", "--trips", SF_SAMPLE, "--out", market)
    expect(calibrated.code).toBe(0)
    expect(calibrated.stdout).toMatch(/great circle, fitted +[\d.]+% +[\d.]+%/)
    expect(JSON.parse(readFileSync(market, "utf8")).eta.speedKmhByHour).toHaveLength(24)
    const out = join(dir, "out")
    const run = await dispatch("simulate", "--trips", SF_SAMPLE, "--market-file", market, "--to", "2008-06-01T00:15:00Z", "--compare", "greedy,batch", "--drivers", "150", "--out", out)
    expect(run.code).toBe(0)
    expect(run.stdout).toContain("| match rate |")
    expect(run.stdout).toContain("transport: in-process")
    expect(run.stdout).toContain(`report: ${join(out, "report.html")}`)
    for (const name of ["kpis.greedy.json", "kpis.batch.json", "run.json", "summary.md", "report.html"]) expect(existsSync(join(out, name))).toBe(true)
    const kpis = JSON.parse(readFileSync(join(out, "kpis.batch.json"), "utf8"))
    expect(kpis.schema).toBe("dispatch-simulator-kpis/1")
    expect(kpis.scenario.to).toBe("2008-06-01T00:15:00.000Z")
  })

  it("runs the shipped scenario file briefly, flags overriding its fields", async () => {
    const out = join(dir, "out-scenario")
    const run = await dispatch("simulate", "--scenario", SF_DEMO_SCENARIO, "--mode", "in-process", "--to", "2008-06-01T00:15:00Z", "--drivers", "150", "--out", out)
    expect(run.code).toBe(0)
    expect(run.stderr).toContain("market sf · greedy vs batch · transport in-process")
    const kpis = JSON.parse(readFileSync(join(out, "kpis.batch.json"), "utf8"))
    expect(kpis.scenario.drivers).toBe(150)
    expect(kpis.scenario.to).toBe("2008-06-01T00:15:00.000Z")
    expect(existsSync(join(out, "kpis.greedy.json"))).toBe(true)
  })

  it("names the scenario file and each bad field", async () => {
    const scenario = file("bad-scenario.json", JSON.stringify({ trips: { kind: "sample" }, fleet: { drivers: 0 }, clock: { kind: "sundial" } }))
    const { code, stderr } = await dispatch("simulate", "--scenario", scenario)
    expect(code).not.toBe(0)
    expect(stderr).toContain(`invalid scenario file ${scenario}:`)
    expect(stderr).toContain("fleet.drivers: must be 1..1000000, got 0")
    expect(stderr).toContain('clock.kind: Expected "virtual" | "realtime"')
  })
})

describe("dispatch calibrate", () => {
  it("says when no trip can be fitted", async () => {
    const trips = file("no-durations.csv", "request_time,pickup_lat,pickup_lng,dropoff_lat,dropoff_lng\n2008-06-01T00:00:01Z,37.7,-122.4,37.75,-122.45\n")
    const { code, stderr } = await dispatch("calibrate", "--trips", trips)
    expect(code).not.toBe(0)
    expect(stderr).toContain("no trip with dropoff_time and both ends on the roads passed the filters")
  })

  it("calibrates records without a distance column on the market's roads, both models' errors side by side", async () => {
    const lines = readFileSync(SF_SAMPLE, "utf8").trim().split("\n").slice(0, 2_001)
    const header = lines[0]!.split(",")
    const keep = header.map((c, i) => (c === "trip_distance_km" ? -1 : i)).filter((i) => i >= 0)
    expect(keep.length).toBe(header.length - 1)
    const trips = file("no-distance.csv", `${lines.map((l) => keep.map((i) => l.split(",")[i]).join(",")).join("\n")}\n`)
    const json = join(dir, "fit.json"), market = join(dir, "sf-no-distance.json")
    const { code, stdout } = await dispatch("calibrate", "--trips", trips, "--out", market, "--json", json)
    expect(code).toBe(0)
    expect(stdout).toMatch(/road factor: [\d.]+ \(was [\d.]+; road km of [\d,]+ sampled routes on the graph\)/)
    expect(stdout).toMatch(/road model, fitted +[\d.]+% +[\d.]+%/)
    expect(stdout).toMatch(/great circle, fitted +[\d.]+% +[\d.]+%/)
    const fit = JSON.parse(readFileSync(json, "utf8")) as { tripsUsed: number; roadKmFrom: string; road: { error: { medianApe: number }; fitted: { factorByHour: Array<number> } }; greatCircle: { error: { medianApe: number } } }
    expect(fit.tripsUsed).toBeGreaterThan(1_000)
    expect(fit.roadKmFrom).toBe("routes")
    expect(fit.road.error.medianApe).toBeGreaterThan(0)
    expect(fit.greatCircle.error.medianApe).toBeGreaterThan(0)
    const written = JSON.parse(readFileSync(market, "utf8")) as { roads: { speedProfile: { factorByHour: Array<number> } } }
    expect(written.roads.speedProfile.factorByHour).toEqual(fit.road.fitted.factorByHour)
  })
})

describe("dispatch simulate --seeds", () => {
  it.each([
    [["--demo", "--seeds", "0"], "--seeds must be 1..100"],
    [["--demo", "--seeds", "101"], "--seeds must be 1..100"],
    [["--trips", SF_SAMPLE, "--mode", "live", "--nats", "nats://127.0.0.1:1", "--seeds", "2"], "--seeds: live mode drives the running engine once"]
  ])("%j fails with a clear message", async (args, message) => {
    const { code, stdout, stderr } = await dispatch("simulate", ...args)
    expect(code).not.toBe(0)
    expect(stdout + stderr).toContain(message)
  })

  it("compares greedy and batch over 3 seeds: intervals on the terminal, in comparison.json and in the report", async () => {
    const out = join(dir, "out-seeds")
    const run = await dispatch("simulate", "--trips", SF_SAMPLE, "--to", "2008-06-01T00:15:00Z", "--compare", "greedy,batch", "--seeds", "3", "--drivers", "100", "--out", out)
    expect(run.code).toBe(0)
    expect(run.stdout).toContain("Mean over 3 seeds (1..3) ± the half-width of its 95% confidence interval (Student's t, 2 degrees of freedom)")
    expect(run.stdout).toMatch(/\| match rate \| [\d.]+% ± [\d.]+ pp \| [\d.]+% ± [\d.]+ pp \| [+−±][\d.]+ pp ± [\d.]+ pp \|/)
    expect(run.stdout).toContain(`comparison: ${join(out, "comparison.json")}`)
    const comparison = JSON.parse(readFileSync(join(out, "comparison.json"), "utf8"))
    expect(comparison.schema).toBe("dispatch-simulator-comparison/1")
    expect(comparison.seeds).toEqual([1, 2, 3])
    const eta = comparison.kpis.find((k: { key: string }) => k.key === "pickupEtaSeconds.mean")
    expect(Object.keys(eta.means)).toEqual(["greedy", "batch"])
    expect(eta.differences[0]).toMatchObject({ policy: "batch", minus: "greedy", n: 3 })
    const [lo, hi] = eta.differences[0].ci95
    expect(lo).toBeLessThanOrEqual(eta.differences[0].mean)
    expect(hi).toBeGreaterThanOrEqual(eta.differences[0].mean)
    for (const name of ["kpis.greedy.json", "kpis.batch.json", "kpis.greedy.seed-2.json", "kpis.batch.seed-3.json"]) expect(existsSync(join(out, name))).toBe(true)
    expect(JSON.parse(readFileSync(join(out, "kpis.batch.seed-3.json"), "utf8")).scenario.seed).toBe(3)
    const html = readFileSync(join(out, "report.html"), "utf8")
    expect(html).toContain('<table id="seed-table">')
    expect(html).toMatch(/<td>[\d.]+% ± [\d.]+ pp<\/td>/)
    expect(html).toContain('id="plot-seed-diff-0"')
    expect(html).toContain("<h2>KPIs of seed 1</h2>")
  }, 180_000)
})
