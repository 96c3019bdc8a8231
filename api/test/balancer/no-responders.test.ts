/**
 * A region with no engine (no intake subscribed to `dispatch.rpc.<region>.*`): the server
 * answers "no responders" at once and the gateway fails over within the same request, at the
 * cost of one round trip, never the per-try timeout (issue 15, D6; docs/balancer.md promises
 * one round trip). Printed: the failed tries' mean duration (what the failover adds to a
 * request), and the median request time with the first-drawn region up and gone.
 *
 * And the trap that makes a region cost the timeout after all: any other subscriber on the
 * intake subject (an observer on `dispatch.>` or `>`) takes the request without answering,
 * so the server has responders and sends no 503.
 */
import { expect, it } from "vitest"
import { describeWithNats } from "#engine/testing"
import { useGatewayWorld } from "../support/gateway-world.ts"

const PICKUP = { lat: 37.78, lng: -122.41 }
/** The defaults of `dispatch api`: a timeout would cost 1 s per try. */
const BALANCER = { deadlineMs: 3_000, tryTimeoutMs: 1_000 }
/** us-east is drawn first for caller us-west (all but surely); eu-central is the failover. */
const WEIGHTS = { "us-west": { "us-east": 1_000_000, "eu-central": 1 } }
/** Fewer failures than the test breaker's minimum calls (10), so us-east is tried every time. */
const BASELINE = 10
const FAILOVERS = 8

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

describeWithNats("gateway failover on no responders", () => {
  const world = useGatewayWorld({ weights: WEIGHTS, balancer: BALANCER })

  const timedRides = async (n: number, tag: string) => {
    const times: Array<number> = []
    for (let i = 0; i < n; i++) {
      const started = performance.now()
      const r = await world.request("POST", "/v1/rides", { riderId: `${tag}-${i}`, pickup: PICKUP, dropoff: PICKUP }, { "x-region": "us-west" })
      times.push(performance.now() - started)
      expect(r.status).toBe(201)
    }
    return times
  }

  /** Sum (s) and count of the gateway's call durations to `target`. */
  const callTime = async (target: string) => {
    const values = (await world.gateway().metrics.metrics.balancerLatency.get()).values.filter((v) => v.labels["target"] === target)
    const of = (suffix: string) => values.find((v) => (v as { metricName?: string }).metricName?.endsWith(suffix))?.value ?? 0
    return { sum: of("_sum"), count: of("_count") }
  }

  const outcomes = async (target: string) => {
    const values = (await world.gateway().metrics.metrics.balancerRequests.get()).values
    return Object.fromEntries(values.filter((v) => v.labels["target"] === target).map((v) => [String(v.labels["outcome"]), v.value]))
  }

  it("fails over at once when the drawn region has no intake, and says no_responders", async () => {
    await timedRides(20, "warm-up")
    const baseline = await timedRides(BASELINE, "up")
    const okCalls = (await outcomes("us-east"))["ok"] ?? 0
    expect(okCalls).toBeGreaterThanOrEqual(BASELINE)

    await world.stopRegion("us-east")
    const before = await callTime("us-east")
    const failover = await timedRides(FAILOVERS, "gone")
    const after = await callTime("us-east")
    const east = await outcomes("us-east")
    const failedTryMs = ((after.sum - before.sum) / (after.count - before.count)) * 1000
    console.log(
      `[no responders] a failed try (no responders) took ${failedTryMs.toFixed(2)} ms on average (per-try timeout ${BALANCER.tryTimeoutMs} ms); ` +
        `median ride request: us-east up ${median(baseline).toFixed(1)} ms, us-east gone (failover to eu-central) ${median(failover).toFixed(1)} ms; us-east outcomes ${JSON.stringify(east)}`
    )
    expect(after.count - before.count).toBe(FAILOVERS)
    expect(east["no_responders"]).toBe(FAILOVERS)
    expect(east["timeout"]).toBeUndefined()
    expect((await outcomes("eu-central"))["ok"]).toBe(FAILOVERS)
  }, 60_000)

  it("a subscriber that never answers on the intake subject hides the missing region: each try then costs the timeout", async () => {
    const observer = world.client().nc.subscribe("dispatch.rpc.us-east.*", { callback: () => undefined })
    await world.client().nc.flush()
    try {
      const times = await timedRides(2, "observed")
      const east = await outcomes("us-east")
      console.log(`[no responders hidden by an observer] ride requests ${times.map((t) => t.toFixed(0)).join(", ")} ms; us-east outcomes ${JSON.stringify(east)}`)
      expect(east["timeout"]).toBe(2)
    } finally {
      observer.unsubscribe()
    }
  }, 60_000)
})
