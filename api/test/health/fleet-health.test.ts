/**
 * The fleet-health trigger against a stand-in Prometheus (a loopback HTTP server answering
 * `/api/v1/query` as each case needs), with the gateway's real breakers: a breach forces only
 * that region open, a healthy or missing signal releases it to half-open; every way of not
 * answering (down, slow, an error, junk, no data, NaN) never opens a breaker and releases a
 * forced one (fail-static), and says so in the view and the fail-static gauge. The real
 * Prometheus scraping real gateways and engines is dashboards/test/fleet-health-live.test.ts.
 * Also the flags' checks.
 */
import { Effect, Exit, Option, Result, Scope } from "effect"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeTargets, type Targets } from "../../src/balancer/targets.ts"
import { type FleetHealthView, makeFleetHealth } from "../../src/health/fleet-health.ts"
import { HEALTH_METRIC_NAMES, makeHealthMetrics } from "../../src/health/health-metrics.ts"
import { DEFAULT_ERROR_RATIO_QUERY, DEFAULT_LATENCY_QUERY, type HealthSettings } from "../../src/health/health-settings.ts"
import { GatewayMetrics } from "../../src/http/gateway-metrics.ts"
import { healthSettings } from "../../src/main/health-flags.ts"
import { TEST_TARGETS } from "../support/gateway-world.ts"

const REGIONS = ["us-west", "us-east"] as const
type Answer = "breach" | "healthy" | "empty" | "nan" | "inf" | "error" | "junk" | "hang"

/** What the stand-in answers for each region's query. */
const answers = new Map<string, Answer>()
let server: Server
let prometheusUrl = ""

const body = (answer: Answer): string | undefined => {
  const vector = (value: string) => JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [1, value] }] } })
  switch (answer) {
    case "breach": return vector("0.9")
    case "healthy": return vector("0.1")
    case "nan": return vector("NaN")
    case "inf": return vector("+Inf")
    case "empty": return JSON.stringify({ status: "success", data: { resultType: "vector", result: [] } })
    case "error": return JSON.stringify({ status: "error", errorType: "bad_data", error: "parse error at char 3" })
    case "junk": return "<html>proxy error</html>"
    case "hang": return undefined
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const query = new URL(req.url ?? "/", "http://x").searchParams.get("query") ?? ""
    const region = /target="([^"]+)"/.exec(query)?.[1] ?? ""
    const text = body(answers.get(region) ?? "empty")
    if (text === undefined) return // never answers: the trigger's timeout must end it
    res.writeHead(text.startsWith("<") ? 502 : 200, { "content-type": "application/json" })
    res.end(text)
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  prometheusUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections() // the "hang" requests are still open
  await new Promise<void>((r) => server.close(() => r()))
})

interface Trial {
  readonly targets: Targets
  readonly view: () => Promise<FleetHealthView>
  /** Resolves after `n` more evaluations have completed. */
  readonly rounds: (n: number) => Promise<FleetHealthView>
  readonly metric: (name: string) => Promise<string>
  readonly close: () => Promise<void>
}

const start = async (url: string = prometheusUrl): Promise<Trial> => {
  const scope = Effect.runSync(Scope.make())
  const gateway = GatewayMetrics.make()
  const settings: HealthSettings = { prometheusUrl: url, intervalMs: 20, timeoutMs: 150, signals: [{ name: "error_ratio", query: `ratio{target="$region"}`, threshold: 0.5 }] }
  const { targets, view } = await Effect.runPromise(Scope.provide(Effect.gen(function*() {
    const targets = yield* makeTargets(REGIONS, TEST_TARGETS, gateway.metrics)
    const health = yield* makeFleetHealth(settings, targets, makeHealthMetrics(gateway.registry))
    return { targets, view: health.view }
  }), scope))
  const read = () => Effect.runPromise(view)
  const rounds = async (n: number) => {
    const first = (await read()).lastEvaluationAt ?? 0
    let count = 0
    let last = first
    // Polls the view: an evaluation is a fiber of the scope, with nothing to await on.
    for (;;) {
      const v = await read()
      if ((v.lastEvaluationAt ?? 0) > last) {
        last = v.lastEvaluationAt ?? 0
        if (++count >= n) return v
      }
      await new Promise((r) => setTimeout(r, 5))
    }
  }
  return {
    targets,
    view: read,
    rounds,
    metric: async (name) => (await gateway.registry.getSingleMetricAsString(name)),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

const stateOf = (t: Trial, region: string) => {
  const i = t.targets.regions.indexOf(region)
  const b = t.targets.breakers[i]!
  return { state: b.state(t.targets.now()), forced: b.forced }
}

describe("fleet-health trigger (stand-in Prometheus)", () => {
  it("forces a breaching region open and only it; a healthy signal releases it to half-open", async () => {
    answers.set("us-west", "healthy").set("us-east", "breach")
    const t = await start()
    try {
      const v = await t.rounds(2)
      expect(stateOf(t, "us-east")).toEqual({ state: "open", forced: true })
      expect(stateOf(t, "us-west")).toEqual({ state: "closed", forced: false })
      expect(v.status).toBe("ok")
      expect(v.regions).toEqual([
        { region: "us-west", verdict: "healthy", signal: null, value: null, threshold: null },
        { region: "us-east", verdict: "breach", signal: "error_ratio", value: 0.9, threshold: 0.5 }
      ])
      expect(await t.metric(HEALTH_METRIC_NAMES.regionForcedOpen)).toContain('dispatch_region_forced_open{region="us-east"} 1')
      expect(await t.metric(HEALTH_METRIC_NAMES.healthFailStatic)).toMatch(/dispatch_health_fail_static 0$/m)
      answers.set("us-east", "healthy")
      await t.rounds(2)
      expect(stateOf(t, "us-east")).toEqual({ state: "half_open", forced: false })
      expect(await t.metric(HEALTH_METRIC_NAMES.regionForcedOpen)).toContain('dispatch_region_forced_open{region="us-east"} 0')
    } finally {
      await t.close()
    }
  })

  it("+Inf (a p99 in the +Inf bucket) breaches", async () => {
    answers.set("us-west", "inf").set("us-east", "healthy")
    const t = await start()
    try {
      await t.rounds(2)
      expect(stateOf(t, "us-west")).toEqual({ state: "open", forced: true })
    } finally {
      await t.close()
    }
  })

  it.each([
    ["empty", "no_data", "ok", 0],
    ["nan", "no_data", "ok", 0],
    ["error", "query_failed", "error", 1],
    ["junk", "query_failed", "error", 1],
    ["hang", "query_failed", "timeout", 1]
  ] as const)("%s: never opens a breaker, and releases one it forced (fail-static)", async (answer, verdict, status, failStatic) => {
    answers.set("us-west", "breach").set("us-east", "breach")
    const t = await start()
    try {
      await t.rounds(2)
      expect(stateOf(t, "us-east").forced).toBe(true)
      answers.set("us-east", answer)
      const v = await t.rounds(3)
      expect(stateOf(t, "us-east")).toEqual({ state: "half_open", forced: false })
      expect(stateOf(t, "us-west").forced).toBe(true) // its answer still breaches
      expect(v.regions[1]!.verdict).toBe(verdict)
      expect(v.status).toBe(status)
      if (status !== "ok") expect(v.lastError).toContain(status)
      expect(await t.metric(HEALTH_METRIC_NAMES.healthFailStatic)).toMatch(new RegExp(`dispatch_health_fail_static ${failStatic}$`, "m"))
    } finally {
      await t.close()
    }
  })

  it("a Prometheus nobody listens on: unreachable since the first round, nothing forced", async () => {
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r))
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`
    await new Promise<void>((r) => closed.close(() => r()))
    answers.set("us-west", "breach").set("us-east", "breach")
    const t = await start(url)
    try {
      const first = await t.rounds(1)
      const later = await t.rounds(3)
      expect(later.status).toBe("unreachable")
      expect(later.since).toBe(first.since)
      expect(later.lastError).toMatch(/unreachable/)
      expect(REGIONS.map((r) => stateOf(t, r))).toEqual([{ state: "closed", forced: false }, { state: "closed", forced: false }])
      expect(await t.metric(HEALTH_METRIC_NAMES.healthQueries)).toMatch(/dispatch_health_queries_total\{signal="error_ratio",outcome="unreachable"\} [1-9]/)
    } finally {
      await t.close()
    }
  })
})

describe("--health-* flags", () => {
  const flags = {
    healthPrometheus: Option.some("http://127.0.0.1:9090"),
    healthIntervalMs: 5_000,
    healthTimeoutMs: 2_000,
    healthErrorQuery: DEFAULT_ERROR_RATIO_QUERY,
    healthErrorThreshold: 0.5,
    healthLatencyQuery: DEFAULT_LATENCY_QUERY,
    healthLatencyThreshold: 1
  }
  const problems = (over: Partial<typeof flags>) => {
    const r = healthSettings({ ...flags, ...over })
    return Result.isFailure(r) ? r.failure.message : "accepted"
  }

  it("are off without --health-prometheus, and the documented defaults with it", () => {
    expect(Result.getOrThrow(healthSettings({ ...flags, healthPrometheus: Option.none() }))).toBeUndefined()
    expect(Result.getOrThrow(healthSettings(flags))).toEqual({
      prometheusUrl: "http://127.0.0.1:9090",
      intervalMs: 5_000,
      timeoutMs: 2_000,
      signals: [
        { name: "error_ratio", query: DEFAULT_ERROR_RATIO_QUERY, threshold: 0.5 },
        { name: "p99_seconds", query: DEFAULT_LATENCY_QUERY, threshold: 1 }
      ]
    })
    expect(Result.getOrThrow(healthSettings({ ...flags, healthLatencyQuery: "" }))?.signals.map((s) => s.name)).toEqual(["error_ratio"])
  })

  it("refuse a URL that is not http(s), a query without $region, and no signal at all, naming the flag", () => {
    expect(problems({ healthPrometheus: Option.some("prometheus:9090") })).toContain('--health-prometheus: "prometheus:9090" is not an http:// or https:// URL')
    expect(problems({ healthErrorQuery: "up" })).toContain("--health-error-query: must contain $region")
    expect(problems({ healthErrorQuery: " ", healthLatencyQuery: "" })).toContain("both empty")
  })
})
