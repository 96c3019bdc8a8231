/**
 * The gateway process's Prometheus registry and its metrics (all named in the engine's
 * metrics.ts), as a service so that handlers and middleware count into the same registry that
 * `/metrics` serves.
 */
import { Context, Layer } from "effect"
import type { Registry } from "prom-client"
import { makeBalancerMetrics, makeRegistry, type BalancerMetrics } from "#engine"

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
