/**
 * The engine's public entry (`#engine`): exactly what the simulator, the API and the
 * dashboards use of the engine, and nothing else (knip fails on an export here that no other
 * part imports). Everything else under engine/src is private to the engine (a test scans
 * imports to keep it so). `#engine/testing` is the second entry, for test harnesses.
 */

// The wire contract and the domain every part speaks
export { encodeMessage, makeDecoder } from "./domain/codec.ts"
export { distanceMeters, Latitude, LatLng, Longitude } from "./domain/geo.ts"
export { DriverId, MarketId, OpaqueId, OrderId, RegionId, RiderId, Token } from "./domain/ids.ts"
export { DEFAULT_MAX_WAIT_MS, type IntakeOperation, type IntakeReply, type IntakeRequest, MaxWaitMs, RideStatusReply } from "./domain/intake-rpc.ts"
export { MarketCatalog } from "./domain/market-catalog.ts"
export { loadMarketCatalog, marketFilesFromEnv, parseMarket, SHIPPED_MARKET_FILES } from "./domain/market-files.ts"
export { EtaParameters, type Market, MAX_SPEED_FACTOR, MIN_SPEED_FACTOR } from "./domain/market.ts"
export { ClockTick, Decision, DRIVER_STATUSES, DriverState, type DriverStatus, EpochMillis, MAX_MAX_WAIT_MS, MAX_REASON_LENGTH, MIN_MAX_WAIT_MS, OrderCancelled, OrderMatched, OrderRequested, OrderUnmatched, UNMATCHED_REASONS, type UnmatchedReason, WIRE_VERSION } from "./domain/messages.ts"
export { decodeJsonText, type FieldProblem, fieldProblems, renderPath } from "./domain/schema-issues.ts"
export { LANE_HEADER, laneProblem, MAIN_LANE } from "./domain/lanes.ts"
export { KV_BUCKETS, kvKeys, STREAMS, subjects } from "./domain/subjects.ts"

// ETA models
export { type Eta } from "./eta/eta.ts"
export { DEFAULT_ETA_PARAMETERS, DEFAULT_SPEED_KMH_BY_HOUR } from "./eta/great-circle-eta.ts"
export { LocalHour } from "./eta/local-hour.ts"
export { StreetRoutes } from "./eta/street-routes.ts"
export { RouteLine } from "./roads/route-line.ts"

// Roads: the error a market's graph fails with, each market's ETA model, routes for calibration,
// street shapes for maps
export { RoadGraphError } from "./roads/errors.ts"
export { TripRoutes } from "./roads/trip-routes.ts"
export { readRoadShapes, type RoadShape } from "./roads/road-shapes.ts"
export { EtaModel } from "./eta/eta-model.ts"

// The batch policy's exact assignment solver, which the simulator's rebalancing solves with too
export { assignSparse } from "./matching/assignment.ts"
// The policies (one registry) and the matcher, for the simulator's in-process mode
export { POLICIES, type PolicyName, policyChoicesText } from "./matching/policies.ts"
export type { Policy } from "./matching/policy.ts"
export { DEFAULT_BATCH_MAX_ORDERS, DEFAULT_BATCH_WINDOW_MS, defaultDispatchSettings, Dispatcher, type DispatchSettings } from "./pipeline/dispatcher.ts"

// NATS: connection, streams and buckets, the region intake, a local nats-server
export { findExecutable } from "./transport/executables.ts"
export { connectNats, Nats, type NatsClient, type NatsSettings, readNkeySeed } from "./transport/nats/connection.ts"
export { findNatsServer, LocalNatsServer } from "./transport/nats/local-server.ts"
export { clusterNodeArgs } from "./transport/nats/local-cluster.ts"
export type { NatsRole } from "./transport/nats/permissions.ts"
export { prepareNatsAuth, seedFile } from "./transport/nats/server-auth.ts"
export { type Intake, makeIntake, runRegionIntake } from "./transport/nats/region-intake.ts"
export { DESIRED_BUCKETS, ensureStreamsAndBuckets } from "./transport/nats/setup.ts"

// Metrics, tracing, the status server, redaction
export { makeRegistry, RUNTIME_METRIC_NAMES } from "./observability/metric-registry.ts"
export { ENGINE_METRIC_NAMES } from "./observability/metrics.ts"
export { httpListener } from "./observability/http-listener.ts"
export { redactUrls } from "./observability/redaction.ts"
export { statusServer } from "./observability/status-server.ts"
export { installTracerProvider, layerTracing } from "./observability/trace-sdk.ts"
export { startOrderSpan } from "./observability/tracing.ts"

// Child processes
export { answersOk } from "./process/probes.ts"
export { RunningChild } from "./process/running-child.ts"
export { type Child, type ChildExit, type ChildReadiness, type ChildSpec, spawnChild } from "./process/supervisor.ts"

// Flags every command builds on, and the logger
export { above, atLeast, between, choiceFlag, finiteFlag, intFlag, isInRange, type Range, splitList, stringFlag } from "./cli/flags.ts"
export { runAsTool } from "./cli/cli-output.ts"
export { DEFAULT_REGIONS, laneFlag, logFormatFlag, marketFileListFlag, marketFilesFlag, natsFlags, natsSettings, regionFlag } from "./cli/shared-flags.ts"
export { DISPATCH_RANGES } from "./main/engine-config.ts"
export { loggerLayer } from "./main/logging.ts"
