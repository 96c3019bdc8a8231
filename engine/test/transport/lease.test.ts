/**
 * The partition lease against a real private nats-server (no mocks): racing candidates,
 * renewal, a holder cut off from the network (TCP proxy that silently drops everything), graceful
 * release, a graceful server restart and a SIGKILL. TTLs are short (0.6–1.5 s) to keep the
 * suite fast; assertions are about who owns, timing bounds are generous and the measured
 * takeover times are printed.
 *
 * "Never two owners" is checked by sampling every candidate's `isOwnerUnsafe()` every few ms in
 * this process: the hot-path view, which honours the fencing deadline even when the background
 * fiber has not noticed it yet.
 */
import { it } from "@effect/vitest"
import { Kvm } from "@nats-io/kv"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { Effect, Exit, Scope } from "effect"
import { createServer, connect as tcpConnect, type AddressInfo, type Socket } from "node:net"
import { expect } from "vitest"
import { describeWithNats, natsServerScoped } from "#engine/testing"
import { LeaseConfigError, LeaseLost } from "../../src/transport/nats/errors.ts"
import { type LeaseEvent, makePartitionLease, openLeaseBucket, PartitionLease, type PartitionLeaseShape } from "../../src/transport/nats/lease.ts"

const PARTITION = "sf"

/** A client that reconnects forever with a short wait, as the engine's does. */
const natsClient = (url: string) =>
  Effect.acquireRelease(
    Effect.promise(() => connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 100, noAsyncTraces: true })),
    (nc) => Effect.promise(() => nc.close().catch(() => undefined))
  )

interface Candidate {
  readonly name: string
  readonly lease: PartitionLeaseShape
  readonly events: Array<LeaseEvent>
  /** Closes the lease's own scope: release (delete) and stop. */
  readonly close: Effect.Effect<void>
}

/** A lease in its own scope (closed by `close`, or at the latest with the test's scope). */
const candidate = (nc: NatsConnection, name: string, ttlMs: number) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const close = Scope.close(scope, Exit.void)
    yield* Effect.addFinalizer(() => close)
    const events: Array<LeaseEvent> = []
    const lease = yield* PartitionLease.make({ client: { kvm: new Kvm(nc) }, partition: PARTITION, owner: name, ttlMs, onTransition: (e) => events.push(e) }).pipe(
      Scope.provide(scope)
    )
    return { name, lease, events, close } satisfies Candidate
  })

/** Monotonic ms on the same clock as the lease's event times (Effect's live Clock: hrtime). */
const now = () => Number(process.hrtime.bigint() / 1000n) / 1000

/**
 * Samples every candidate's hot-path view every 2 ms until the scope closes; `violations` lists
 * the instants at which more than one believed it owned the lease.
 */
const watchOwners = (candidates: ReadonlyArray<Candidate>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const state = { samples: 0, violations: [] as Array<string> }
      const timer = setInterval(() => {
        state.samples++
        const owners = candidates.filter((c) => c.lease.isOwnerUnsafe()).map((c) => c.name)
        if (owners.length > 1) state.violations.push(`${now().toFixed(1)} ms: ${owners.join(", ")}`)
      }, 2)
      return { state, timer }
    }),
    ({ timer }) => Effect.sync(() => clearInterval(timer))
  ).pipe(Effect.map(({ state }) => state))

const owners = (candidates: ReadonlyArray<Candidate>) => candidates.filter((c) => c.lease.isOwnerUnsafe())

/** Polls until `check` holds; fails the test after `ms`. */
const eventually = (what: string, ms: number, check: () => boolean) =>
  Effect.gen(function*() {
    const deadline = now() + ms
    while (!check()) {
      if (now() > deadline) return yield* Effect.die(new Error(`not within ${ms} ms: ${what}`))
      yield* Effect.sleep(5)
    }
  })

const acquired = (c: Candidate) => c.events.filter((e) => e._tag === "Acquired")

/**
 * A TCP proxy to the server whose `cut()` makes it silently swallow every byte both ways: the
 * client sees no error and no close, its requests just never get answers (a partition, a hung
 * server, a stuck switch).
 */
const blackholeProxy = (port: number) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<{ url: string; cut: () => void; close: () => void }>((resolve) => {
        let cut = false
        const sockets = new Set<Socket>()
        const server = createServer((client) => {
          const upstream = tcpConnect(port, "127.0.0.1")
          sockets.add(client).add(upstream)
          client.on("data", (d) => void (cut || upstream.write(d)))
          upstream.on("data", (d) => void (cut || client.write(d)))
          const end = () => {
            client.destroy()
            upstream.destroy()
          }
          for (const s of [client, upstream]) s.on("error", end).on("close", end)
        })
        server.listen(0, "127.0.0.1", () => {
          const close = () => {
            for (const s of sockets) s.destroy()
            server.close()
          }
          resolve({ url: `nats://127.0.0.1:${(server.address() as AddressInfo).port}`, cut: () => void (cut = true), close })
        })
      })
    ),
    (proxy) => Effect.sync(() => proxy.close())
  )

describeWithNats("PartitionLease on nats-server", () => {
  it.live("10 racers: exactly one owner, which keeps the lease over 5 TTLs by renewing", () =>
    Effect.gen(function*() {
      const ttlMs = 600
      const server = yield* natsServerScoped()
      const nc = yield* natsClient(server.url)
      const racers = yield* Effect.all(Array.from({ length: 10 }, (_, i) => candidate(nc, `racer-${i}`, ttlMs)), { concurrency: "unbounded" })
      const sampled = yield* watchOwners(racers)
      yield* eventually("someone owns", 5 * ttlMs, () => owners(racers).length === 1)
      const owner = owners(racers)[0]!
      const firstRevision = yield* owner.lease.ensureOwner
      yield* Effect.sleep(5 * ttlMs)

      expect(sampled.violations).toEqual([])
      expect(sampled.samples).toBeGreaterThan(100)
      expect(owners(racers).map((c) => c.name)).toEqual([owner.name])
      expect(racers.flatMap(acquired)).toHaveLength(1)
      expect(racers.flatMap((c) => c.events.filter((e) => e._tag === "Lost"))).toEqual([])
      expect(yield* owner.lease.status).toBe("owner")
      // Renewed about every ttl/3: the revision moved on (one bucket, one key: +1 per write).
      expect(yield* owner.lease.ensureOwner).toBeGreaterThanOrEqual(firstRevision + 10)
      const standby = racers.find((c) => c !== owner)!
      expect(yield* standby.lease.status).toBe("standby")
      expect(yield* Effect.flip(standby.lease.ensureOwner)).toBeInstanceOf(LeaseLost)
      expect(yield* standby.lease.isOwner).toBe(false)
      console.log(`[lease] racers: ${owner.name} won revision ${firstRevision}; ${sampled.samples} samples, never two owners`)
    }))

  it.live("rejects timings under which the holder would demote itself before renewing", () =>
    Effect.gen(function*() {
      const server = yield* natsServerScoped()
      const nc = yield* natsClient(server.url)
      const kv = yield* openLeaseBucket(new Kvm(nc))
      const error = yield* Effect.flip(makePartitionLease({ kv, partition: PARTITION, owner: "x", ttlMs: 1_000, renewIntervalMs: 900 }))
      expect(error).toBeInstanceOf(LeaseConfigError)
      expect(error.message).toMatch(/renewIntervalMs \(900\)/)
    }))

  it.live("a holder cut off from NATS demotes itself at its fencing deadline, before a standby takes over after ~TTL", () =>
    Effect.gen(function*() {
      const ttlMs = 1_000
      const server = yield* natsServerScoped()
      const proxy = yield* blackholeProxy(server.port)
      const holder = yield* candidate(yield* natsClient(proxy.url), "holder", ttlMs)
      yield* holder.lease.awaitOwnership
      const standby = yield* candidate(yield* natsClient(server.url), "standby", ttlMs)
      const sampled = yield* watchOwners([holder, standby])
      yield* Effect.sleep(ttlMs) // a few renewals the standby sees

      const cutAt = now()
      proxy.cut()
      yield* eventually("the standby takes over", 10 * ttlMs, () => standby.lease.isOwnerUnsafe())

      const lost = holder.events.find((e) => e._tag === "Lost")
      const won = acquired(standby)[0]
      expect(lost).toMatchObject({ _tag: "Lost", reason: "deadline" })
      expect(won).toMatchObject({ _tag: "Acquired", via: "takeover" })
      if (lost?._tag !== "Lost" || won === undefined) return
      // Fencing: the old holder's own view flipped to lost before the standby believed it owned.
      expect(lost.at).toBeLessThanOrEqual(won.at)
      expect(lost.at).toBeLessThanOrEqual(cutAt + ttlMs) // last successful send + ttl - margin
      expect(yield* holder.lease.status).toBe("standby")
      yield* holder.lease.awaitLoss
      expect(holder.lease.isOwnerUnsafe()).toBe(false)
      expect(sampled.violations).toEqual([])
      console.log(
        `[lease] lapse (ttl ${ttlMs} ms): holder demoted ${(lost.at - cutAt).toFixed(0)} ms after the cut, ` +
          `standby took over ${(won.at - cutAt).toFixed(0)} ms after the cut (gap ${(won.at - lost.at).toFixed(0)} ms)`
      )
    }))

  it.live("a graceful release lets a standby take over at once", () =>
    Effect.gen(function*() {
      // A long TTL keeps "at once" (milliseconds) and "after the TTL" far apart, so a loaded
      // machine cannot blur them.
      const ttlMs = 12_000
      const server = yield* natsServerScoped()
      const holder = yield* candidate(yield* natsClient(server.url), "holder", ttlMs)
      yield* holder.lease.awaitOwnership
      const standby = yield* candidate(yield* natsClient(server.url), "standby", ttlMs)
      const sampled = yield* watchOwners([holder, standby])
      yield* Effect.sleep(300) // the standby has read the key and is waiting

      const releasedAt = now()
      yield* holder.close
      yield* standby.lease.awaitOwnership
      const tookOver = now() - releasedAt

      expect(holder.events.at(-1)).toMatchObject({ _tag: "Released", deleted: true })
      expect(acquired(standby)[0]).toMatchObject({ via: "create" })
      expect(tookOver).toBeLessThan(ttlMs / 2)
      expect(sampled.violations).toEqual([])
      console.log(`[lease] graceful release (ttl ${ttlMs} ms): standby took over ${tookOver.toFixed(1)} ms after release began`)
    }))

  it.live("a graceful nats-server restart during ownership: the lease survives or is re-acquired, never two owners", () =>
    Effect.gen(function*() {
      const ttlMs = 1_000
      const server = yield* natsServerScoped()
      const a = yield* candidate(yield* natsClient(server.url), "a", ttlMs)
      yield* a.lease.awaitOwnership
      const b = yield* candidate(yield* natsClient(server.url), "b", ttlMs)
      const both = [a, b]
      const sampled = yield* watchOwners(both)
      yield* Effect.sleep(ttlMs / 2)

      const restartAt = now()
      yield* Effect.promise(() => server.restart())
      const upAt = now()
      yield* eventually("one owner after the restart", 10 * ttlMs, () => owners(both).length === 1)
      const ownedAt = now()
      yield* Effect.sleep(2 * ttlMs)

      expect(owners(both)).toHaveLength(1)
      expect(sampled.violations).toEqual([])
      const after = owners(both)[0]!
      const story = both.flatMap((c) => c.events.map((e) => `${c.name}:${e._tag}${e._tag === "Lost" ? `(${e.reason})` : e._tag === "Acquired" ? `(${e.via})` : ""}`))
      console.log(
        `[lease] graceful restart: server down+up ${(upAt - restartAt).toFixed(0)} ms; ${after.name} owns ` +
          `${(ownedAt - restartAt).toFixed(0)} ms after the restart began; events: ${story.join(" ") || "none (lease survived)"}`
      )
    }))

  it.live("SIGKILL and restart of nats-server while a standby waits: exactly one owner afterwards", () =>
    Effect.gen(function*() {
      const ttlMs = 1_000
      const server = yield* natsServerScoped()
      const a = yield* candidate(yield* natsClient(server.url), "a", ttlMs)
      yield* a.lease.awaitOwnership
      const b = yield* candidate(yield* natsClient(server.url), "b", ttlMs)
      const both = [a, b]
      const sampled = yield* watchOwners(both)
      yield* Effect.sleep(ttlMs / 2)

      const killAt = now()
      yield* Effect.promise(() => server.kill())
      yield* Effect.sleep(1.5 * ttlMs) // down longer than the TTL: the holder must demote itself
      yield* Effect.promise(() => server.restart())
      yield* eventually("one owner after the crash", 10 * ttlMs, () => owners(both).length === 1)
      const ownedAt = now()
      yield* Effect.sleep(2 * ttlMs)

      expect(owners(both)).toHaveLength(1)
      expect(sampled.violations).toEqual([])
      expect(a.events.find((e) => e._tag === "Lost")).toMatchObject({ reason: "deadline" })
      const after = owners(both)[0]!
      const story = both.flatMap((c) => c.events.map((e) => `${c.name}:${e._tag}${e._tag === "Lost" ? `(${e.reason})` : e._tag === "Acquired" ? `(${e.via})` : ""}`))
      console.log(`[lease] SIGKILL: ${after.name} owns ${(ownedAt - killAt).toFixed(0)} ms after the kill; events: ${story.join(" ")}`)
    }))
})
