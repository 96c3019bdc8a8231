/**
 * One private nats-server per test file, a client on it, and a fresh `dispatch_config` bucket
 * per test (destroyed and created again), so tests never see each other's keys.
 */
import { Kvm, type KV } from "@nats-io/kv"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { Effect } from "effect"
import { afterAll, beforeAll, beforeEach } from "vitest"
import { KV_BUCKETS, type NatsClient } from "#engine"
import { LocalNatsServer } from "#engine/testing"
import { openConfigBucket } from "../../src/regions/config-bucket.ts"

export const REGIONS = ["us-west", "us-east", "eu-central"] as const

export interface NatsFixture {
  server: LocalNatsServer
  nc: NatsConnection
  client: NatsClient
  kv: KV
}

export const useNatsFixture = (): NatsFixture => {
  const fx = {} as NatsFixture
  beforeAll(async () => {
    fx.server = await LocalNatsServer.start()
    fx.nc = await connect({ servers: fx.server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100, noAsyncTraces: true })
    fx.client = { nc: fx.nc, js: jetstream(fx.nc), jsm: await jetstreamManager(fx.nc), kvm: new Kvm(fx.nc) }
  })
  beforeEach(async () => {
    await fx.client.jsm.streams.delete(`KV_${KV_BUCKETS.config}`).catch(() => false)
    fx.kv = await Effect.runPromise(openConfigBucket(fx.client))
  })
  afterAll(async () => {
    await fx.nc?.close()
    await fx.server?.dispose()
  })
  return fx
}
