/**
 * The policy registry is the one list of policies, and a policy is one module: a third policy,
 * registered nowhere (engine/src/testing/window-greedy-policy.ts), is decided, remembered,
 * put on the wire, stored in RESULTS on a real nats-server and replayed into a new owner under
 * its own name, with no change to the dispatcher, the decision memory or the wire contract.
 */
import { describe, it } from "@effect/vitest"
import { expect } from "vitest"
import { describeWithNats, windowGreedyPolicy } from "#engine/testing"
import { makeDecoder } from "../../src/domain/codec.ts"
import type { Decision } from "../../src/domain/messages.ts"
import { OrderLifecycle } from "../../src/matching/lifecycle.ts"
import { POLICIES, POLICY_REGISTRY, policyChoicesText } from "../../src/matching/policies.ts"
import { ensureStreamsAndBuckets } from "../../src/transport/nats/setup.ts"
import { publishDecision } from "../../src/transport/nats/publisher.ts"
import { replayDecisions } from "../../src/transport/nats/results-replay.ts"
import { dispatcher, driver, order } from "../pipeline/fixtures.ts"
import { useNatsSuite } from "../transport/nats-suite.ts"

const decodeDecision = makeDecoder(["order.matched", "order.unmatched"])

/** A window-greedy dispatcher that has matched o1 to d1 (the window closed at 2 s). */
const decidedOnce = () => {
  const d = dispatcher(windowGreedyPolicy, { batchWindowMs: 2_000 })
  d.driverState(driver("d1", 100))
  expect(d.request(order("o1"), 0)).toEqual([])
  const [matched] = d.tick(2_000)
  return { d, matched: matched! }
}

describe("policy registry", () => {
  it("names each policy once, as a token, with a description for help", () => {
    expect(POLICIES).toEqual(POLICY_REGISTRY.map((p) => p.name))
    expect(new Set(POLICIES).size).toBe(POLICIES.length)
    for (const p of POLICY_REGISTRY) {
      expect(p.name).toMatch(/^[A-Za-z0-9_-]+$/)
      expect(policyChoicesText()).toContain(`${p.name}: ${p.description}`)
    }
  })

  it("the decision memory keeps every policy's name apart, however many it sees", () => {
    const lifecycle = new OrderLifecycle()
    const names = ["greedy", "batch", "window-greedy", ...Array.from({ length: 40 }, (_, i) => `p${i}`)]
    names.forEach((policy, i) => {
      lifecycle.request({ orderId: `o${i}`, pickup: { lat: 0, lng: 0 }, requestedAt: 0, maxWaitMs: 1_000 })
      lifecycle.decide({ _tag: "Matched", orderId: `o${i}`, driverId: `d${i}`, etaSeconds: i, distanceMeters: i, policy, decidedAt: i })
    })
    names.forEach((policy, i) => expect(lifecycle.get(`o${i}`)).toMatchObject({ _tag: "Decided", decision: { policy, driverId: `d${i}` } }))
  })
})

describe("a third policy, one module", () => {
  it("is decided under its own name, and a repeated order gets that decision again", () => {
    const { d, matched } = decidedOnce()
    expect(matched).toMatchObject({ type: "order.matched", orderId: "o1", driverId: "d1", policy: "window-greedy" })
    expect(d.request(order("o1"), 3_000)).toEqual([matched])
  })

  it("carries an order it cannot match to the next window, as a window policy", () => {
    const d = dispatcher(windowGreedyPolicy, { batchWindowMs: 2_000 })
    d.request(order("o1"), 0)
    expect(d.tick(2_000)).toEqual([])
    expect(d.heldOrders.carried).toBe(1)
    d.driverState(driver("d1", 100, "available", 2_500))
    expect(d.tick(4_000)).toMatchObject([{ orderId: "o1", driverId: "d1", policy: "window-greedy" }])
  })

  it("round-trips through the wire codec", () => {
    const { matched } = decidedOnce()
    const decoded = decodeDecision(new TextEncoder().encode(JSON.stringify(matched)))
    expect(decoded).toMatchObject({ _tag: "Success", success: matched })
  })
})

describeWithNats("a third policy in RESULTS", () => {
  const nats = useNatsSuite("policy-registry-test")

  it("a new owner replayed from RESULTS answers a repeat under the policy's own name and keeps its driver reserved", async () => {
    const { matched } = decidedOnce()
    const client = nats.client()
    await nats.run(ensureStreamsAndBuckets(client))
    await publishDecision(client, matched as Decision, undefined)
    const restored = dispatcher("greedy")
    const count = await nats.run(replayDecisions(client, "sf", 0, (decision) => restored.restoreDecision(decision)))
    expect(count).toBe(1)
    expect(restored.request(order("o1"), 5_000)).toEqual([matched])
    expect(restored.reservedDrivers).toBe(1)
  })
})
