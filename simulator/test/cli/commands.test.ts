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
    execFile(process.execPath, [ENTRY, ...args], { cwd: dir, timeout: 150_000 }, (error, stdout, stderr) =>
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

  it("says when every row lies outside the market, with the count", async () => {
    const trips = file("new-york.csv", [
      "request_time,pickup_lat,pickup_lng,dropoff_lat,dropoff_lng",
      "2008-06-01T00:00:01Z,40.7,-74.0,40.75,-74.01",
      "2008-06-01T00:00:02Z,40.7,-74.0,40.75,-74.01"
    ].join("\n") + "\n")
    const { code, stderr } = await dispatch("simulate", "--trips", trips)
    expect(code).toBe(1)
    expect(stderr).toContain(
      `dispatch simulate: ${trips}: no trips in the run: all 2 rows lie outside market sf (line 2: pickup 40.7,-74 is outside the market); ` +
        "give the file's market with --market (npx dispatch markets list shows them)"
    )
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
    // stdout is the result alone, so it can be piped; log lines go beside the progress
    expect(run.stdout).toMatch(/^## Simulation: sf /)
    expect(run.stderr).toMatch(/^timestamp=\S+ level=INFO .*message="road graph loaded" market=sf .*nodes=22847/m)
    expect(run.stdout).toContain("| match rate |")
    expect(run.stdout).toContain("transport: in-process")
    expect(run.stdout).toContain(`report: ${join(out, "report.html")}`)
    for (const name of ["kpis.greedy.json", "kpis.batch.json", "run.json", "summary.md", "report.html"]) expect(existsSync(join(out, name))).toBe(true)
    const kpis = JSON.parse(readFileSync(join(out, "kpis.batch.json"), "utf8"))
    expect(kpis.schema).toBe("dispatch-simulator-kpis/1")
    expect(kpis.scenario.to).toBe("2008-06-01T00:15:00.000Z")
  }, 180_000)

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
  it("names the columns it needs at the header, before reading the rows", async () => {
    const trips = file("no-durations.csv", "request_time,pickup_lat,pickup_lng,dropoff_lat,dropoff_lng\n2008-06-01T00:00:01Z,37.7,-122.4,37.75,-122.45\n")
    const { code, stderr } = await dispatch("calibrate", "--trips", trips)
    expect(code).toBe(1)
    // SF has roads: the distances come from the graph, the durations must be in the file.
    expect(stderr).toContain(
      `dispatch calibrate: ${trips}:1: missing column(s) dropoff_time (calibrate fits speeds from trip durations); ` +
        "the header has request_time, pickup_lat, pickup_lng, dropoff_lat, dropoff_lng; " +
        'map yours with --columns, e.g. --columns dropoff_time=<your column> (docs/simulator.md, "dispatch calibrate")'
    )
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

  it("says why no trip passed the filters, with its own counts and a hint", async () => {
    const trips = file("short-trips.csv", [
      "request_time,pickup_lat,pickup_lng,dropoff_lat,dropoff_lng,dropoff_time,trip_distance_km",
      "2008-06-01T00:00:01Z,37.77,-122.41,37.771,-122.411,2008-06-01T00:10:01Z,0.3",
      "2008-06-01T00:00:02Z,37.77,-122.41,37.771,-122.411,2008-06-01T00:10:02Z,0.3"
    ].join("\n") + "\n")
    const { code, stderr } = await dispatch("calibrate", "--trips", trips)
    expect(code).toBe(1)
    expect(stderr).toContain(
      `dispatch calibrate: ${trips}: no trip passed the filters: 0 of 2 used (skipped: too_short 2); ` +
        `every trip's great-circle length is outside --min-km 1 .. --max-km 5; widen them (docs/simulator.md, "dispatch calibrate")`
    )
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
