/**
 * The gateway process's Prometheus registry and its metrics (defined in
 * ../observability/metrics.ts), as a service so that handlers and middleware count into the same registry that
 * `/metrics` serves.
 */
import { Context, Layer } from "effect"
import type { Registry } from "prom-client"
import { makeRegistry } from "#engine"
import { makeBalancerMetrics, type BalancerMetrics } from "../observability/metrics.ts"

export class GatewayMetrics extends Context.Service<GatewayMetrics, {
  readonly registry: Registry
  readonly metrics: BalancerMetrics
}>()("dispatch/GatewayMetrics") {
  /** A fresh registry with Node's default metrics: one per process (or per test). */
  static readonly make = () => {
    const registry = makeRegistry()
    return GatewayMetrics.of({ registry, metrics: makeBalancerMetrics(registry) })
  }
  static readonly layer = Layer.sync(GatewayMetrics, GatewayMetrics.make)
}
