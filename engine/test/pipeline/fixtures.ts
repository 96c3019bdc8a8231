/** A small SF world for pipeline tests: the shipped market, drivers and orders near downtown. */
import { Effect } from "effect"
import { Registry } from "prom-client"
import { loadMarketCatalog, SHIPPED_MARKET_FILES } from "../../src/domain/market-files.ts"
import type { DriverState, OrderCancelled, OrderRequested } from "../../src/domain/messages.ts"
import { GreatCircleEta } from "../../src/eta/great-circle-eta.ts"
import { makeEngineMetrics } from "../../src/observability/metrics.ts"
import { defaultDispatchSettings, Dispatcher, type DispatchSettings } from "../../src/pipeline/dispatcher.ts"
import type { PolicyName } from "../../src/matching/policies.ts"
import type { Policy } from "../../src/matching/policy.ts"

export const catalog = Effect.runSync(loadMarketCatalog(SHIPPED_MARKET_FILES))
export const sf = catalog.get("sf")!

/** A point about `metersNorth` north of downtown SF. */
export const near = (metersNorth: number) => ({ lat: 37.7749 + metersNorth / 111_195, lng: -122.4194 })

export const order = (orderId: string, requestedAt = 0, maxWaitMs = 60_000, metersNorth = 0): OrderRequested => ({
  v: 1, type: "order.requested", orderId, riderId: `rider-${orderId}`, market: "sf",
  pickup: near(metersNorth), dropoff: near(metersNorth + 2_000), requestedAt, maxWaitMs
})

export const cancel = (orderId: string, at = 0): OrderCancelled => ({ v: 1, type: "order.cancelled", orderId, market: "sf", at, reason: "rider" })

export const driver = (driverId: string, metersNorth: number, status: DriverState["status"] = "available", at = 0): DriverState => ({
  v: 1, type: "driver.state", driverId, market: "sf", ...near(metersNorth), status, at
})

export const dispatcher = (policy: PolicyName | Policy, overrides: Partial<DispatchSettings> = {}) =>
  new Dispatcher(sf, GreatCircleEta.forMarket(sf), { ...defaultDispatchSettings(policy), ...overrides })

export const metrics = () => makeEngineMetrics(new Registry())
