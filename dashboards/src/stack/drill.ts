/**
 * The local stack's drill: the failures ops rehearse, played once against the running stack
 * so that every panel has something to show (`--no-drill` skips it). Each step says what it
 * does and which panels show it:
 *
 *  1. bad input: malformed HTTP requests (4xx with a reason) and malformed order events on
 *     NATS (to the DLQ);
 *  2. a regional outage: one region's engine stops for a while; its breaker opens, outlier
 *     detection ejects it, traffic fails over; it comes back: half-open, closed;
 *  3. every region down: no engine answers, the gateway's fallback queues rides durably in
 *     ORDERS (202 queued); the engines come back and decide them. How many were queued is
 *     read from the gateway's counter afterwards, never assumed.
 */
import { GATEWAY_METRIC_NAMES } from "#api"
import { readNkeySeed, splitList, subjects, WIRE_VERSION } from "#engine"
import { connect, nkeyAuthenticator } from "@nats-io/transport-node"
import { Console, Effect } from "effect"
import type { RestartableChild } from "./restartable-child.ts"

export interface DrillTargets {
  readonly natsUrl: string
  /** The seed the bad order events are published with (the simulator role's: it may publish order events). */
  readonly natsNkey: string | undefined
  readonly apiUrl: string
  readonly market: string
  /** Engines by region. */
  readonly engines: ReadonlyMap<string, RestartableChild>
  /** The region whose outage is rehearsed (it must carry some weight). */
  readonly outageRegion: string
}

export const DRILL_TIMING = {
  /** After the replay starts: traffic first, so the breakers have calls to judge. */
  badInputAfterMs: 20_000,
  regionalOutageAfterMs: 40_000,
  regionalOutageMs: 60_000,
  totalOutageAfterMs: 60_000,
  totalOutageMs: 10_000
} as const

const say = (line: string) => Console.error(`stack drill: ${line}`)

const badHttp = (apiUrl: string) =>
  Effect.promise(async () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${apiUrl}/v1/rides`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body }).then((r) => r.status, () => 0)
    return Promise.all([
      post("{not json"),
      post(JSON.stringify({ riderId: "drill", pickup: { lat: 95, lng: 0 }, dropoff: { lat: 37.7, lng: -122.4 } })),
      post(JSON.stringify({ riderId: "drill", pickup: { lat: 37.77, lng: -122.42 }, dropoff: { lat: 37.7, lng: -122.4 } }), { "x-region": "mars" })
    ])
  })

const badNats = (natsUrl: string, natsNkey: string | undefined, market: string) =>
  Effect.promise(async () => {
    const nc = await connect({ servers: splitList(natsUrl), name: "dispatch-stack-drill", ...(natsNkey === undefined ? {} : { authenticator: nkeyAuthenticator(readNkeySeed(natsNkey)) }) })
    try {
      const subject = subjects.orderRequested(market)
      for (const payload of ["not json", JSON.stringify({ v: 2, type: "order.requested" }), JSON.stringify({ v: WIRE_VERSION, type: "order.requested", orderId: "drill-bad", riderId: "drill", market, pickup: { lat: 200, lng: 0 }, dropoff: { lat: 0, lng: 0 }, requestedAt: Date.now(), maxWaitMs: 60_000 })]) {
        nc.publish(subject, payload)
      }
      await nc.flush()
    } finally {
      await nc.close()
    }
  })

/** Rides the gateway queued through its fallback so far (its /metrics); 0 where it does not answer. */
const fallbackQueued = (apiUrl: string) =>
  Effect.promise(() =>
    fetch(`${apiUrl}/metrics`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text(), () => "").then((text) =>
      text.split("\n")
        .filter((line) => line.startsWith(`${GATEWAY_METRIC_NAMES.balancerFallbacks}{`) && line.includes('outcome="queued"'))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0)
    )
  )

export const runDrill = (targets: DrillTargets) =>
  Effect.gen(function*() {
    const t = DRILL_TIMING
    yield* Effect.sleep(t.badInputAfterMs)
    const statuses = yield* badHttp(targets.apiUrl)
    yield* badNats(targets.natsUrl, targets.natsNkey, targets.market)
    yield* say(`bad input: 3 malformed rides answered ${statuses.join(", ")}, 3 malformed order events sent to NATS (overview: Dead letters; balancer: Rejected requests)`)

    yield* Effect.sleep(t.regionalOutageAfterMs)
    const region = targets.engines.get(targets.outageRegion)!
    yield* say(`outage: engine ${targets.outageRegion} stopped for ${t.regionalOutageMs / 1000} s (balancer: breaker state, failovers, outlier ejections)`)
    yield* region.stop
    yield* Effect.sleep(t.regionalOutageMs)
    yield* region.start
    yield* say(`outage over: engine ${targets.outageRegion} back (its breaker goes half-open, then closed)`)

    yield* Effect.sleep(t.totalOutageAfterMs)
    yield* say(`every region down for ${t.totalOutageMs / 1000} s (balancer: Fallback use)`)
    const queuedBefore = yield* fallbackQueued(targets.apiUrl)
    yield* Effect.forEach([...targets.engines.values()], (e) => e.stop, { concurrency: "unbounded", discard: true })
    yield* Effect.sleep(t.totalOutageMs)
    const queued = (yield* fallbackQueued(targets.apiUrl)) - queuedBefore
    yield* Effect.forEach([...targets.engines.values()], (e) => e.start, { concurrency: "unbounded", discard: true })
    // Said after the fact, from the gateway's own counter: a fallback that did not happen is not announced.
    yield* say(queued > 0
      ? `engines back: ${queued} rides were queued durably by the gateway's fallback while every region was down; they are decided now; drill over`
      : "engines back: no ride went through the gateway's fallback while every region was down (none arrived, or the replay has ended); drill over")
  })
