/**
 * `dispatch nats init --replicas 3` on a real three-node cluster with Dispatch's users, as an
 * operator runs it (the ops seed): every stream and bucket is created with three copies, a
 * second run finds them, and one that lost copies (scaled down behind Dispatch's back) is
 * refused in words that say which and how to fix it. On one server, an existing R1 stream is
 * refused the same way.
 */
import { afterAll, beforeAll, expect, it } from "vitest"
import { connect, nkeyAuthenticator, type NatsConnection } from "@nats-io/transport-node"
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream"
import { describeWithNats, LocalNatsCluster, LocalNatsServer } from "#engine/testing"
import { readNkeySeed } from "../../src/transport/nats/connection.ts"
import { KV_BUCKETS, STREAMS } from "../../src/domain/subjects.ts"
import { dispatch, lines } from "./run-dispatch.ts"

const EVERY_STREAM = [STREAMS.orders, STREAMS.results, STREAMS.dlq, ...Object.values(KV_BUCKETS).map((b) => `KV_${b}`)]

describeWithNats("dispatch nats init --replicas", () => {
  let cluster: LocalNatsCluster
  let nc: NatsConnection
  let jsm: JetStreamManager
  beforeAll(async () => {
    cluster = await LocalNatsCluster.start({ auth: true })
    nc = await connect({ servers: cluster.urls, authenticator: nkeyAuthenticator(readNkeySeed(cluster.seedFile("ops"))) })
    jsm = await jetstreamManager(nc)
  }, 120_000)
  afterAll(async () => {
    await nc?.close()
    await cluster?.dispose()
  })

  const init = (...args: Array<string>) => dispatch(["nats", "init", "--nats", cluster.url, "--nats-nkey", cluster.seedFile("ops"), ...args])

  it("creates every stream and bucket with three replicas, then finds them; one with fewer is refused", async () => {
    const first = await init("--replicas", "3")
    expect(first.code, first.stderr).toBe(0)
    expect(lines(first.stdout).filter((l) => l.endsWith("(3 replicas)"))).toHaveLength(EVERY_STREAM.length)
    for (const name of EVERY_STREAM) expect((await jsm.streams.info(name)).config.num_replicas, name).toBe(3)

    const again = await init("--replicas", "3")
    expect(again.code, again.stderr).toBe(0)
    expect(lines(again.stdout).filter((l) => l.startsWith("stream ")).every((l) => l.includes(" exists "))).toBe(true)

    const leases = `KV_${KV_BUCKETS.leases}`
    const { config } = await jsm.streams.info(leases)
    await jsm.streams.update(leases, { ...config, num_replicas: 1 })
    const refused = await init("--replicas", "3")
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`stream ${leases} exists with an incompatible configuration`)
    expect(refused.stderr).toContain(`replicas: 1, needs at least 3 (raise it with nats stream edit ${leases} --replicas 3)`)
    // Without --replicas (what an engine checks), copies are the operator's business.
    expect((await init()).code).toBe(0)
  }, 240_000)

  it("on one server, an existing stream with one copy is refused", async () => {
    const server = await LocalNatsServer.start()
    try {
      expect((await dispatch(["nats", "init", "--nats", server.url])).code).toBe(0)
      const refused = await dispatch(["nats", "init", "--nats", server.url, "--replicas", "3"])
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain(`stream ${STREAMS.orders} exists with an incompatible configuration`)
      expect(refused.stderr).toContain("replicas: 1, needs at least 3")
    } finally {
      await server.dispose()
    }
  }, 120_000)
})
