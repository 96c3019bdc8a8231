/**
 * The API gateway under load: throughput and latency of `POST /v1/rides` through `dispatch api`
 * (HTTP, validation, region balancer, one NATS request to a region's intake), against the same
 * ride requests sent straight to an intake over NATS (the ceiling: what the gateway adds to).
 *
 * Every part is its own process on loopback: nats-server, one intake process per region
 * (intake-process.ts), the gateway (`dispatch api`, under `--cpu-prof`), and the load generator
 * (autocannon, or direct-load.ts for the ceiling). Scenarios, `SECONDS` each:
 *  1. closed:   every region up, weights us-west 2 / us-east 1 / eu-central 1; once with one
 *     connection (latency added when nothing queues), once with `connections`;
 *  2. failover: us-west's intake is killed `FAILOVER_AT_S` seconds into the run;
 *  3. outage:   us-west stays down for the whole run (its breaker open, ejected).
 * Prints a table, then where the gateway's CPU time went (self time by package and by function).
 *
 * Usage: node api/bench/gateway.bench.ts [seconds=10] [connections=16]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
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

/** `node ...args` in the repository, supervised; its stdout lines go to `onStdout`, stderr to ours unless quiet. */
const run = (name: string, args: ReadonlyArray<string>, options: { readonly quiet?: boolean; readonly ready?: ChildReadiness; readonly onStdout?: (line: string) => void } = {}) =>
  RunningChild.start({
    name,
    command: NODE,
    args,
    cwd: ROOT,
    onLine: (line, from) => {
      if (from === "stdout") options.onStdout?.(line)
      else if (options.quiet !== true) process.stderr.write(`${line}\n`)
    },
    ...(options.ready === undefined ? {} : { ready: options.ready })
  })

/** What a one-shot run printed on stdout, once it has exited. */
const output = async (name: string, args: ReadonlyArray<string>, options: { readonly quiet?: boolean } = {}): Promise<string> => {
  const lines: Array<string> = []
  await (await run(name, args, { ...options, onStdout: (line) => void lines.push(line) })).exited
  return lines.join("\n")
}

interface Figures { readonly rps: number; readonly p50: number; readonly p99: number; readonly errors: number; readonly requests: number }

const autocannon = async (url: string, connections = CONNECTIONS): Promise<Figures> => {
  const out = await output("autocannon", ["node_modules/autocannon/autocannon.js", "-j", "-c", String(connections), "-d", String(SECONDS), "-m", "POST",
    "-H", "content-type=application/json", "-b", BODY, `${url}/v1/rides`], { quiet: true })
  const result = JSON.parse(out) as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors, requests: result.requests.total }
}

const direct = async (natsUrl: string, region: string, connections = CONNECTIONS): Promise<Figures> => {
  return JSON.parse(await output("direct load", ["api/bench/direct-load.ts", natsUrl, region, String(connections), String(SECONDS)])) as Figures
}

/** Self time per package and per function over every profile in `dir` (ms). */
const profileSummary = (dir: string) => {
  const byPackage = new Map<string, number>()
  const byFunction = new Map<string, number>()
  let total = 0
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) {
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as {
      nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>
      samples: Array<number>
      timeDeltas: Array<number>
    }
    const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame]))
    profile.samples.forEach((id, i) => {
      const us = profile.timeDeltas[i] ?? 0
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

const main = async () => {
  const server = await LocalNatsServer.start()
  const profileDir = mkdtempSync(join(tmpdir(), "gateway-prof-"))
  const intakes = new Map<string, RunningChild>()
  let gateway: RunningChild | undefined
  try {
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const client = yield* connectNats({ servers: [server.url], name: "bench-setup" })
      yield* ensureStreamsAndBuckets(client)
      const store = makeRegionStore(yield* openConfigBucket(client), REGIONS)
      yield* store.setWeights("us-west", { "us-west": 2, "us-east": 1, "eu-central": 1 }, { by: "gateway.bench", mode: "replace" })
    })))
    for (const region of REGIONS) {
      intakes.set(region, await run(`intake ${region}`, ["api/bench/intake-process.ts", server.url, region], {
        ready: { what: "an `intake ready` line", timeoutMs: 30_000, line: (line) => line.includes("intake ready") }
      }))
    }
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    gateway = await run("dispatch api", ["--cpu-prof", "--cpu-prof-dir", profileDir, "engine/src/main/dispatch.ts", "api", "--nats", server.url, "--port", String(port), "--auth", "none", "--log-format", "json", "--log-level", "warn"], {
      ready: { what: "/readyz answering", timeoutMs: 60_000, probeEveryMs: 50, probe: () => answersOk(`${url}/readyz`) }
    })
    // Warm-up: JIT and connections, not measured.
    await fetch(`${url}/v1/rides`, { method: "POST", body: BODY, headers: { "content-type": "application/json" } })

    const rows: Array<{ scenario: string; gateway: Figures; direct: Figures }> = []
    console.log(`gateway bench: ${SECONDS} s per run, ${CONNECTIONS} connections, node ${process.version}`)

    // One request at a time: the latency the gateway adds when nothing queues.
    rows.push({ scenario: "closed, 1 connection", gateway: await autocannon(url, 1), direct: await direct(server.url, "us-west", 1) })
    rows.push({ scenario: `closed, ${CONNECTIONS} connections`, gateway: await autocannon(url), direct: await direct(server.url, "us-west") })
    console.log("  closed done")

    const killing = sleep(FAILOVER_AT_S * 1000).then(() => intakes.get("us-west")?.stop())
    const failover = await autocannon(url)
    await killing
    rows.push({ scenario: `failover (us-west killed at ${FAILOVER_AT_S} s)`, gateway: failover, direct: await direct(server.url, "us-east") })
    console.log("  failover done")

    rows.push({ scenario: "outage (us-west down)", gateway: await autocannon(url), direct: await direct(server.url, "us-east") })
    console.log("  outage done")

    console.log("\n| scenario | gateway req/s | gateway p50 / p99 ms | direct NATS req/s | direct p50 / p99 ms | gateway / direct | added p50 / p99 ms | gateway errors |")
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for (const { scenario, gateway: g, direct: d } of rows) {
      console.log(`| ${scenario} | ${g.rps.toFixed(0)} | ${g.p50.toFixed(2)} / ${g.p99.toFixed(2)} | ${d.rps.toFixed(0)} | ${d.p50.toFixed(2)} / ${d.p99.toFixed(2)} | ${(g.rps / d.rps).toFixed(2)} | ${(g.p50 - d.p50).toFixed(2)} / ${(g.p99 - d.p99).toFixed(2)} | ${g.errors} of ${g.requests} |`)
    }
  } finally {
    await gateway?.stop()
    for (const child of intakes.values()) await child.stop()
    await server.dispose()
  }
  const summary = profileSummary(profileDir)
  console.log(`\ngateway CPU profile (--cpu-prof, every scenario): ${(summary.total / 1000).toFixed(1)} s sampled; self time by package:`)
  for (const line of summary.packages) console.log(line)
  console.log("top functions by self time:")
  for (const line of summary.functions) console.log(line)
  rmSync(profileDir, { recursive: true, force: true })
}

await main()
