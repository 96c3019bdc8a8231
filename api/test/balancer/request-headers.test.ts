/**
 * What the balancer's intake requests carry besides the body: the client's `traceparent`, so
 * the trace continues in the region (the balancer builds a header block only when it has
 * something to put in it), and none without one. An observer on the intake subject gets a copy
 * of each request the region's queue group answers.
 */
import type { Msg } from "@nats-io/transport-node"
import { expect, it } from "vitest"
import { describeWithNats } from "#engine/testing"
import { useGatewayWorld } from "../support/gateway-world.ts"

const PICKUP = { lat: 37.78, lng: -122.41 }
const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

describeWithNats("gateway intake request headers", () => {
  const world = useGatewayWorld({ weights: { "us-west": { "us-west": 1 } } })

  const observed = async (headers: Record<string, string>): Promise<Msg> => {
    const seen: Array<Msg> = []
    const observer = world.client().nc.subscribe("dispatch.rpc.us-west.ride-request", { callback: (_, msg) => void seen.push(msg) })
    await world.client().nc.flush()
    try {
      const r = await world.request("POST", "/v1/rides", { riderId: "headers", pickup: PICKUP, dropoff: PICKUP }, { "x-region": "us-west", ...headers })
      expect(r.status).toBe(201)
      await world.client().nc.flush()
      expect(seen).toHaveLength(1)
      return seen[0]!
    } finally {
      observer.unsubscribe()
    }
  }

  it("sends no headers without a trace to continue", async () => {
    expect((await observed({})).headers?.get("traceparent") ?? "").toBe("")
  }, 30_000)

  it("sends the client's traceparent on to the region", async () => {
    expect((await observed({ traceparent: TRACEPARENT })).headers?.get("traceparent")).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-/)
  }, 30_000)
})
