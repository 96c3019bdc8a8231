/**
 * The gateway's fleet-health trigger against the real thing: a private nats-server, two real
 * `dispatch engine`s (regions us-west and us-east), two real `dispatch api` gateways polling a
 * private Prometheus that scrapes all four with the shipped recording rules, and the default
 * health queries. Gateway A carries rides for us-east (caller us-east, whose traffic stays home)
 * with a local breaker and outlier detection that never act on their own (a window and minimum
 * calls of 100 000, 100 000 failures in a row), so only the trigger can open its breaker;
 * gateway B carries nothing, so only the fleet-wide picture can open its breaker.
 *
 *  1. all up: us-east's signal is healthy on both gateways, nothing forced;
 *  2. us-east's engine stopped: both gateways force us-east open (B without a call of its own),
 *     us-west untouched; `dispatch regions breakers` shows it;
 *  3. the engine back: once the forced region's calls have left the 1-minute window, the force
 *     lifts (no data), A's half-open probes pass and its breaker closes; B is half-open;
 *  4. Prometheus stopped and us-east's engine stopped again: no breaker is forced open
 *     (fail-static), the gateways say so (metric, `dispatch regions breakers`).
 *
 * The stages wait for conditions (generous caps, never timed assertions).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { join } from "node:path"
import type { RunningChild } from "#engine"
import { describeWithNats, LocalNatsServer } from "#engine/testing"
import { prometheusConfig, RULE_FILES } from "../src/stack/prometheus-config.ts"
import { runDispatch, startDispatch } from "./support/dispatch-process.ts"
import { describeWithPrometheus, freePort, LocalPrometheus } from "./support/local-prometheus.ts"

const SHIPPED_RULES = Object.values(RULE_FILES).map((f) => join(import.meta.dirname, "../prometheus", f))
const TOKEN = "fleet-health-test-token"
const FAILING = "us-east"
const START_TIMEOUT_MS = 180_000
/** The force lifts only once the forced region's calls leave the recorded 1-minute rates. */
const RECOVERY_CAP_MS = 180_000

interface Target {
  readonly target: string
  readonly state: string
  readonly forcedOpen: boolean
}
interface Board {
  readonly targets: ReadonlyArray<Target>
  readonly fleetHealth: { readonly status: string; readonly regions: ReadonlyArray<{ readonly region: string; readonly verdict: string }> } | null
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

describeWithPrometheus("fleet-health trigger on a live stack", () => {
  describeWithNats("engines and gateways scraped by Prometheus", () => {
    let nats: LocalNatsServer | undefined
    let prometheus: LocalPrometheus | undefined
    const engines = new Map<string, RunningChild>()
    const gateways: Array<RunningChild> = []
    const ports = { engines: new Map<string, number>(), a: 0, b: 0 }
    let driving = true
    let traffic: Promise<void> = Promise.resolve()

    const gatewayUrl = (port: number) => `http://127.0.0.1:${port}`
    const startEngine = async (region: string) => {
      const port = ports.engines.get(region)!
      engines.set(region, await startDispatch(`engine-${region}`, [
        "engine", "--nats", nats!.url, "--region", region, "--http-port", String(port), "--instance-id", `fleet-${region}`, "--log-format", "json"
      ], `http://127.0.0.1:${port}/readyz`, START_TIMEOUT_MS))
    }
    const stopEngine = async (region: string) => {
      await engines.get(region)?.stop()
      engines.delete(region)
    }

    const board = async (port: number): Promise<Board> => {
      const r = await fetch(`${gatewayUrl(port)}/admin/breakers`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(5_000) })
      return (await r.json()) as Board
    }
    const targetOf = (b: Board, region: string) => b.targets.find((t) => t.target === region)!
    const verdictOf = (b: Board, region: string) => b.fleetHealth?.regions.find((r) => r.region === region)?.verdict
    const metrics = async (port: number) => (await fetch(`${gatewayUrl(port)}/metrics`, { signal: AbortSignal.timeout(5_000) })).text()
    const sample = (text: string, series: string) => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `))
      return line === undefined ? undefined : Number(line.slice(series.length + 1))
    }

    /** Polls both boards until `done` holds; on the cap, fails with what they last said. */
    const waitForBoards = async (what: string, done: (a: Board, b: Board) => boolean, capMs = 90_000) => {
      const until = Date.now() + capMs
      let last: [Board, Board] | undefined
      while (Date.now() < until) {
        last = [await board(ports.a), await board(ports.b)]
        if (done(...last)) return last
        await sleep(250)
      }
      throw new Error(`${what}: not within ${capMs} ms; last boards:\n${JSON.stringify(last, null, 1)}`)
    }

    beforeAll(async () => {
      nats = await LocalNatsServer.start()
      for (const region of ["us-west", FAILING]) ports.engines.set(region, await freePort())
      ports.a = await freePort()
      ports.b = await freePort()
      prometheus = await LocalPrometheus.start(prometheusConfig({
        targets: { engine: [...ports.engines.values()].map((p) => `127.0.0.1:${p}`), api: [ports.a, ports.b].map((p) => `127.0.0.1:${p}`) },
        scrapeInterval: "1s",
        ruleFiles: SHIPPED_RULES
      }))
      for (const region of ports.engines.keys()) await startEngine(region)
      // Default queries and error threshold. A patient timeout and a 5 s latency threshold: on
      // a loaded 2-core machine Prometheus and the intakes can take over a second, which would
      // make rounds fail static or breach on latency, and this test is about the error signal.
      const health = ["--health-prometheus", prometheus.url, "--health-interval-ms", "500", "--health-timeout-ms", "5000", "--health-latency-threshold", "5"]
      const gateway = (name: string, port: number, extra: ReadonlyArray<string>) =>
        startDispatch(name, ["api", "--nats", nats!.url, "--port", String(port), "--auth", "none", "--log-format", "json", ...health, ...extra], `${gatewayUrl(port)}/metrics`, START_TIMEOUT_MS, { DISPATCH_ADMIN_TOKEN: TOKEN })
      gateways.push(await gateway("gateway-a", ports.a, ["--breaker-window", "100000", "--breaker-min-calls", "100000", "--outlier-failures", "100000"]))
      gateways.push(await gateway("gateway-b", ports.b, []))
      // Rides from caller us-east, one after another with a short pause: about 10-20 a second.
      traffic = (async () => {
        for (let i = 0; driving; i++) {
          await fetch(`${gatewayUrl(ports.a)}/v1/rides`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-region": FAILING },
            body: JSON.stringify({ riderId: `fleet-r${i}`, pickup: { lat: 37.78, lng: -122.41 }, dropoff: { lat: 37.79, lng: -122.4 }, maxWaitMs: 2_000 }),
            signal: AbortSignal.timeout(10_000)
          }).then((r) => r.arrayBuffer(), () => undefined)
          await sleep(50)
        }
      })()
    }, 900_000)

    afterAll(async () => {
      driving = false
      await traffic
      for (const g of gateways) await g.stop()
      for (const region of [...engines.keys()]) await stopEngine(region)
      await prometheus?.dispose()
      await nats?.dispose()
    }, 60_000)

    describe("stages", () => {
      it("all up: us-east's fleet signal is healthy on both gateways and nothing is forced", async () => {
        const [a, b] = await waitForBoards("us-east healthy", (a, b) =>
          [a, b].every((g) => g.fleetHealth?.status === "ok" && verdictOf(g, FAILING) === "healthy"))
        for (const t of [...a.targets, ...b.targets]) expect(t.forcedOpen, t.target).toBe(false)
      }, 120_000)

      it("us-east's engine stopped: every gateway forces us-east open, the one without traffic too", async () => {
        await stopEngine(FAILING)
        const [a, b] = await waitForBoards("us-east forced open on both", (a, b) => targetOf(a, FAILING).forcedOpen && targetOf(b, FAILING).forcedOpen)
        expect(targetOf(a, FAILING).state).toBe("open")
        expect(targetOf(b, FAILING).state).toBe("open")
        expect(verdictOf(b, FAILING)).toBe("breach")
        expect(targetOf(b, "us-west")).toMatchObject({ state: "closed", forcedOpen: false })
        const text = await metrics(ports.b)
        expect(sample(text, `dispatch_region_forced_open{region="${FAILING}"}`)).toBe(1)
        expect(sample(text, `dispatch_breaker_transitions_total{target="${FAILING}",from="closed",to="open"}`)).toBe(1)
        // B made no call of its own to us-east: what opened it is the fleet's picture.
        expect(text).not.toMatch(new RegExp(`dispatch_balancer_requests_total\\{[^}]*target="${FAILING}"`))
        const cli = await runDispatch(["regions", "breakers", "--api", gatewayUrl(ports.b)], { DISPATCH_ADMIN_TOKEN: TOKEN })
        expect(cli.code, cli.stderr).toBe(0)
        expect(cli.stdout).toMatch(new RegExp(`${FAILING}\\s+open \\(forced\\)`))
        // The ratio over the minute as it crossed the threshold (the window still holds successes).
        expect(cli.stdout).toMatch(new RegExp(`  ${FAILING}: error_ratio (0\\.[5-9]\\d*|1\\.00) >= 0\\.5: forced open on every gateway`))
      }, 120_000)

      it("us-east back: the force lifts once its calls leave the window, A's probes close its breaker, B is half-open", async () => {
        await startEngine(FAILING)
        const [, b] = await waitForBoards(
          "us-east released and closed on A",
          (a, b) => targetOf(a, FAILING).state === "closed" && !targetOf(a, FAILING).forcedOpen && !targetOf(b, FAILING).forcedOpen,
          RECOVERY_CAP_MS
        )
        expect(targetOf(b, FAILING).state).toBe("half_open")
        const text = await metrics(ports.a)
        expect(sample(text, `dispatch_breaker_transitions_total{target="${FAILING}",from="open",to="half_open"}`)).toBeGreaterThanOrEqual(1)
        expect(sample(text, `dispatch_breaker_transitions_total{target="${FAILING}",from="half_open",to="closed"}`)).toBeGreaterThanOrEqual(1)
      }, RECOVERY_CAP_MS + 30_000)

      it("Prometheus stopped, us-east failing again: no breaker is forced open, and the gateways say they fail static", async () => {
        await prometheus!.dispose()
        await waitForBoards("both gateways see Prometheus unreachable", (a, b) => a.fleetHealth?.status === "unreachable" && b.fleetHealth?.status === "unreachable")
        await stopEngine(FAILING)
        // Rounds of failed queries while A's calls to us-east fail.
        const unreachable = async () => sample(await metrics(ports.a), `dispatch_health_queries_total{signal="error_ratio",outcome="unreachable"}`) ?? 0
        const before = await unreachable()
        const failedBefore = sample(await metrics(ports.a), `dispatch_balancer_requests_total{caller="${FAILING}",target="${FAILING}",lane="main",outcome="no_responders"}`) ?? 0
        while ((await unreachable()) < before + 3 * 3) await sleep(250) // three rounds over three regions
        const [a, b] = [await board(ports.a), await board(ports.b)]
        expect(sample(await metrics(ports.a), `dispatch_balancer_requests_total{caller="${FAILING}",target="${FAILING}",lane="main",outcome="no_responders"}`)).toBeGreaterThan(failedBefore)
        for (const t of [...a.targets, ...b.targets]) expect(t.forcedOpen, t.target).toBe(false)
        expect(targetOf(a, FAILING).state).toBe("closed") // its local breaker cannot open on its own
        for (const port of [ports.a, ports.b]) expect(sample(await metrics(port), "dispatch_health_fail_static")).toBe(1)
        const cli = await runDispatch(["regions", "breakers", "--api", gatewayUrl(ports.a)], { DISPATCH_ADMIN_TOKEN: TOKEN })
        expect(cli.stdout).toMatch(/fleet health: prometheus http:\/\/127\.0\.0\.1:\d+, every 0\.5 s: unreachable since \S+Z \(.*\); fail-static/)
      }, 120_000)
    })
  })
})
