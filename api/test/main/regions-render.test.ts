/**
 * `dispatch regions breakers` as text: when each breaker next lets a call through, in words for
 * every state, and failed and slow calls as counts with their rates.
 */
import { describe, expect, it } from "vitest"
import type { BreakerBoardSnapshot } from "../../src/balancer/breaker-board.ts"
import { renderBreakers } from "../../src/main/regions-render.ts"

const AT = Date.UTC(2026, 0, 5, 12, 0, 0)
const target = (over: Partial<BreakerBoardSnapshot["targets"][number]>): BreakerBoardSnapshot["targets"][number] => ({
  target: "us-west", state: "closed", calls: 0, failures: 0, slowCalls: 0, failureRatePercent: 0, slowCallRatePercent: 0,
  retryAfterMs: 0, ejectedUntil: null, drained: false, lastTransitionAt: AT, ...over
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
      ]
    })
    expect(text.split("\n")).toEqual([
      "breakers at 2026-01-05T12:00:00Z (calls in each breaker's window)",
      "target      state      calls  failed (rate)  slow (rate)  retry in   ejected until  drained",
      "us-west     closed     20     1 (5.0%)       0 (0.0%)     -          -              no",
      "us-east     open       10     6 (60.0%)      0 (0.0%)     1.2 s      -              no",
      "eu-central  open       10     10 (100.0%)    0 (0.0%)     next call  -              no",
      "ap-south    half_open  1      0 (0.0%)       0 (0.0%)     probing    -              yes"
    ])
  })
})
