/**
 * Dispatch's NATS users (`dispatch nats config`) on a real nats-server 2.9: no anonymous
 * access, each role refused what it must not do (and nothing stored when it tries), and each
 * role able to do its real job: an engine with the engine seed consumes an order the simulator
 * published, writes the decision and its lease, and answers the gateway's intake request.
 */
import { createUser } from "@nats-io/nkeys"
import { Effect, Exit, Scope } from "effect"
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { describeWithNats, LocalNatsServer, startEngineChild, type EngineChild } from "#engine/testing"
import { encodeMessage } from "../../src/domain/codec.ts"
import type { Decision } from "../../src/domain/messages.ts"
import { KV_BUCKETS, kvKeys, STREAMS, subjects } from "../../src/domain/subjects.ts"
import { connectNats, type NatsClient } from "../../src/transport/nats/connection.ts"
import { NATS_ROLES, type NatsRole } from "../../src/transport/nats/permissions.ts"
import { prepareNatsAuth } from "../../src/transport/nats/server-auth.ts"
import { ensureStreamsAndBuckets } from "../../src/transport/nats/setup.ts"
import { driverState, orderRequested } from "../e2e/client.ts"

const DOWNTOWN = { lat: 37.785, lng: -122.41 }
const PERMISSION = /Permissions Violation/i

describeWithNats("NATS users per role", () => {
  let server: LocalNatsServer
  const scope = Effect.runSync(Scope.make())
  const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Scope.provide(effect, scope))
  const clients = new Map<NatsRole, NatsClient>()
  const as = (role: NatsRole) => clients.get(role)!
  /** The server's permission violations: the refusals this file provokes, and none by a role doing its job. */
  const violations: Array<string> = []

  beforeAll(async () => {
    server = await LocalNatsServer.start({ auth: true, onLine: (line) => void (/Violation/i.test(line) && violations.push(line)) })
    for (const role of NATS_ROLES) clients.set(role, await run(connectNats({ servers: [server.url], name: `auth-test-${role}`, nkeyFile: server.seedFile(role) })))
    await run(ensureStreamsAndBuckets(as("ops")))
  }, 30_000)

  afterAll(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await server?.dispose()
  })

  /** Messages a stream holds on one subject, as ops sees it. */
  const storedOn = async (stream: string, subject: string) =>
    ((await as("ops").jsm.streams.info(stream, { subjects_filter: subject })).state.subjects as Record<string, number> | undefined)?.[subject] ?? 0

  /** A JetStream publish the server refuses, and nothing stored. */
  const refusedPublish = async (role: NatsRole, stream: string, subject: string) => {
    await expect(as(role).js.publish(subject, "{}", { timeout: 2_000 }), `${role} publishing to ${subject}`).rejects.toThrow(PERMISSION)
    expect(await storedOn(stream, subject), `${subject} after ${role}'s refused publish`).toBe(0)
  }

  /** A KV put the server refuses, and the key still absent. */
  const refusedPut = async (role: NatsRole, bucket: string, key: string) => {
    const kv = await as(role).kvm.open(bucket)
    await expect(kv.put(key, "{}", { timeout: 2_000 }), `${role} putting ${bucket} ${key}`).rejects.toThrow(PERMISSION)
    expect(await (await as("ops").kvm.open(bucket)).get(key), `${bucket} ${key} after ${role}'s refused put`).toBeNull()
  }

  describe("who may connect", () => {
    it("no anonymous client, no stranger's nkey", async () => {
      const anonymous = await Effect.runPromise(Effect.scoped(connectNats({ servers: [server.url], name: "anonymous" })).pipe(Effect.flip))
      expect(anonymous.message).toMatch(/Authorization Violation/)
      const dir = mkdtempSync(join(tmpdir(), "dispatch-stranger-"))
      try {
        const stranger = join(dir, "stranger.nk")
        writeFileSync(stranger, new TextDecoder().decode(createUser().getSeed()))
        const refused = await Effect.runPromise(Effect.scoped(connectNats({ servers: [server.url], name: "stranger", nkeyFile: stranger })).pipe(Effect.flip))
        expect(refused.message).toMatch(/Authorization Violation/)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })

    it("seeds are private files, the config holds public keys only, and a second run keeps the keys", async () => {
      const dir = mkdtempSync(join(tmpdir(), "dispatch-seeds-"))
      try {
        const seeds = join(dir, "seeds")
        const first = await Effect.runPromise(prepareNatsAuth(seeds))
        expect(statSync(seeds).mode & 0o777).toBe(0o700)
        expect(readdirSync(seeds).sort()).toEqual(NATS_ROLES.map((r) => `${r}.nk`).sort())
        for (const role of NATS_ROLES) {
          expect(statSync(join(seeds, `${role}.nk`)).mode & 0o777, role).toBe(0o600)
          expect(first.config).toContain(first.publicKeys[role])
          expect(first.config).not.toContain(readFileSync(join(seeds, `${role}.nk`), "utf8").trim())
        }
        expect((await Effect.runPromise(prepareNatsAuth(seeds))).publicKeys).toEqual(first.publicKeys)
        writeFileSync(join(seeds, "ops.nk"), "not a seed\n")
        const broken = await Effect.runPromise(prepareNatsAuth(seeds).pipe(Effect.flip))
        expect(broken.message).toMatch(/ops\.nk: not a user nkey seed/)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  })

  describe("refused", () => {
    it("the server logs each refusal", async () => {
      await refusedPublish("gateway", STREAMS.results, subjects.orderDecision("sf", "logged"))
      for (let i = 0; i < 40 && !violations.some((l) => l.includes(subjects.orderDecision("sf", "logged"))); i++) await new Promise((r) => setTimeout(r, 50))
      expect(violations.find((l) => l.includes(subjects.orderDecision("sf", "logged")))).toMatch(/Publish Violation/)
    })

    it("the gateway: decisions, dead letters, weights, drains, leases, streams", async () => {
      await refusedPublish("gateway", STREAMS.results, subjects.orderDecision("sf", "g-1"))
      await refusedPublish("gateway", STREAMS.dlq, subjects.deadLetter("sf"))
      await refusedPut("gateway", KV_BUCKETS.config, kvKeys.weights("us-west"))
      await refusedPut("gateway", KV_BUCKETS.config, kvKeys.drain("us-west"))
      await refusedPut("gateway", KV_BUCKETS.leases, kvKeys.lease("sf"))
      await expect(as("gateway").jsm.streams.delete(STREAMS.orders)).rejects.toThrow(PERMISSION)
      await expect(as("gateway").jsm.streams.purge(STREAMS.results)).rejects.toThrow(PERMISSION)
    })

    it("the simulator: leases, decisions, region config, the intake's ride records", async () => {
      await refusedPut("simulator", KV_BUCKETS.leases, kvKeys.lease("sf"))
      await refusedPublish("simulator", STREAMS.results, subjects.orderDecision("sf", "s-1"))
      await refusedPut("simulator", KV_BUCKETS.config, kvKeys.drain("us-west"))
      await refusedPut("simulator", KV_BUCKETS.rides, kvKeys.ride("s-1"))
    })

    it("the engine: region config", async () => {
      await refusedPut("engine", KV_BUCKETS.config, kvKeys.weights("us-west"))
      await refusedPut("engine", KV_BUCKETS.config, kvKeys.drain("eu-central"))
    })

    it("the observer: every message, every change to streams and consumers", async () => {
      await refusedPublish("observer", STREAMS.orders, subjects.orderRequested("sf"))
      await refusedPublish("observer", STREAMS.results, subjects.orderDecision("sf", "o-1"))
      await refusedPut("observer", KV_BUCKETS.drivers, kvKeys.driver("sf", "o-1"))
      await refusedPut("observer", KV_BUCKETS.config, kvKeys.drain("us-west"))
      await refusedPut("observer", KV_BUCKETS.leases, kvKeys.lease("sf"))
      const jsm = as("observer").jsm
      await expect(jsm.streams.add({ name: "OBSERVED", subjects: ["observed.>"] })).rejects.toThrow(PERMISSION)
      await expect(jsm.streams.purge(STREAMS.orders)).rejects.toThrow(PERMISSION)
      await expect(jsm.consumers.add(STREAMS.orders, { durable_name: "observer" })).rejects.toThrow(PERMISSION)
      // Its core publishes are refused too: ops, subscribed to everything, hears none of them.
      const heard: Array<string> = []
      const sub = as("ops").nc.subscribe(subjects.orderRequested("sf"), { callback: (_e, m) => void heard.push(m.subject) })
      await as("ops").nc.flush()
      as("observer").nc.publish(subjects.orderRequested("sf"), "{}")
      await as("observer").nc.flush()
      as("simulator").nc.publish(subjects.orderRequested("sf"), "{}") // the control: a role that may publish is heard
      await as("simulator").nc.flush()
      await new Promise((r) => setTimeout(r, 200))
      sub.unsubscribe()
      expect(heard).toHaveLength(1)
    })
  })

  describe("allowed", () => {
    it("ops writes the region config, the gateway and the observer read it", async () => {
      const key = kvKeys.weights("eu-central")
      await (await as("ops").kvm.open(KV_BUCKETS.config)).put(key, JSON.stringify({ ops: true }))
      for (const role of ["gateway", "observer"] as const) {
        expect((await (await as(role).kvm.open(KV_BUCKETS.config)).get(key))?.json(), role).toEqual({ ops: true })
      }
      expect((await as("observer").jsm.streams.info(STREAMS.orders)).config.name).toBe(STREAMS.orders)
    })

    describe("with an engine that runs as the engine role", () => {
      let engine: EngineChild
      beforeAll(async () => {
        engine = await startEngineChild(server.url, { args: ["--nats-nkey", server.seedFile("engine")] })
      }, 90_000)
      afterAll(async () => engine?.stop())

      it("the simulator's order is consumed, decided, stored, heard; the engine holds its lease", async () => {
        const decisions: Array<Decision> = []
        const sub = as("simulator").nc.subscribe(subjects.marketDecisions("sf"), { callback: (_e, m) => void decisions.push(m.json<Decision>()) })
        await as("simulator").nc.flush()
        const now = Date.now()
        await (await as("simulator").kvm.open(KV_BUCKETS.drivers)).put(kvKeys.driver("sf", "auth-d1"), encodeMessage(driverState("auth-d1", now, DOWNTOWN)))
        await as("simulator").js.publish(subjects.orderRequested("sf"), encodeMessage(orderRequested("auth-o1", now, DOWNTOWN)), { msgID: "auth-o1" })
        for (let i = 0; i < 200 && decisions.length === 0; i++) await new Promise((r) => setTimeout(r, 50))
        sub.unsubscribe()
        expect(decisions).toEqual([expect.objectContaining({ type: "order.matched", orderId: "auth-o1", driverId: "auth-d1" })])
        expect(await storedOn(STREAMS.results, subjects.orderDecision("sf", "auth-o1"))).toBe(1)
        const lease = await (await as("observer").kvm.open(KV_BUCKETS.leases)).get(kvKeys.lease("sf"))
        expect(lease?.string()).toBeTruthy()
        expect(violations.filter((line) => line.includes("dispatch-engine@")), "the engine's permissions suffice").toEqual([])
      }, 30_000)

      it("the gateway's intake request is answered and the ride stored", async () => {
        const request = { orderId: "auth-o2", riderId: "rider", pickup: DOWNTOWN, dropoff: DOWNTOWN, requestedAt: Date.now(), maxWaitMs: 60_000 }
        const reply = await as("gateway").nc.request(subjects.regionRpc("us-west", "ride-request"), JSON.stringify(request), { timeout: 5_000 })
        expect(reply.json()).toMatchObject({ ok: true })
        expect(await storedOn(STREAMS.orders, subjects.orderRequested("sf"))).toBeGreaterThanOrEqual(2)
        expect(await (await as("observer").kvm.open(KV_BUCKETS.rides)).get(kvKeys.ride("auth-o2"))).not.toBeNull()
        expect(violations.filter((line) => line.includes("dispatch-engine@")), "the engine's permissions suffice").toEqual([])
      }, 30_000)
    })
  })
})
