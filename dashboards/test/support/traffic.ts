/**
 * Traffic that makes every part's metrics move while Prometheus scrapes: orders and driver
 * states published to NATS as the simulator and rider apps do (matches, expiries, a dead
 * letter), and HTTP calls to the gateway (rides, a driver update, a rejected request).
 */
import { jetstream } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { connect } from "@nats-io/transport-node"
import { encodeMessage, KV_BUCKETS, kvKeys, subjects, type DriverState, type OrderRequested } from "#engine"

/** Downtown San Francisco: inside the shipped sf market, within one pickup radius end to end. */
const DOWNTOWN = { south: 37.77, north: 37.8, west: -122.43, east: -122.4 } as const
const MARKET = "sf"

const pointAt = (i: number, n: number) => ({
  lat: DOWNTOWN.south + ((i * 7919) % n) / n * (DOWNTOWN.north - DOWNTOWN.south),
  lng: DOWNTOWN.west + ((i * 104729) % n) / n * (DOWNTOWN.east - DOWNTOWN.west)
})

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export interface EngineTraffic {
  readonly drivers: number
  /** Orders per wave, one wave every `waveMs`. */
  readonly ordersPerWave: number
  readonly waves: number
  readonly waveMs: number
  /** Short, so that the orders beyond the drivers expire (unmatched) within the run. */
  readonly maxWaitMs: number
}

export const DEFAULT_ENGINE_TRAFFIC: EngineTraffic = { drivers: 15, ordersPerWave: 4, waves: 20, waveMs: 400, maxWaitMs: 2_000 }

/**
 * Puts `drivers` available drivers in KV, then publishes waves of orders (more orders than
 * drivers: the rest expire) and one undecodable order (a dead letter).
 */
export const feedEngine = async (natsUrl: string, traffic: EngineTraffic = DEFAULT_ENGINE_TRAFFIC): Promise<void> => {
  const nc = await connect({ servers: natsUrl, name: "dashboards-traffic" })
  try {
    const js = jetstream(nc)
    const kv = await new Kvm(nc).open(KV_BUCKETS.drivers)
    const now = Date.now()
    for (let i = 0; i < traffic.drivers; i++) {
      const driver: DriverState = { v: 1, type: "driver.state", driverId: `dash-d${i}`, market: MARKET, ...pointAt(i, traffic.drivers), status: "available", at: now }
      await kv.put(kvKeys.driver(MARKET, driver.driverId), encodeMessage(driver))
    }
    await js.publish(subjects.orderRequested(MARKET), new TextEncoder().encode(JSON.stringify({ v: 1, type: "order.requested", orderId: "dash-bad" })), { msgID: "dash-bad" })
    const total = traffic.ordersPerWave * traffic.waves
    for (let wave = 0; wave < traffic.waves; wave++) {
      for (let k = 0; k < traffic.ordersPerWave; k++) {
        const i = wave * traffic.ordersPerWave + k
        const pickup = pointAt(i + 1, total)
        const order: OrderRequested = {
          v: 1,
          type: "order.requested",
          orderId: `dash-o${i}`,
          riderId: `dash-r${i}`,
          market: MARKET,
          pickup,
          dropoff: { lat: pickup.lat + 0.01, lng: pickup.lng + 0.01 },
          requestedAt: Date.now(),
          maxWaitMs: traffic.maxWaitMs
        }
        await js.publish(subjects.orderRequested(MARKET), encodeMessage(order), { msgID: order.orderId })
      }
      await sleep(traffic.waveMs)
    }
  } finally {
    await nc.close()
  }
}

/**
 * Calls the gateway as rider and driver apps do: ride requests (no `x-region`: the caller is
 * the market's home region), a driver update, and one malformed request (rejected before any
 * region).
 */
export const callGateway = async (baseUrl: string, rides = 20): Promise<void> => {
  const post = (path: string, body: string, method = "POST") =>
    fetch(`${baseUrl}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body,
      signal: AbortSignal.timeout(5_000)
    }).then((r) => r.arrayBuffer())
  await post("/v1/drivers/dash-gw-d0/state", JSON.stringify({ ...pointAt(0, 1), status: "available" }), "PUT")
  await post("/v1/rides", "{not json")
  for (let i = 0; i < rides; i++) {
    const pickup = pointAt(i, rides)
    await post("/v1/rides", JSON.stringify({ riderId: `dash-gw-r${i}`, pickup, dropoff: { lat: pickup.lat + 0.01, lng: pickup.lng }, maxWaitMs: 2_000 }))
    await sleep(200)
  }
}
