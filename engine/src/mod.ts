/**
 * The engine's public entry: what the simulator, the API and the dashboards may use.
 * Everything else under engine/src is private to the engine (a test scans imports to keep it
 * so). `#engine/testing` is the second entry, for test harnesses.
 */
export * from "./domain/errors.ts"
export * from "./domain/geo.ts"
export * from "./domain/ids.ts"
export * from "./domain/market.ts"
export * from "./domain/market-catalog.ts"
export * from "./domain/market-files.ts"
export * from "./domain/messages.ts"
export * from "./domain/codec.ts"
export * from "./domain/subjects.ts"
export * from "./domain/schema-issues.ts"
export * from "./transport/nats/local-server.ts"
export * from "./eta/eta-model.ts"
export * from "./eta/great-circle-eta.ts"
export * from "./index/driver-index.ts"
export * from "./index/h3-driver-index.ts"
export type { Decision as PolicyDecision, OrderRequest, PolicyName, UnmatchedReason as PolicyUnmatchedReason } from "./matching/types.ts"
export * from "./pipeline/dispatcher.ts"
export * from "./pipeline/inbound.ts"
export * from "./pipeline/partition.ts"
export * from "./transport/memory/memory-bus.ts"
export * from "./observability/metrics.ts"
export * from "./eta/local-hour.ts"
