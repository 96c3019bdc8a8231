/**
 * The engine on NATS: throughput against its transport ceiling, decision latency at a fixed
 * load, where its CPU goes, and what a takeover costs. Every figure comes from this run on
 * this machine (a private nats-server per scenario, file store), per docs/limits.md's rule:
 * measure the baseline in the same run and report ratios.
 *
 * 1. Drain: a backlog of N orders in ORDERS (published before the consumer starts), then
 *    a) the skeleton (engine-skeleton.ts: consume, publish a fixed decision with msgID, ack
 *       after the PubAck; no decoding, no matching), and
 *    b) the real `dispatch engine` process with 20k drivers in KV, greedy and batch.
 *    Rate = decisions stored per second between 5 % and 95 % of N (start-up and the last
 *    batch window excluded), read by polling RESULTS; cores from /proc of the consumer and of
 *    nats-server over the same interval.
 * 2. Latency: greedy engine, 20k drivers, orders offered at a fixed 2k/s for 15 s after a 3 s
 *    warm-up; published -> decision received (core subscription) in this process. A matched
 *    driver is put back `available` when its decision arrives, so supply stays steady.
 * 3. CPU profile of the engine during a greedy drain (--cpu-prof), summarised over the
 *    samples from the first order handled to the last.
 * 4. Takeover: the time `partition state rebuilt` takes with N decisions in RESULTS (the
 *    reservation replay) against the same engine with none; and a SIGKILL of the owner under
 *    load with a standby running: takeover, first decision, all decided (default ack wait, and
 *    a short one).
 *
 * Run: node_modules/.bin/node engine/bench/engine.bench.ts [--runs 3] [--orders 50000] [--quick] [--skip-crash]
 *      [--only drain,latency,profile,crash] [--scenarios skeleton,greedy,greedy-all-matched,batch]
 * Results go to stdout (markdown tables) and, in full, to $TMPDIR/dispatch-engine-bench-<time>.json.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { loadMarketCatalog, SHIPPED_MARKET_FILES } from "../src/domain/market-files.ts"
import { GreatCircleEta } from "../src/eta/great-circle-eta.ts"
import { RunningChild } from "../src/process/running-child.ts"
import { defaultDispatchSettings, Dispatcher } from "../src/pipeline/dispatcher.ts"
import { LocalNatsServer } from "../src/transport/nats/local-server.ts"
import { replayDecisions } from "../src/transport/nats/results-replay.ts"
import { driverState, newTraceparent, orderRequested, pointIn, prng, sleep, TestClient } from "../test/e2e/client.ts"
import { EngineProcess, NODE_BIN, REPO_ROOT, type EngineOptions } from "../test/e2e/engine-process.ts"
import { formatProfile, summarizeCpuProfile } from "./engine-profile.ts"

const argv = process.argv.slice(2)
const flag = (name: string) => argv.includes(`--${name}`)
const option = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? Number(argv[i + 1]) : fallback
}
const QUICK = flag("quick")
/** `--only drain,latency,profile,crash`: run some sections only. */
const ONLY = (() => {
  const i = argv.indexOf("--only")
  return i >= 0 ? new Set((argv[i + 1] ?? "").split(",")) : undefined
})()
const section = (name: string) => ONLY === undefined || ONLY.has(name)
/** `--scenarios skeleton,batch`: the drain scenarios to run (default all; the skeleton is the baseline of every ratio). */
const SCENARIOS = (() => {
  const i = argv.indexOf("--scenarios")
  return i >= 0 ? new Set((argv[i + 1] ?? "").split(",")) : undefined
})()
const RUNS = option("runs", QUICK ? 1 : 3)
const ORDERS = option("orders", QUICK ? 10_000 : 50_000)
const DRIVERS = 20_000
/**
 * Batch holds an order it cannot match until it expires (10 min here), so its backlog must be
 * one the drivers can all serve: 3/4 of them (with as many orders as drivers, the last few
 * dozen orders find no free driver within 5 km and the drain never ends).
 */
const BATCH_ORDERS = Math.min(ORDERS, (DRIVERS * 3) / 4)
const LATENCY_RATE = 2_000
const LATENCY_WARMUP_MS = QUICK ? 1_000 : 3_000
const LATENCY_MEASURE_MS = QUICK ? 5_000 : 15_000
/** The SF city box (37.70..37.81 N × -122.52..-122.36 E, 172 km²), as engine/bench/fixtures.ts. */
const CITY = { south: 37.7, north: 37.81, west: -122.52, east: -122.36 } as const
const CLK_TCK = 100

// ---------------------------------------------------------------------------------------------
// Worlds and processes

interface World {
  readonly server: LocalNatsServer
  readonly client: TestClient
}

/** A fresh nats-server with the streams, `drivers` drivers in KV and `orders` orders in ORDERS. */
const makeWorld = async (drivers: number, orders: number, seed: number, prefix = "o"): Promise<World> => {
  const server = await LocalNatsServer.start()
  const client = await TestClient.connect(server.url, "bench-client")
  await client.ensureStreams()
  const random = prng(seed)
  const now = Date.now()
  await client.putDrivers(Array.from({ length: drivers }, (_, i) => driverState(`d${i}`, now, pointIn(random, CITY))), 1_000)
  await publishOrders(client, random, prefix, 0, orders)
  return { server, client }
}

const publishOrders = async (client: TestClient, random: () => number, prefix: string, from: number, count: number) => {
  const chunk = 10_000
  for (let i = from; i < from + count; i += chunk) {
    const n = Math.min(chunk, from + count - i)
    await client.publishOrders(Array.from({ length: n }, (_, k) => ({ order: orderRequested(`${prefix}${i + k}`, Date.now(), pointIn(random, CITY)), traceparent: newTraceparent().traceparent })), 1_000)
  }
}

const disposeWorld = async (w: World) => {
  await w.client.close()
  await w.server.dispose()
}

interface Consumer {
  readonly pid: number
  readonly stop: () => Promise<void>
  /** The engine process, when the consumer is one. */
  readonly engine?: EngineProcess
}

const startSkeleton = async (url: string): Promise<Consumer> => {
  const child = await RunningChild.start({
    name: "engine skeleton",
    command: NODE_BIN,
    args: [`${REPO_ROOT}engine/bench/engine-skeleton.ts`, url],
    cwd: REPO_ROOT,
    onLine: (line, from) => {
      if (from === "stderr") process.stderr.write(`${line}\n`)
    },
    ready: { what: "a `skeleton consuming` line", timeoutMs: 60_000, line: (line) => line.includes("skeleton consuming") }
  })
  return { pid: child.pid, stop: async () => void (await child.stop()) }
}

const startEngine = async (url: string, options: Partial<EngineOptions> = {}): Promise<Consumer & { readonly engine: EngineProcess }> => {
  const engine = await EngineProcess.start({ natsUrl: url, waitFor: "none", ...options })
  return { engine, pid: engine.pid!, stop: async () => void (await engine.stop()) }
}

/**
 * CPU seconds of the whole machine so far (all cores; /proc/stat): in processes (user, nice,
 * system), in interrupts (irq, softirq: loopback TCP is processed there), and stolen by the
 * hypervisor for other guests (steal).
 */
const machineSeconds = () => {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number)
  const at = (i: number) => (f[i] ?? 0) / CLK_TCK
  return { processes: at(0) + at(1) + at(2), irq: at(5) + at(6), steal: at(7) }
}

/** CPU seconds (user + system) a process has used so far. */
const cpuSeconds = (pid: number | undefined): number => {
  if (pid === undefined) return Number.NaN
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
  } catch {
    return Number.NaN
  }
}

/**
 * The machine is shared (2 cores; other people's tests and benchmarks): before each measured
 * run, wait until everything else uses under 0.25 cores for 2 s in a row, at most `maxMs`.
 * Returns the cores others used in the last second looked at.
 */
const waitForQuiet = async (maxMs = 90_000): Promise<number> => {
  const deadline = Date.now() + maxMs
  let quietFor = 0
  let busy = Number.NaN
  while (Date.now() < deadline) {
    const m0 = machineSeconds().processes, b0 = cpuSeconds(process.pid)
    await sleep(1_000)
    busy = machineSeconds().processes - m0 - (cpuSeconds(process.pid) - b0)
    quietFor = busy < 0.25 ? quietFor + 1 : 0
    if (quietFor >= 2) return busy
  }
  return busy
}

// ---------------------------------------------------------------------------------------------
// 1. Drain

interface Drain {
  /** Decisions stored per second between 5 % and 95 % of N. */
  readonly rate: number
  /** The same between 5 % and 35 %, and between 50 % and 95 %. */
  readonly firstThirdRate: number
  readonly lastHalfRate: number
  /** From the consumer's start to the N-th decision (ms). */
  readonly totalMs: number
  readonly consumerCores: number
  readonly serverCores: number
  /** Cores busy in processes other than the consumer, nats-server and this one (other users of the box). */
  readonly otherCores: number
  /** Cores in interrupt handling (network) and stolen by the hypervisor. */
  readonly irqCores: number
  readonly stealCores: number
  /** Cores of this process (polling RESULTS). */
  readonly benchCores: number
  readonly matched: number
  readonly unmatched: number
}

const drain = async (w: World, n: number, start: () => Promise<Consumer>): Promise<Drain & { readonly consumer: Consumer }> => {
  const started = performance.now()
  const consumer = await start()
  const samples: Array<{ t: number; count: number; cpuC: number; cpuS: number; cpuB: number; m: ReturnType<typeof machineSeconds> }> = []
  const deadline = Date.now() + 180_000
  for (;;) {
    const count = (await w.client.jsm.streams.info("RESULTS")).state.messages
    samples.push({ t: performance.now(), count, cpuC: cpuSeconds(consumer.pid), cpuS: cpuSeconds(w.server.pid), cpuB: cpuSeconds(process.pid), m: machineSeconds() })
    if (count >= n) break
    if (Date.now() > deadline) throw new Error(`drain stuck at ${count} of ${n}`)
    await sleep(10)
  }
  const at = (share: number) => samples.find((s) => s.count >= share * n)!
  const rateBetween = (lo: number, hi: number) => {
    const x = at(lo), y = at(hi)
    return (y.count - x.count) / ((y.t - x.t) / 1000)
  }
  const a = at(0.05), b = at(0.95)
  const seconds = (b.t - a.t) / 1000
  // Each decision has its order's own subject (dispatch.sf.decision.<orderKey>), so the kind
  // is counted from the stored decisions, not from per-subject totals.
  const kinds = { matched: 0, unmatched: 0 }
  for (const r of await w.client.decisions()) kinds[r.decision.type === "order.matched" ? "matched" : "unmatched"]++
  return {
    consumer,
    rate: (b.count - a.count) / seconds,
    // Greedy decides in arrival order: with 20k drivers and 50k orders the first 40 % are
    // matches and the rest no_supply, so these two windows split the drain by kind of work.
    firstThirdRate: rateBetween(0.05, 0.35),
    lastHalfRate: rateBetween(0.5, 0.95),
    totalMs: samples.at(-1)!.t - started,
    consumerCores: (b.cpuC - a.cpuC) / seconds,
    serverCores: (b.cpuS - a.cpuS) / seconds,
    otherCores: (b.m.processes - a.m.processes - (b.cpuC - a.cpuC) - (b.cpuS - a.cpuS) - (b.cpuB - a.cpuB)) / seconds,
    irqCores: (b.m.irq - a.m.irq) / seconds,
    stealCores: (b.m.steal - a.m.steal) / seconds,
    benchCores: (b.cpuB - a.cpuB) / seconds,
    matched: kinds.matched,
    unmatched: kinds.unmatched
  }
}

type Scenario = "skeleton" | "greedy" | "greedy-all-matched" | "batch"

const runDrain = async (scenario: Scenario, seed: number, profileDir?: string) => {
  const n = scenario === "skeleton" || scenario === "greedy" ? ORDERS : BATCH_ORDERS
  const w = await makeWorld(scenario === "skeleton" ? 0 : DRIVERS, n, seed)
  if (!QUICK) await waitForQuiet()
  try {
    const result = await drain(w, n, () =>
      scenario === "skeleton"
        ? startSkeleton(w.server.url)
        : startEngine(w.server.url, {
          // Decide-once: 30k of the 50k orders find no driver, and the waiting greedy would hold
          // them to their deadline; the drain measures deciding, as its earlier figures did.
          policy: scenario === "batch" ? "batch" : "greedy-once",
          ...(profileDir === undefined ? {} : { nodeArgs: ["--cpu-prof", "--cpu-prof-dir", profileDir] })
        }))
    let rebuild: { readonly first: number; readonly replayed: number; readonly decisions: unknown; readonly replayMs: ReadonlyArray<number> } | undefined
    let batchWindows: { readonly windows: number; readonly meanMs: number; readonly p50Ms: number; readonly p99Ms: number; readonly sizeP50: number } | undefined
    if (scenario === "greedy" && profileDir === undefined) {
      // 4a. Replay cost: a second engine takes over (graceful handover) with N decisions in RESULTS.
      await result.consumer.stop()
      const second = await startEngine(w.server.url, { waitFor: "consuming" })
      await second.stop()
      rebuild = {
        first: rebuildMs(result.consumer.engine!),
        replayed: rebuildMs(second.engine),
        decisions: second.engine.logsWith("partition state rebuilt")[0]?.annotations["decisions"],
        replayMs: await replayAlone(w, n)
      }
    } else if (scenario === "batch" && profileDir === undefined) {
      // The engine's own window solve times (dispatch_batch_solve_seconds) and sizes, over the drain.
      const text = await result.consumer.engine!.metricsText()
      const solve = histogramQuantiles("", text, "dispatch_batch_solve_seconds")
      const sum = Number(/^dispatch_batch_solve_seconds_sum\{[^}]*\} (\S+)$/m.exec(text)?.[1] ?? Number.NaN)
      const sizes = histogramQuantiles("", text, "dispatch_batch_size")
      batchWindows = { windows: solve.n, meanMs: (sum / solve.n) * 1000, p50Ms: solve.p50, p99Ms: solve.p99, sizeP50: sizes.p50 / 1000 }
      await result.consumer.stop()
    } else {
      await result.consumer.stop()
    }
    return { ...result, n, rebuild, batchWindows }
  } finally {
    await disposeWorld(w)
  }
}

const sf = Effect.runSync(loadMarketCatalog(SHIPPED_MARKET_FILES)).get("sf")!

/**
 * The replay alone, in this process: the engine's own `replayDecisions` feeding a fresh
 * `Dispatcher` (lifecycle + reservations), as a new owner does; 3 times, ms each.
 */
const replayAlone = async (w: World, expected: number): Promise<Array<number>> => {
  const client = { nc: w.client.nc, js: w.client.js, jsm: w.client.jsm, kvm: w.client.kvm }
  const times: Array<number> = []
  for (let i = 0; i < 3; i++) {
    const dispatcher = new Dispatcher(sf, GreatCircleEta.forMarket(sf), defaultDispatchSettings("greedy"))
    const started = performance.now()
    const count = await Effect.runPromise(replayDecisions(client, "sf", Date.now() - 600_000, (d) => dispatcher.restoreDecision(d)))
    times.push(performance.now() - started)
    if (count !== expected) throw new Error(`replayed ${count} decisions, expected ${expected}`)
  }
  return times
}

/** From `lease acquired` to `partition state rebuilt` (ms): the KV snapshot plus the RESULTS replay. */
const rebuildMs = (e: EngineProcess) => e.logsWith("partition state rebuilt")[0]!.at - e.logs.find((l) => l.message.startsWith("lease acquired"))!.at

// ---------------------------------------------------------------------------------------------
// 2. Latency at a fixed offered load

const percentiles = (xs: Array<number>) => {
  xs.sort((a, b) => a - b)
  const q = (p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? Number.NaN
  return { n: xs.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), p999: q(0.999), max: xs.at(-1) ?? Number.NaN }
}

/**
 * Quantiles (p50, p99, p99.9) of a Prometheus histogram over the interval between two
 * scrapes, as the upper bounds of the buckets they fall in (ms).
 */
const histogramQuantiles = (before: string, after: string, name: string) => {
  const buckets = (text: string) => {
    const out = new Map<number, number>()
    for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"[^}]*\\} (\\S+)$`, "gm"))) {
      const le = m[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[1])
      out.set(le, (out.get(le) ?? 0) + Number(m[2]))
    }
    return out
  }
  const a = buckets(before), b = buckets(after)
  const bounds = [...b.keys()].sort((x, y) => x - y)
  const counts = bounds.map((le) => (b.get(le) ?? 0) - (a.get(le) ?? 0))
  const total = counts.at(-1) ?? 0
  const q = (p: number) => {
    const i = counts.findIndex((c) => c >= p * total)
    return i < 0 ? Number.NaN : bounds[i]! * 1000
  }
  return { n: total, p50: q(0.5), p99: q(0.99), p999: q(0.999) }
}

/**
 * Orders offered at LATENCY_RATE per second to the engine (or the skeleton, as the transport's
 * own latency in the same conditions); latency = publish call -> decision received, matched by
 * the decision's Nats-Msg-Id (= orderId). Also the producer's own PubAck latency.
 */
const latency = async (kind: "engine" | "skeleton") => {
  const w = await makeWorld(kind === "engine" ? DRIVERS : 0, 0, 7)
  if (!QUICK) await waitForQuiet()
  const consumer = kind === "engine" ? await startEngine(w.server.url, { waitFor: "consuming" }) : await startSkeleton(w.server.url)
  const random = prng(8)
  const sentAt = new Map<string, number>()
  const latencies: Array<number> = []
  const pubAcks: Array<number> = []
  let measureFrom = Number.POSITIVE_INFINITY
  let measureTo = Number.POSITIVE_INFINITY
  let received = 0
  let publishFailures = 0
  const kv = await w.client.kvm.open("drivers")
  const decoder = new TextDecoder()
  const encoder = new TextEncoder()
  w.client.nc.subscribe("dispatch.sf.decision.>", {
    callback: (_err, m) => {
      const now = performance.now()
      const orderId = m.headers?.get("Nats-Msg-Id") ?? ""
      const t = sentAt.get(orderId)
      if (t === undefined) return
      sentAt.delete(orderId) // keeps this process's heap (and its GC pauses, which inflate every figure) small
      received++
      if (t >= measureFrom && t < measureTo) latencies.push(now - t)
      // The ride is over at once: the driver is free again, somewhere else.
      const d = kind === "engine" ? JSON.parse(decoder.decode(m.data)) as { type: string; driverId: string } : undefined
      if (d?.type === "order.matched") {
        kv.put(`sf.${d.driverId}`, JSON.stringify(driverState(d.driverId, Date.now(), pointIn(random, CITY)))).catch(() => undefined)
      }
    }
  })
  const cpu0 = cpuSeconds(consumer.pid), s0 = cpuSeconds(w.server.pid), b0 = cpuSeconds(process.pid), m0 = machineSeconds().processes
  const started = performance.now()
  measureFrom = started + LATENCY_WARMUP_MS
  measureTo = measureFrom + LATENCY_MEASURE_MS
  let sent = 0
  const total = ((LATENCY_WARMUP_MS + LATENCY_MEASURE_MS) / 1000) * LATENCY_RATE
  let cpuAtMeasure = Number.NaN
  let histogramAtMeasure = ""
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * LATENCY_RATE))
    if (Number.isNaN(cpuAtMeasure) && performance.now() >= measureFrom) {
      cpuAtMeasure = cpuSeconds(consumer.pid)
      if (consumer.engine !== undefined) void consumer.engine.metricsText().then((t) => (histogramAtMeasure = t))
    }
    while (sent < due) {
      const orderId = `lat${sent++}`
      const order = orderRequested(orderId, Date.now(), pointIn(random, CITY))
      const t = performance.now()
      sentAt.set(orderId, t)
      w.client.publish("dispatch.sf.order.requested", encoder.encode(JSON.stringify(order)), orderId, newTraceparent().traceparent).then(
        () => void (t >= measureFrom && t < measureTo && pubAcks.push(performance.now() - t)),
        () => publishFailures++
      )
    }
    await sleep(1)
  }
  const cpuEnd = cpuSeconds(consumer.pid)
  const measuredSeconds = (performance.now() - measureFrom) / 1000
  const elapsed = (performance.now() - started) / 1000
  const otherCoresDuring = (machineSeconds().processes - m0 - (cpuEnd - cpu0) - (cpuSeconds(w.server.pid) - s0) - (cpuSeconds(process.pid) - b0)) / elapsed
  const deadline = Date.now() + 10_000
  while (received < total && Date.now() < deadline) await sleep(20)
  // The engine's own view (arrival at the engine -> decision stored), over the measured orders.
  const inside = consumer.engine === undefined ? undefined : histogramQuantiles(histogramAtMeasure, await consumer.engine.metricsText(), "dispatch_decision_latency_seconds")
  await consumer.stop()
  await disposeWorld(w)
  return {
    kind,
    engineHistogram: inside,
    offered: LATENCY_RATE,
    lost: total - received,
    publishFailures,
    decision: percentiles(latencies),
    pubAck: percentiles(pubAcks),
    consumerCores: (cpuEnd - cpuAtMeasure) / measuredSeconds,
    otherCoresDuring
  }
}

// ---------------------------------------------------------------------------------------------
// 4b. SIGKILL of the owner under load, with a standby running

const crashTakeover = async (label: string, engineOptions: Partial<EngineOptions>) => {
  const n = 20_000
  const w = await makeWorld(DRIVERS, 0, 9)
  const seen: Array<number> = []
  w.client.nc.subscribe("dispatch.sf.decision.>", { callback: () => void seen.push(Date.now()) })
  const { engine: owner } = await startEngine(w.server.url, { ...engineOptions, waitFor: "consuming", instanceId: "owner" })
  const { engine: standby } = await startEngine(w.server.url, { ...engineOptions, waitFor: "listening", instanceId: "standby" })
  const random = prng(10)
  const publishing = publishOrders(w.client, random, "c", 0, n)
  while (seen.length < n * 0.3) await sleep(1)
  const killedAt = Date.now()
  await owner.kill()
  const consuming = await standby.waitConsuming(120_000)
  await publishing
  const deadline = Date.now() + 120_000
  while ((await w.client.streamCount("RESULTS")) < n && Date.now() < deadline) await sleep(50)
  const stored = await w.client.streamCount("RESULTS")
  const first = seen.find((t) => t >= consuming.at)
  const result = {
    label,
    decisionsAtKill: seen.filter((t) => t <= killedAt).length,
    takeoverMs: consuming.at - killedAt,
    firstDecisionMs: first === undefined ? Number.NaN : first - killedAt,
    allDecidedMs: Math.max(...seen) - killedAt,
    stored,
    orders: n
  }
  await standby.stop()
  await disposeWorld(w)
  return result
}

// ---------------------------------------------------------------------------------------------

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const k = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0))
const range = (xs: ReadonlyArray<number>, f: (x: number) => string) => (xs.length > 1 ? ` [${f(Math.min(...xs))}–${f(Math.max(...xs))}]` : "")

/** docs/limits.md's machine-speed probe: 50M xorshift steps (73–77 ms when limits.md was measured). */
const cpuProbeMs = () => {
  const times: Array<number> = []
  for (let r = 0; r < 5; r++) {
    let x = 2463534242
    const t = performance.now()
    for (let i = 0; i < 50_000_000; i++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
    }
    times.push(performance.now() - t + (x === 0 ? 1 : 0))
  }
  return median(times)
}

type Results = Record<string, unknown>

/** 1. Drains, interleaved so that drift on the shared host hits every scenario alike; 4a. the replay cost. */
const drains = async (results: Results) => {
  const scenarios = (["skeleton", "greedy", "greedy-all-matched", "batch"] as const).filter((s) => SCENARIOS === undefined || SCENARIOS.has(s))
  const drainRuns = new Map<Scenario, Array<Awaited<ReturnType<typeof runDrain>>>>(scenarios.map((s) => [s, []]))
  for (let run = 0; run < RUNS; run++) {
    for (const scenario of scenarios) {
      // greedy-all-matched: the same engine, a backlog the drivers can all serve.
      const r = scenario === "greedy-all-matched" ? await runDrainAllMatched(100 + run) : await runDrain(scenario, 100 + run)
      drainRuns.get(scenario)!.push(r)
      console.log(`  run ${run + 1} ${scenario.padEnd(18)} ${k(r.rate)} orders/s  (N=${r.n}, total ${(r.totalMs / 1000).toFixed(2)} s, consumer ${r.consumerCores.toFixed(2)} cores, nats-server ${r.serverCores.toFixed(2)}, bench ${r.benchCores.toFixed(2)}, others ${r.otherCores.toFixed(2)}, irq ${r.irqCores.toFixed(2)}, steal ${r.stealCores.toFixed(2)}, matched ${r.matched}, unmatched ${r.unmatched}${r.rebuild ? `, rebuild ${r.rebuild.first} ms -> ${r.rebuild.replayed} ms with ${String(r.rebuild.decisions)} decisions` : ""}${r.batchWindows ? `, ${r.batchWindows.windows} windows (size p50 ≤ ${r.batchWindows.sizeP50}), solve mean ${r.batchWindows.meanMs.toFixed(1)} ms, p50 ≤ ${r.batchWindows.p50Ms} ms, p99 ≤ ${r.batchWindows.p99Ms} ms` : ""})`)
    }
  }
  const skeletonRate = median(drainRuns.get("skeleton")!.map((r) => r.rate))
  console.log("\n| consumer | backlog | orders/s median [range] | vs skeleton | consumer cores | nats-server cores | matched / unmatched |")
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
  for (const [scenario, rs] of drainRuns) {
    const rates = rs.map((r) => r.rate)
    const label = scenario === "skeleton" ? "skeleton (no decode, no match)" : scenario === "greedy" ? "engine greedy" : scenario === "greedy-all-matched" ? "engine greedy, all matchable" : "engine batch"
    console.log(`| ${label} | ${rs[0]!.n} | ${k(median(rates))}${range(rates, k)} | ${scenario === "skeleton" ? "1.00" : (median(rates) / skeletonRate).toFixed(2)} | ${median(rs.map((r) => r.consumerCores)).toFixed(2)} | ${median(rs.map((r) => r.serverCores)).toFixed(2)} | ${rs[0]!.matched} / ${rs[0]!.unmatched} |`)
  }
  results["drain"] = Object.fromEntries([...drainRuns].map(([s, rs]) => [s, rs.map(({ consumer: _, ...r }) => r)]))
  if (!drainRuns.has("greedy") || !drainRuns.has("skeleton")) return
  const greedy = drainRuns.get("greedy")!
  const phase = (f: (r: Drain) => number) => median(greedy.map(f))
  console.log(`| engine greedy, 5–35 % of the drain (matches) | ${greedy[0]!.n} | ${k(phase((r) => r.firstThirdRate))}${range(greedy.map((r) => r.firstThirdRate), k)} | ${(phase((r) => r.firstThirdRate) / skeletonRate).toFixed(2)} | | | |`)
  console.log(`| engine greedy, 50–95 % of the drain (no_supply) | ${greedy[0]!.n} | ${k(phase((r) => r.lastHalfRate))}${range(greedy.map((r) => r.lastHalfRate), k)} | ${(phase((r) => r.lastHalfRate) / skeletonRate).toFixed(2)} | | | |`)
  const skel = drainRuns.get("skeleton")!
  console.log(`| (skeleton, 5–35 % / 50–95 %) | ${skel[0]!.n} | ${k(median(skel.map((r) => r.firstThirdRate)))} / ${k(median(skel.map((r) => r.lastHalfRate)))} | | | | |`)
  results["drain"] = Object.fromEntries([...drainRuns].map(([s, rs]) => [s, rs.map(({ consumer: _, ...r }) => r)]))

  // 4a. Replay cost.
  const rebuilds = drainRuns.get("greedy")!.map((r) => r.rebuild!).filter((r) => r !== undefined)
  const noDecisions = rebuilds.map((r) => r.first), withDecisions = rebuilds.map((r) => r.replayed)
  console.log(`\nrebuild (lease acquired -> partition state rebuilt), ${DRIVERS} drivers in KV:`)
  console.log(`  0 decisions in RESULTS:       ${median(noDecisions)} ms${range(noDecisions, String)}`)
  console.log(`  ${String(rebuilds[0]?.decisions)} decisions in RESULTS: ${median(withDecisions)} ms${range(withDecisions, String)}  -> replay ≈ ${median(withDecisions) - median(noDecisions)} ms`)
  const alone = rebuilds.flatMap((r) => r.replayMs)
  console.log(`  the replay alone (results-replay.ts into a Dispatcher, in the bench process): ${median(alone).toFixed(0)} ms${range(alone, (x) => x.toFixed(0))} for ${ORDERS} decisions = ${k(ORDERS / (median(alone) / 1000))} decisions/s`)
  results["rebuild"] = rebuilds
}

/** 2. Latency: the engine, and the skeleton as the transport's own figure in the same conditions. */
const latencies = async (results: Results) => {
  const latencyRuns: Array<Awaited<ReturnType<typeof latency>>> = []
  for (let run = 0; run < RUNS; run++) for (const kind of ["skeleton", "engine"] as const) latencyRuns.push(await latency(kind))
  const ms = (x: number) => x.toFixed(1)
  console.log(`\nlatency at ${LATENCY_RATE} orders/s offered for ${LATENCY_MEASURE_MS / 1000} s (greedy, ${DRIVERS} drivers freed on match; publish -> decision received):`)
  console.log("| consumer | run | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | producer PubAck p50 / p99 ms | inside the engine p50 / p99 / p99.9 ms (bucket bounds) | consumer cores | other processes, cores | lost |")
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
  latencyRuns.forEach((l, i) => {
    const d = l.decision
    const h = l.engineHistogram
    const inside = h === undefined ? "" : `≤ ${ms(h.p50)} / ≤ ${ms(h.p99)} / ≤ ${ms(h.p999)}`
    console.log(`| ${l.kind} | ${Math.floor(i / 2) + 1} | ${ms(d.p50)} | ${ms(d.p90)} | ${ms(d.p99)} | ${ms(d.p999)} | ${ms(d.max)} | ${ms(l.pubAck.p50)} / ${ms(l.pubAck.p99)} | ${inside} | ${l.consumerCores.toFixed(2)} | ${l.otherCoresDuring.toFixed(2)} | ${l.lost} |`)
  })
  results["latency"] = latencyRuns
}

/** 3. Profiles of the engine draining a backlog, greedy and batch. */
const profiles = async (results: Results) => {
  const profileSummaries: Record<string, unknown> = {}
  for (const scenario of ["greedy", "batch"] as const) {
    const profileDir = mkdtempSync(join(tmpdir(), "dispatch-engine-prof-"))
    const profiled = await runDrain(scenario, 200, profileDir)
    const file = readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile"))
    if (file === undefined) console.log(`\nno CPU profile written (${scenario})`)
    else {
      const summary = summarizeCpuProfile(join(profileDir, file), 25, "engine/src/pipeline/partition.ts")
      console.log(`\nCPU profile of the engine during a ${scenario} drain of ${profiled.n} (${k(profiled.rate)} orders/s under the profiler):\n`)
      console.log(formatProfile(summary))
      profileSummaries[scenario] = summary
    }
    rmSync(profileDir, { recursive: true, force: true })
  }
  results["profile"] = profileSummaries
}

/** 4b. SIGKILL of the owner under load, with the default ack wait and a short one. */
const crashes = async (results: Results) => {
  const crashRuns = [
    await crashTakeover("defaults (lease TTL 10 s, ack wait 30 s)", {}),
    await crashTakeover("--lease-ttl-ms 1500 --ack-wait-ms 3000", { leaseTtlMs: 1_500, ackWaitMs: 3_000 })
  ]
  console.log("\nSIGKILL of the owner at 30 % of a 20k backlog, standby running:")
  console.log("| settings | takeover (standby consuming) | first decision after kill | all decided after kill | stored / orders |")
  console.log("| --- | ---: | ---: | ---: | ---: |")
  for (const c of crashRuns) console.log(`| ${c.label} | ${c.takeoverMs} ms | ${c.firstDecisionMs} ms | ${c.allDecidedMs} ms | ${c.stored} / ${c.orders} |`)
  results["crash"] = crashRuns
}

const main = async () => {
  const probe = cpuProbeMs()
  console.log(`CPU probe (50M xorshift steps, limits.md: 73–77 ms): ${probe.toFixed(1)} ms; load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`)
  const results: Results = { cpuProbeMs: probe, orders: ORDERS, batchOrders: BATCH_ORDERS, drivers: DRIVERS, runs: RUNS, node: process.version, startedAt: new Date().toISOString() }
  console.log(`engine bench: backlog ${ORDERS} orders (batch ${BATCH_ORDERS}), ${DRIVERS} drivers, ${RUNS} run(s) per scenario, interleaved\n`)
  if (section("drain")) await drains(results)
  if (section("latency")) await latencies(results)
  if (section("profile")) await profiles(results)
  if (section("crash") && !flag("skip-crash")) await crashes(results)
  const out = join(tmpdir(), `dispatch-engine-bench-${new Date().toISOString().replaceAll(":", "-").slice(0, 19)}.json`)
  writeFileSync(out, JSON.stringify(results, null, 2))
  console.log(`\nresults: ${out}`)
}

/** Greedy with as many drivers as orders: every decision is a match (no empty searches). */
const runDrainAllMatched = async (seed: number) => {
  const n = BATCH_ORDERS
  const w = await makeWorld(DRIVERS, n, seed)
  if (!QUICK) await waitForQuiet()
  try {
    const result = await drain(w, n, () => startEngine(w.server.url, { policy: "greedy" }))
    await result.consumer.stop()
    return { ...result, n, rebuild: undefined, batchWindows: undefined }
  } finally {
    await disposeWorld(w)
  }
}

await main()
process.exit(0)
