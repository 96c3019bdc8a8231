/**
 * `dispatch regions breakers` as text: when each breaker next lets a call through, in words for
 * every state, and failed and slow calls as counts with their rates; the fleet-health trigger's
 * state (off, answering, failing static) and the regions it forces open.
 */
import { describe, expect, it } from "vitest"
import type { BreakerBoardSnapshot } from "../../src/balancer/breaker-board.ts"
import type { FleetHealthView } from "../../src/health/fleet-health.ts"
import { renderBreakers } from "../../src/main/regions-render.ts"

const AT = Date.UTC(2026, 0, 5, 12, 0, 0)
const target = (over: Partial<BreakerBoardSnapshot["targets"][number]>): BreakerBoardSnapshot["targets"][number] => ({
  target: "us-west", state: "closed", calls: 0, failures: 0, slowCalls: 0, failureRatePercent: 0, slowCallRatePercent: 0,
  retryAfterMs: 0, ejectedUntil: null, drained: false, lastTransitionAt: AT, forcedOpen: false, ...over
})

describe("renderBreakers", () => {
  it("says when each breaker lets the next call through, and counts beside rates", () => {
    const text = renderBreakers({
      at: AT,
      targets: [
        target({ target: "us-west", calls: 20, failures: 1, failureRatePercent: 5 }),
        target({ target: "us-east", state: "open", calls: 10, failures: 6, failureRatePercent: 60, retryAfterMs: 1_200 }),
        target({ target: "eu-central", state: "open", calls: 10, failures: 10, failureRatePercent: 100, retryAfterMs: 0 }),
        target({ target: "ap-south", state: "half_open", calls: 1, retryAfterMs: null, drained: true })
      ],
      fleetHealth: null
    })
    expect(text.split("\n")).toEqual([
      "breakers at 2026-01-05T12:00:00Z (calls in each breaker's window)",
      "target      state      calls  failed (rate)  slow (rate)  retry in   ejected until  drained",
      "us-west     closed     20     1 (5.0%)       0 (0.0%)     -          -              no",
      "us-east     open       10     6 (60.0%)      0 (0.0%)     1.2 s      -              no",
      "eu-central  open       10     10 (100.0%)    0 (0.0%)     next call  -              no",
      "ap-south    half_open  1      0 (0.0%)       0 (0.0%)     probing    -              yes",
      "",
      "fleet health: off (no --health-prometheus)"
    ])
  })

  const health = (over: Partial<FleetHealthView>): FleetHealthView => ({
    prometheusUrl: "http://prom:9090", intervalMs: 5_000, status: "ok", since: AT - 60_000, lastError: null, lastEvaluationAt: AT,
    regions: [{ region: "us-west", verdict: "healthy", signal: null, value: null, threshold: null }], ...over
  })

  it("marks a forced breaker and names the breaching signal", () => {
    const text = renderBreakers({
      at: AT,
      targets: [target({ target: "us-east", state: "open", forcedOpen: true, retryAfterMs: null })],
      fleetHealth: health({ regions: [{ region: "us-east", verdict: "breach", signal: "error_ratio", value: 0.8125, threshold: 0.5 }] })
    })
    expect(text.split("\n").slice(2)).toEqual([
      "us-east  open (forced)  0      0 (0.0%)       0 (0.0%)     when released  -              no",
      "",
      "fleet health: prometheus http://prom:9090, every 5.0 s: answering since 2026-01-05T11:59:00Z",
      "  us-east: error_ratio 0.813 >= 0.5: forced open on every gateway"
    ])
  })

  it("says since when Prometheus fails and that it fails static; a gateway without the field reads as off", () => {
    const failing = renderBreakers({ at: AT, targets: [], fleetHealth: health({ status: "unreachable", lastError: "connect ECONNREFUSED 127.0.0.1:9090" }) })
    expect(failing.split("\n").at(-1)).toBe(
      "fleet health: prometheus http://prom:9090, every 5.0 s: unreachable since 2026-01-05T11:59:00Z (connect ECONNREFUSED 127.0.0.1:9090); fail-static: no breaker is forced open without an answer"
    )
    const old = { at: AT, targets: [] } as unknown as BreakerBoardSnapshot
    expect(renderBreakers(old).split("\n").at(-1)).toBe("fleet health: off (no --health-prometheus)")
  })
})
