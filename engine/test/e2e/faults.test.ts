/**
 * The engine under faults, as separate processes on a real nats-server with a file store:
 * orders stream in while the engine is SIGKILLed, while nats-server is SIGKILLed and
 * restarted, and while the lease holder dies with a standby running.
 *
 * Each run must end with every order decided exactly once in RESULTS and no driver in two
 * matches. There are more drivers than orders, so every order is matched and a new owner that
 * forgot the previous owner's reservations would hand a driver out twice.
 *
 * Orders stream in at a steady rate, then a burst follows; each fault strikes in the middle of
 * the burst (triggered by the count of decisions seen live), when the engine holds hundreds of
 * orders delivered and not yet acked, decisions being stored, and acks on the wire.
 *
 * The run and its audit are fault-run.ts's (the cluster's fault tests share them). Each test
 * prints one line: orders, decisions, lost, duplicates, double-assigned, the
 * takeover time, when the last decision came, and the engine's own redelivery and
 * duplicate-decision counters (which show the recovery paths really ran).
 */
import { expect, it } from "vitest"
import { describeWithNats } from "#engine/testing"
import { sleep } from "./client.ts"
import { EngineProcess } from "./engine-process.ts"
import { checkRun, decisionsSeen, extraCopies, firstAfter, streamOrders, watchDecisions } from "./fault-run.ts"
import { useFreshWorld } from "./world.ts"

/** Orders published at STEADY_RATE per second, then as fast as the client can. */
const STEADY_ORDERS = 1_000
const BURST_ORDERS = 2_000
const ORDERS = STEADY_ORDERS + BURST_ORDERS
const STEADY_RATE = 1_000
/** The fault strikes when this many decisions have been seen: inside the burst. */
const FAULT_AT_DECISIONS = STEADY_ORDERS + 300
const DRIVERS = 3_500
const LEASE_TTL_MS = 1_500
/** A crashed owner's in-flight orders come back after this (the default, 10 s, is slow for a test). */
const ACK_WAIT_MS = 3_000

describeWithNats("engine under faults (separate processes, real NATS, file store)", () => {
  const freshWorld = useFreshWorld()
  const shape = { steady: STEADY_ORDERS, rate: STEADY_RATE, burst: BURST_ORDERS }

  const setup = async (seed: number) => {
    const { server, client, random } = await freshWorld(seed, DRIVERS)
    return { server, client, random, ...watchDecisions(client) }
  }

  const engine = (url: string, instanceId: string, waitFor: "consuming" | "listening" = "consuming") =>
    EngineProcess.start({ natsUrl: url, instanceId, leaseTtlMs: LEASE_TTL_MS, ackWaitMs: ACK_WAIT_MS, waitFor })


  it("SIGKILL of the engine mid-run, then a new engine: nothing lost, nothing twice", async () => {
    const { server, client, random, seen, copies } = await setup(11)
    const first = await engine(server.url, "first")
    const run = streamOrders(client, random, "kill", shape)
    await decisionsSeen(seen, FAULT_AT_DECISIONS)
    const killedAt = Date.now()
    await first.kill()
    const decidedAtKill = await client.streamCount("RESULTS")
    const second = await engine(server.url, "second")
    const consuming = second.logsWith("partition consuming")[0]!
    await run.done
    const rebuilt = second.logsWith("partition state rebuilt")[0]!.annotations
    // The new owner learnt every stored decision and kept the matched drivers reserved.
    expect(rebuilt["decisions"]).toBeGreaterThanOrEqual(decidedAtKill)
    expect(rebuilt["reserved"]).toBe(rebuilt["decisions"])
    await checkRun("fault: engine SIGKILL", client, run.traceIds, () => ({
      decidedAtKill,
      takeoverMs: consuming.at - killedAt,
      firstDecisionAfterTakeoverMs: firstAfter(seen, consuming.at) - killedAt,
      lastDecisionAfterKillMs: Math.max(...seen) - killedAt,
      liveExtraCopies: extraCopies(copies)
    }), [second])
  })

  it("nats-server SIGKILL and restart mid-run (file store): nothing lost, nothing twice", async () => {
    const { server, client, random, seen, copies } = await setup(12)
    const only = await engine(server.url, "only")
    const run = streamOrders(client, random, "natsdown", shape)
    await decisionsSeen(seen, FAULT_AT_DECISIONS)
    const downAt = Date.now()
    await server.kill()
    const decidedAtKill = seen.length
    await sleep(500) // publishes fail meanwhile: the client retries, the engine's acks are lost
    await server.restart()
    const outageMs = Date.now() - downAt
    await run.done
    await checkRun("fault: nats-server SIGKILL+restart", client, run.traceIds, () => ({
      decidedAtKill,
      outageMs,
      lastDecisionAfterKillMs: Math.max(...seen) - downAt,
      // What a live core subscriber saw: extra copies of decisions, and decisions it missed while disconnected.
      liveExtraCopies: extraCopies(copies),
      liveMissed: ORDERS - copies.size,
      leaseEvents: only.logs.filter((l) => l.message.startsWith("lease")).map((l) => l.message.replaceAll(" ", "_")).join(",") || "none"
    }), [only])
    expect(only.running).toBe(true)
  })

  it("lease holder SIGKILLed with a standby running: the standby takes over, nothing lost, nothing twice", async () => {
    const { server, client, random, seen, copies } = await setup(13)
    const holder = await engine(server.url, "holder")
    const standby = await engine(server.url, "standby", "listening")
    const ready = (await (await standby.get("/readyz")).json()) as { partitions: Record<string, string> }
    expect(ready.partitions).toEqual({ sf: "standby" })

    const run = streamOrders(client, random, "lease", shape)
    await decisionsSeen(seen, FAULT_AT_DECISIONS)
    expect(standby.logsWith("partition consuming")).toEqual([]) // one owner at a time
    const killedAt = Date.now()
    await holder.kill()
    const consuming = await standby.waitConsuming(20_000)
    await run.done
    await checkRun("fault: lease holder SIGKILL, standby takes over", client, run.traceIds, () => ({
      takeoverMs: consuming.at - killedAt,
      firstDecisionAfterTakeoverMs: firstAfter(seen, consuming.at) - killedAt,
      lastDecisionAfterKillMs: Math.max(...seen) - killedAt,
      liveExtraCopies: extraCopies(copies)
    }), [standby])
    expect(standby.logsWith("lease acquired (takeover)").length).toBe(1)
  })
})
