/**
 * The engine's testing entry (`#engine/testing`): harnesses every part's integration tests
 * use. Test code only; nothing in a product path imports it.
 */
export * from "./nats.ts"
export { LocalNatsServer, NatsServerNotFound } from "../transport/nats/local-server.ts"
export { LocalNatsCluster } from "../transport/nats/local-cluster.ts"
export { seededRandom } from "./random.ts"
export { OtlpReceiver } from "./otlp-receiver.ts"
export { startEngineChild, type EngineChild } from "./engine-child.ts"
export { windowGreedyPolicy } from "./window-greedy-policy.ts"
export { isAlive } from "./process-alive.ts"
