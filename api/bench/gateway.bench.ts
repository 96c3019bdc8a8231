/**
 * The API gateway under load: throughput and latency of `POST /v1/rides` through `dispatch api`
 * (HTTP, validation, region balancer, one NATS request to a region's intake), against the same
 * ride requests sent straight to an intake over NATS (the ceiling: what the gateway adds to).
 *
 * Every part is its own process on loopback: nats-server, one intake process per region
 * (intake-process.ts), the gateway (`dispatch api`), and the load generator (autocannon, or
 * direct-load.ts for the ceiling). The ceiling sends the same requests to the same intake
 * processes in the same proportions as the gateway run it is compared with (the regions'
 * weights, or the survivors' after us-west is gone). Scenarios, `SECONDS` each:
 *  1. closed:   every region up, weights us-west 2 / us-east 1 / eu-central 1; once with one
 *     connection (latency added when nothing queues), once with `connections`; each also
 *     against raw-gateway.ts (bare `node:http` + the same NATS request to us-west, nothing
 *     else), the floor of HTTP plus a hop in Node on this machine, compared with a ceiling
 *     sent to us-west alone;
 *  2. failover: us-west's intake is killed `FAILOVER_AT_S` seconds into the run;
 *  3. outage:   us-west stays down for the whole run (its breaker open, ejected).
 * Prints a table, then the CPU each process took per request in each run (the load generator's
 * own included: every process shares the same cores), then where the gateway's CPU time went
 * (self time by package and by function) in one more `connections` run against a second
 * gateway under `--cpu-prof` (the measured gateway runs unprofiled: the profiler costs CPU).
 *
 * Usage: node api/bench/gateway.bench.ts [seconds=10] [connections=16]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { availableParallelism, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { answersOk, connectNats, ensureStreamsAndBuckets, RunningChild, type ChildReadiness } from "#engine"
import { LocalNatsServer } from "#engine/testing"
import { openConfigBucket } from "../src/regions/config-bucket.ts"
import { makeRegionStore } from "../src/regions/region-store.ts"

const SECONDS = Number(process.argv[2] ?? 10)
const CONNECTIONS = Number(process.argv[3] ?? 16)
/** When the failover run kills us-west's intake: 3 s in, or a third of a shorter run. */
const FAILOVER_AT_S = Math.min(3, SECONDS / 3)
const REGIONS = ["us-west", "us-east", "eu-central"] as const
/** Caller us-west's weights, and the same as direct-load.ts's target lists: all regions, the survivors of us-west, us-west alone. */
const WEIGHTS = { "us-west": 2, "us-east": 1, "eu-central": 1 } as const
const targetList = (regions: ReadonlyArray<keyof typeof WEIGHTS>) => regions.map((r) => `${r}:${WEIGHTS[r]}`).join(",")
const ALL_TARGETS = targetList(REGIONS)
const SURVIVORS = targetList(["us-east", "eu-central"])
const US_WEST = targetList(["us-west"])
const ROOT = fileURLToPath(new URL("../..", import.meta.url))
const NODE = process.execPath
const BODY = JSON.stringify({ riderId: "bench", pickup: { lat: 37.78, lng: -122.41 }, dropoff: { lat: 37.79, lng: -122.42 } })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const port = (s.address() as { port: number }).port
    s.close(() => resolve(port))
  })
})

/** A long-lived `node ...args` in the repository, supervised, ready when `ready` says; its stderr goes to ours. */
const run = (name: string, args: ReadonlyArray<string>, ready: ChildReadiness) =>
  RunningChild.start({
    name,
    command: NODE,
    args,
    cwd: ROOT,
    onLine: (line, from) => {
      if (from === "stderr") process.stderr.write(`${line}\n`)
    },
    ready
  })

const CPU_LINE = /^bench-cpu-ms (\S+)$/

/** A load generator's run: what it printed on stdout, and its own CPU time (ms, from report-cpu.ts). */
const loadRun = async (name: string, args: ReadonlyArray<string>): Promise<{ readonly stdout: string; readonly cpuMs: number }> => {
  const lines: Array<string> = []
  let cpuMs = Number.NaN
  const child = await RunningChild.start({
    name,
    command: NODE,
    args: ["--import", "./api/bench/report-cpu.ts", ...args],
    cwd: ROOT,
    onLine: (line, from) => {
      if (from === "stdout") lines.push(line)
      else {
        const cpu = CPU_LINE.exec(line)
        if (cpu !== null) cpuMs = Number(cpu[1])
        else process.stderr.write(`${line}\n`)
      }
    }
  })
  await child.exited
  return { stdout: lines.join("\n"), cpuMs }
}

interface Figures { readonly rps: number; readonly p50: number; readonly p99: number; readonly errors: number; readonly requests: number }
/** One load run: its figures, the load generator's CPU and the wall time (ms). */
interface Load { readonly figures: Figures; readonly loadCpuMs: number; readonly wallMs: number }

const autocannon = async (url: string, connections = CONNECTIONS): Promise<Load> => {
  const started = performance.now()
  const out = await loadRun("autocannon", ["node_modules/autocannon/autocannon.js", "-j", "-c", String(connections), "-d", String(SECONDS), "-m", "POST",
    "-H", "content-type=application/json", "-b", BODY, `${url}/v1/rides`])
  const result = JSON.parse(out.stdout) as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number }
  const figures = { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors, requests: result.requests.total }
  return { figures, loadCpuMs: out.cpuMs, wallMs: performance.now() - started }
}

const direct = async (natsUrl: string, targets: string, connections = CONNECTIONS): Promise<Load> => {
  const started = performance.now()
  const out = await loadRun("direct load", ["api/bench/direct-load.ts", natsUrl, targets, String(connections), String(SECONDS)])
  return { figures: JSON.parse(out.stdout) as Figures, loadCpuMs: out.cpuMs, wallMs: performance.now() - started }
}

/** Clock ticks per second of /proc/<pid>/stat's times: 100 on every Linux build Node runs on. */
const CLOCK_TICKS = 100

/** A process's CPU time so far (ms), from /proc (Linux); undefined once it is gone or elsewhere. */
const cpuMsOf = (pid: number): number | undefined => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
  } catch {
    return undefined
  }
}

/**
 * The long-lived processes' CPU time, read every 100 ms so that one killed mid-run (the
 * failover's intake) counts up to its last reading. `role` groups processes (the intakes).
 */
const cpuMeter = () => {
  const last = new Map<number, { readonly role: string; ms: number }>()
  const read = () => {
    for (const [pid, entry] of last) entry.ms = cpuMsOf(pid) ?? entry.ms
  }
  const timer = setInterval(read, 100)
  return {
    watch: (role: string, pid: number | undefined) => {
      if (pid !== undefined) last.set(pid, { role, ms: cpuMsOf(pid) ?? Number.NaN })
    },
    /** CPU ms per role so far. */
    snapshot: (): Map<string, number> => {
      read()
      const byRole = new Map<string, number>()
      for (const { role, ms } of last.values()) byRole.set(role, (byRole.get(role) ?? 0) + ms)
      return byRole
    },
    stop: () => clearInterval(timer)
  }
}

type Meter = ReturnType<typeof cpuMeter>

/** A load run with the CPU every watched process took during it (ms per role, the load generator as `load`). */
const metered = async (meter: Meter, load: () => Promise<Load>): Promise<Load & { readonly cpuMs: ReadonlyMap<string, number> }> => {
  const before = meter.snapshot()
  const result = await load()
  const after = meter.snapshot()
  const cpuMs = new Map([["load", result.loadCpuMs], ...[...after].map(([role, ms]) => [role, ms - (before.get(role) ?? 0)] as const)])
  return { ...result, cpuMs }
}

/**
 * Self time per package and per function over every profile in `dir` (ms), counting only the
 * samples taken within `window` (µs of the monotonic clock, which V8's profile timestamps and
 * `process.hrtime` share on Linux): the load run, not the gateway's start-up and shutdown.
 */
const profileSummary = (dir: string, window: { readonly from: number; readonly to: number }) => {
  const byPackage = new Map<string, number>()
  const byFunction = new Map<string, number>()
  let total = 0
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) {
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as {
      nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>
      startTime: number
      samples: Array<number>
      timeDeltas: Array<number>
    }
    const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame]))
    let at = profile.startTime
    profile.samples.forEach((id, i) => {
      const us = profile.timeDeltas[i] ?? 0
      at += us
      if (at < window.from || at > window.to) return
      const frame = nodes.get(id)!
      const url = frame.url
      const pkg = url === "" ? `(${frame.functionName || "native"})`
        : url.includes("node_modules/") ? url.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, "$1")
        : url.startsWith("node:") ? "node core"
        : url.replace(/^file:\/\//, "").replace(ROOT, "").split("/").slice(0, 3).join("/")
      const fn = `${frame.functionName || "(anonymous)"} ${url.replace(/.*node_modules\//, "").replace(/^file:\/\//, "").replace(ROOT, "")}:${frame.lineNumber + 1}`
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us / 1000)
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + us / 1000)
      total += us / 1000
    })
  }
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, ms]) => `  ${(100 * ms / total).toFixed(1).padStart(5)} %  ${k}`)
  return { total, packages: top(byPackage, 12), functions: top(byFunction, 20) }
}

const loadAverage = () => {
  const [one, five] = loadavg()
  return `${one!.toFixed(1)} (1 min), ${five!.toFixed(1)} (5 min)`
}

const CPU_ROLES = ["load", "gateway", "node:http", "nats-server", "intakes"] as const

/**
 * CPU per request of each process in each run, and of all of them against the cores: when
 * "all" nears the cores, the run was CPU-bound on the machine, whatever each process's idle.
 */
const printCpu = (runs: ReadonlyArray<{ readonly run: string; readonly figures: Figures; readonly cpuMs: ReadonlyMap<string, number>; readonly wallMs: number }>) => {
  const cores = availableParallelism()
  console.log(`\nCPU ms per request by process (load: the load generator, autocannon or direct-load.ts); all: their sum, and what share of the ${cores} cores they kept busy`)
  console.log(`| run | ${CPU_ROLES.join(" | ")} | all | share of ${cores} cores |`)
  console.log(`| --- |${" ---: |".repeat(CPU_ROLES.length + 2)}`)
  for (const { run, figures, cpuMs, wallMs } of runs) {
    const requests = Math.max(1, figures.requests)
    const all = CPU_ROLES.reduce((sum, role) => sum + (cpuMs.get(role) ?? 0), 0)
    const cells = CPU_ROLES.map((role) => {
      const ms = cpuMs.get(role) ?? Number.NaN
      return Number.isNaN(ms) ? "n/a" : (ms / requests).toFixed(3)
    })
    console.log(`| ${run} | ${cells.join(" | ")} | ${(all / requests).toFixed(3)} | ${((100 * all) / (wallMs * cores)).toFixed(0)} % |`)
  }
}

const main = async () => {
  const server = await LocalNatsServer.start()
  const profileDir = mkdtempSync(join(tmpdir(), "gateway-prof-"))
  const intakes = new Map<string, RunningChild>()
  const meter = cpuMeter()
  meter.watch("nats-server", server.pid)
  let gateway: RunningChild | undefined
  let raw: RunningChild | undefined
  let profile: { readonly run: Load; readonly window: { readonly from: number; readonly to: number } } | undefined
  try {
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const client = yield* connectNats({ servers: [server.url], name: "bench-setup" })
      yield* ensureStreamsAndBuckets(client)
      const store = makeRegionStore(yield* openConfigBucket(client), REGIONS)
      yield* store.setWeights("us-west", WEIGHTS, { by: "gateway.bench", mode: "replace" })
    })))
    for (const region of REGIONS) {
      intakes.set(region, await run(`intake ${region}`, ["api/bench/intake-process.ts", server.url, region],
        { what: "an `intake ready` line", timeoutMs: 30_000, line: (line) => line.includes("intake ready") }))
      meter.watch("intakes", intakes.get(region)?.pid)
    }
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const startGateway = (name: string, gatewayUrl: string, gatewayPort: number, nodeFlags: ReadonlyArray<string> = []) =>
      run(name, [...nodeFlags, "engine/src/main/dispatch.ts", "api", "--nats", server.url, "--port", String(gatewayPort), "--auth", "none", "--log-format", "json", "--log-level", "warn"],
        { what: "/readyz answering", timeoutMs: 60_000, probeEveryMs: 50, probe: () => answersOk(`${gatewayUrl}/readyz`) })
    gateway = await startGateway("dispatch api", url, port)
    meter.watch("gateway", gateway.pid)
    const rawPort = await freePort()
    const rawUrl = `http://127.0.0.1:${rawPort}`
    raw = await run("raw gateway", ["api/bench/raw-gateway.ts", server.url, "us-west", String(rawPort)],
      { what: "a `raw gateway ready` line", timeoutMs: 30_000, line: (line) => line.includes("raw gateway ready") })
    meter.watch("node:http", raw.pid)
    // Warm-up: JIT and connections, not measured.
    for (const target of [url, rawUrl]) await fetch(`${target}/v1/rides`, { method: "POST", body: BODY, headers: { "content-type": "application/json" } })

    type Run = Awaited<ReturnType<typeof metered>>
    const rows: Array<{ scenario: string; gateway: Run; direct: Run }> = []
    const gatewayRun = (connections?: number) => metered(meter, () => autocannon(url, connections))
    const directRun = (targets: string, connections?: number) => metered(meter, () => direct(server.url, targets, connections))
    const rawRun = (connections?: number) => metered(meter, () => autocannon(rawUrl, connections))
    console.log(`gateway bench: ${SECONDS} s per run, ${CONNECTIONS} connections, node ${process.version}, load average ${loadAverage()}`)

    // One request at a time: the latency the gateway adds when nothing queues.
    rows.push({ scenario: "closed, 1 connection", gateway: await gatewayRun(1), direct: await directRun(ALL_TARGETS, 1) })
    rows.push({ scenario: "closed, 1 connection, bare node:http + NATS (floor)", gateway: await rawRun(1), direct: await directRun(US_WEST, 1) })
    rows.push({ scenario: `closed, ${CONNECTIONS} connections`, gateway: await gatewayRun(), direct: await directRun(ALL_TARGETS) })
    rows.push({ scenario: `closed, ${CONNECTIONS} connections, bare node:http + NATS (floor)`, gateway: await rawRun(), direct: await directRun(US_WEST) })
    console.log("  closed done")

    // Where the gateway's CPU goes: a second gateway under the profiler, in one steady run only
    // (the first one idles meanwhile).
    const profiledPort = await freePort()
    const profiledUrl = `http://127.0.0.1:${profiledPort}`
    const profiled = await startGateway("profiled dispatch api", profiledUrl, profiledPort, ["--cpu-prof", "--cpu-prof-dir", profileDir])
    try {
      await fetch(`${profiledUrl}/v1/rides`, { method: "POST", body: BODY, headers: { "content-type": "application/json" } })
      const from = Number(process.hrtime.bigint() / 1000n)
      const profiledRun = await autocannon(profiledUrl)
      profile = { run: profiledRun, window: { from, to: Number(process.hrtime.bigint() / 1000n) } }
    } finally {
      await profiled.stop()
    }
    console.log("  profile done")

    const killing = sleep(FAILOVER_AT_S * 1000).then(() => intakes.get("us-west")?.stop())
    const failover = await gatewayRun()
    await killing
    rows.push({ scenario: `failover (us-west killed at ${FAILOVER_AT_S.toFixed(1)} s)`, gateway: failover, direct: await directRun(SURVIVORS) })
    console.log("  failover done")

    rows.push({ scenario: "outage (us-west down)", gateway: await gatewayRun(), direct: await directRun(SURVIVORS) })
    console.log("  outage done")

    console.log(`\nload average at the end: ${loadAverage()}`)
    console.log("\n| scenario | gateway req/s | gateway p50 / p99 ms | direct NATS req/s | direct p50 / p99 ms | gateway / direct | added p50 / p99 ms | gateway errors |")
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for (const { scenario, gateway: { figures: g }, direct: { figures: d } } of rows) {
      console.log(`| ${scenario} | ${g.rps.toFixed(0)} | ${g.p50.toFixed(2)} / ${g.p99.toFixed(2)} | ${d.rps.toFixed(0)} | ${d.p50.toFixed(2)} / ${d.p99.toFixed(2)} | ${(g.rps / d.rps).toFixed(2)} | ${(g.p50 - d.p50).toFixed(2)} / ${(g.p99 - d.p99).toFixed(2)} | ${g.errors} of ${g.requests} |`)
    }
    const cpuRuns = rows.flatMap(({ scenario, gateway: g, direct: d }) => [{ run: scenario, ...g }, { run: `${scenario}: direct`, ...d }])
    printCpu(cpuRuns)
  } finally {
    meter.stop()
    await raw?.stop()
    await gateway?.stop()
    for (const child of intakes.values()) await child.stop()
    await server.dispose()
  }
  if (profile === undefined) return
  const summary = profileSummary(profileDir, profile.window)
  const { rps, requests } = profile.run.figures
  console.log(`\ngateway CPU profile (--cpu-prof, a second gateway, one closed ${CONNECTIONS}-connection run: ${rps.toFixed(0)} req/s, ${requests} requests): ${(summary.total / 1000).toFixed(1)} s sampled; self time by package:`)
  for (const line of summary.packages) console.log(line)
  console.log("top functions by self time:")
  for (const line of summary.functions) console.log(line)
  rmSync(profileDir, { recursive: true, force: true })
}

await main()
