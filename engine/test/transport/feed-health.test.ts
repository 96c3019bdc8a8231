import { describe, expect, it } from "vitest"
import { FeedHealth } from "../../src/transport/nats/feed-health.ts"

describe("driver feed health", () => {
  it("is stale until a consumer proves it has delivered everything", () => {
    const h = new FeedHealth(3_000, 0)
    expect(h.state).toEqual({ _tag: "Stale", reason: "resyncing", since: 0 })
    h.consumerCreated(5, 10)
    expect(h.current).toBe(false)
    h.message(4, 20)
    expect(h.current).toBe(false)
    h.message(0, 30)
    expect(h.current).toBe(true)
    expect(h.lagSeconds(30)).toBe(0)
  })

  it("a consumer created with nothing pending, or an idle heartbeat, is proof", () => {
    const a = new FeedHealth(3_000, 0)
    a.consumerCreated(0, 5)
    expect(a.current).toBe(true)
    const b = new FeedHealth(3_000, 0)
    b.consumerCreated(3, 5)
    b.heartbeat(6)
    expect(b.current).toBe(true)
  })

  it("lag is the time since the last proof; a backlog keeps it growing without going stale", () => {
    const h = new FeedHealth(3_000, 0)
    h.consumerCreated(0, 0)
    h.heartbeat(1_000)
    expect(h.lagSeconds(1_500)).toBe(0.5)
    h.message(10, 2_000) // behind by 10, still delivering
    expect(h.current).toBe(true)
    expect(h.lagSeconds(2_500)).toBe(1.5)
  })

  it("a disconnect makes it stale at once, and keeps the start of the stale stretch across reasons", () => {
    const h = new FeedHealth(3_000, 0)
    h.consumerCreated(0, 0)
    h.disconnected(1_000)
    expect(h.state).toEqual({ _tag: "Stale", reason: "disconnected", since: 1_000 })
    h.resyncing(4_000)
    expect(h.state).toEqual({ _tag: "Stale", reason: "resyncing", since: 1_000 })
    expect(h.lagSeconds(4_000)).toBe(4)
    h.consumerCreated(0, 4_100)
    expect(h.current).toBe(true)
  })

  /** The driver feed's cadence: a check every 250 ms; the first that reports silence, if any. */
  const firstSilent = (h: FeedHealth, from: number, to: number): number | undefined => {
    for (let t = from; t <= to; t += 250) if (h.checkSilence(t)) return t
    return undefined
  }

  it("silence beyond the limit is reported once per limit and makes it stale", () => {
    const h = new FeedHealth(3_000, 0)
    h.consumerCreated(0, 0)
    // Heard at 0; the check at 3,500 is the first whose previous check (3,250) is past the limit.
    expect(firstSilent(h, 250, 10_000)).toBe(3_500)
    expect(h.state).toEqual({ _tag: "Stale", reason: "silent", since: 3_500 })
    expect(firstSilent(h, 3_750, 10_000)).toBe(7_000)
  })

  it("a stall of its own is not the consumer's silence", () => {
    const h = new FeedHealth(3_000, 0)
    h.consumerCreated(0, 0)
    expect(h.checkSilence(250)).toBe(false)
    // The event loop was blocked for 5 s: the heartbeats that came meanwhile are still unread.
    expect(h.checkSilence(5_250)).toBe(false)
    h.heartbeat(5_260)
    expect(firstSilent(h, 5_500, 8_000)).toBeUndefined()
    expect(h.current).toBe(true)
  })
})
