/**
 * The lease's pure decisions (lease-state.ts): unit cases, and properties over invented times,
 * delays, lost messages and crashes. The main property runs several candidates against a
 * simulated KV key (compare-and-set on a revision, like JetStream's expected-last-sequence) with
 * every request and answer delayed or dropped at random, and checks that no two candidates ever
 * believe they own the lease at the same instant.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  afterConflict,
  afterRenew,
  decodeRecord,
  DEFAULT_LEASE_TTL_MS,
  encodeRecord,
  fenceDeadline,
  hold,
  type Holding,
  type KeyView,
  leaseTiming,
  MIN_SAFETY_MARGIN_MS,
  ownsAt,
  type RenewOutcome,
  type RenewStep,
  type Self,
  sight,
  type Sighting,
  standbyMove,
  timingProblems
} from "../../src/transport/nats/lease-state.ts"

const me: Self = { owner: "engine-a", incarnation: "i-a" }
const t = leaseTiming({ ttlMs: 1_000 })

describe("leaseTiming", () => {
  it("defaults: 10 s TTL, renew and poll each ttl/3, margin 10 % but at least 200 ms", () => {
    const d = leaseTiming()
    expect(d.ttlMs).toBe(DEFAULT_LEASE_TTL_MS)
    expect(d.renewIntervalMs).toBe(3_333)
    expect(d.pollIntervalMs).toBe(3_333)
    expect(d.safetyMarginMs).toBe(1_000)
    expect(d.requestTimeoutMs).toBe(3_333)
    expect(timingProblems(d)).toEqual([])
    expect(leaseTiming({ ttlMs: 600 }).safetyMarginMs).toBe(MIN_SAFETY_MARGIN_MS)
  })

  it("rejects a renewal interval the holder would not live to use", () => {
    expect(timingProblems(leaseTiming({ ttlMs: 300 }))).toEqual([expect.stringContaining("renewIntervalMs (100) must be below")])
    expect(timingProblems(leaseTiming({ ttlMs: 1_000, renewIntervalMs: 900 }))).toHaveLength(1)
    expect(timingProblems(leaseTiming({ ttlMs: -1 }))).toEqual(expect.arrayContaining([expect.stringContaining("ttlMs must be a positive")]))
  })
})

describe("LeaseRecord", () => {
  it("round-trips, and anything else in the key decodes to undefined", () => {
    const r = { owner: "engine-a", ttlMs: 1_000, renewedAt: 1_700_000_000_000, incarnation: "x" }
    expect(decodeRecord(encodeRecord(r))).toEqual(r)
    expect(decodeRecord(JSON.stringify({ owner: "o", ttlMs: 5, renewedAt: 1 }))).toEqual({ owner: "o", ttlMs: 5, renewedAt: 1 })
    for (const junk of ["", "null", "{}", "[1]", "{\"owner\":1,\"ttlMs\":1,\"renewedAt\":1}", "{\"owner\":\"o\",\"ttlMs\":0,\"renewedAt\":1}"]) {
      expect(decodeRecord(junk)).toBeUndefined()
    }
  })

  it("never throws on junk", () => {
    fc.assert(fc.property(fc.string(), (s) => {
      decodeRecord(s)
    }))
  })
})

describe("standby decisions", () => {
  const held = (revision: number, ttlMs = 1_000, owner = "engine-b", incarnation = "i-b"): KeyView =>
    ({ _tag: "Held", revision, record: { owner, ttlMs, renewedAt: 0, incarnation } })

  it("creates when the key is absent or deleted", () => {
    expect(standbyMove({ _tag: "Absent" }, undefined, 0)).toEqual({ _tag: "Create" })
    expect(standbyMove({ _tag: "Deleted", revision: 7 }, undefined, 0)).toEqual({ _tag: "Create" })
  })

  it("takes over only when the revision stayed unchanged for MORE than the TTL on its own clock", () => {
    const s0 = sight(undefined, held(5), 100, me, 1_000)
    expect(standbyMove(held(5), s0, 100)).toEqual({ _tag: "Wait", until: 1_101 })
    const s1 = sight(s0, held(5), 1_100, me, 1_000)
    expect(s1).toBe(s0)
    expect(standbyMove(held(5), s1, 1_100)._tag).toBe("Wait")
    expect(standbyMove(held(5), s1, 1_100.5)).toEqual({ _tag: "TakeOver", revision: 5, via: "takeover" })
    // A new revision restarts the wait.
    const s2 = sight(s1, held(6), 1_200, me, 1_000)
    expect(standbyMove(held(6), s2, 1_300)).toEqual({ _tag: "Wait", until: 2_201 })
  })

  it("uses the longer of the holder's declared TTL and its own", () => {
    const s = sight(undefined, held(1, 5_000), 0, me, 1_000)
    expect(s?.ttlMs).toBe(5_000)
    expect(sight(undefined, { _tag: "Held", revision: 1, record: undefined }, 0, me, 1_000)?.ttlMs).toBe(1_000)
  })

  it("adopts at once a revision written by this very lease object, not by another with the same owner id", () => {
    expect(standbyMove(held(9, 1_000, "engine-a", "i-a"), sight(undefined, held(9, 1_000, "engine-a", "i-a"), 0, me, 1_000), 0))
      .toEqual({ _tag: "TakeOver", revision: 9, via: "adopt" })
    expect(standbyMove(held(9, 1_000, "engine-a", "old"), sight(undefined, held(9, 1_000, "engine-a", "old"), 0, me, 1_000), 0)._tag)
      .toBe("Wait")
  })
})

describe("holder decisions", () => {
  it("owns strictly before sentAt + ttl - margin", () => {
    const h = hold(3, 50, t)
    expect(h.deadline).toBe(50 + 1_000 - 200)
    expect(ownsAt(h, 849.999)).toBe(true)
    expect(ownsAt(h, 850)).toBe(false)
    expect(ownsAt(undefined, 0)).toBe(false)
  })

  it("a success extends from its send time, a failure keeps the deadline and retries, a conflict loses", () => {
    const h = hold(3, 0, t)
    expect(afterRenew(h, 333, { _tag: "Renewed", revision: 4 }, 340, t)).toEqual({ _tag: "Holding", holding: hold(4, 333, t) })
    expect(afterRenew(h, 333, { _tag: "Failed" }, 700, t)).toEqual({ _tag: "Holding", holding: { ...h, renewAt: 783 } })
    expect(afterRenew(h, 333, { _tag: "Failed" }, 800, t)).toEqual({ _tag: "Lost", reason: "deadline" })
    expect(afterRenew(h, 333, { _tag: "Conflict" }, 340, t)).toEqual({ _tag: "Lost", reason: "conflict" })
    // A success that arrives after its own deadline cannot be believed.
    expect(afterRenew(h, 333, { _tag: "Renewed", revision: 4 }, 1_200, t)).toEqual({ _tag: "Lost", reason: "deadline" })
  })

  it("after a conflict, adopts only its own later write and keeps the old deadline", () => {
    const h = hold(3, 0, t)
    const mine: KeyView = { _tag: "Held", revision: 4, record: { owner: "engine-a", ttlMs: 1_000, renewedAt: 0, incarnation: "i-a" } }
    expect(afterConflict(h, mine, me, 500)).toEqual({ _tag: "Holding", holding: { ...h, revision: 4, renewAt: 500 } })
    expect(afterConflict(h, mine, me, 800)).toEqual({ _tag: "Lost", reason: "deadline" })
    expect(afterConflict(h, { ...mine, record: { ...(mine as { record: object }).record, incarnation: "other" } } as KeyView, me, 500))
      .toEqual({ _tag: "Lost", reason: "conflict" })
    expect(afterConflict(h, { _tag: "Deleted", revision: 4 }, me, 500)).toEqual({ _tag: "Lost", reason: "conflict" })
  })

  it("property: whatever the renew outcomes and delays, the holder never believes it owns past lastSuccessfulSend + ttl - margin", () => {
    const outcome = fc.oneof(
      fc.constant<RenewOutcome>({ _tag: "Failed" }),
      fc.constant<RenewOutcome>({ _tag: "Conflict" }),
      fc.constant<RenewOutcome>({ _tag: "Renewed", revision: 0 })
    )
    fc.assert(fc.property(
      fc.record({ ttlMs: fc.integer({ min: 500, max: 20_000 }) }),
      fc.array(fc.record({ idle: fc.double({ min: 0, max: 2_000, noNaN: true }), latency: fc.double({ min: 0, max: 3_000, noNaN: true }), outcome }), { maxLength: 40 }),
      ({ ttlMs }, steps) => {
        const timing = leaseTiming({ ttlMs })
        let now = 0
        let lastSuccessSentAt = 0
        let revision = 1
        let h: Holding | undefined = hold(revision, 0, timing)
        for (const s of steps) {
          if (h === undefined) break
          now += s.idle
          const sentAt = now
          now += s.latency
          const o: RenewOutcome = s.outcome._tag === "Renewed" ? { _tag: "Renewed", revision: ++revision } : s.outcome
          const step: RenewStep = afterRenew(h, sentAt, o, now, timing)
          if (step._tag === "Holding") {
            if (o._tag === "Renewed") lastSuccessSentAt = sentAt
            h = step.holding
            expect(h.deadline).toBeLessThanOrEqual(fenceDeadline(lastSuccessSentAt, timing))
            expect(ownsAt(h, now)).toBe(true)
          } else h = undefined
          // Whatever it decided, at every instant it believes it owns, it is within the bound.
          for (const probe of [now, now + 1, now + timing.ttlMs]) {
            if (ownsAt(h, probe)) expect(probe).toBeLessThan(lastSuccessSentAt + timing.ttlMs - timing.safetyMarginMs)
          }
        }
      }
    ), { numRuns: 500 })
  })
})

// ---------------------------------------------------------------------------------------------
// Simulation: candidates, a KV key with compare-and-set, a lossy slow network, crashes
// ---------------------------------------------------------------------------------------------

interface Net {
  /** Request travel time, or null when lost. */
  readonly there: number | null
  /** Answer travel time, or null when lost. */
  readonly back: number | null
}

interface Scenario {
  readonly ttlMs: number
  readonly candidates: number
  /** Per request, in order of sending, cycled. */
  readonly net: ReadonlyArray<Net>
  /** Candidate index and time at which it stops for good: crashes, or releases (deletes its revision). */
  readonly stops: ReadonlyArray<{ readonly who: number; readonly at: number; readonly graceful: boolean }>
  /** Windows in which everything a candidate sends or receives is lost (a network partition). */
  readonly partitions: ReadonlyArray<{ readonly who: number; readonly from: number; readonly to: number }>
  readonly horizonMs: number
}

interface Server {
  revision: number
  value: { owner: number; incarnation: string; ttlMs: number } | "deleted" | "absent"
}

type Request =
  | { readonly kind: "get" | "conflict-get" }
  | { readonly kind: "create" }
  | { readonly kind: "update"; readonly revision: number; readonly via: "renew" | "takeover" }
  | { readonly kind: "delete"; readonly revision: number }

type Answer = { _tag: "View"; view: KeyView } | { _tag: "Ok"; revision: number } | { _tag: "Conflict" } | { _tag: "Failed" }

/** Runs the scenario; returns every candidate's ownership intervals [from, to). */
const simulate = (sc: Scenario) => {
  const timing = leaseTiming({ ttlMs: sc.ttlMs })
  const server: Server = { revision: 0, value: "absent" }
  const events: Array<{ at: number; seq: number; run: () => void }> = []
  let seq = 0
  const at = (time: number, run: () => void) => {
    events.push({ at: time, seq: seq++, run })
  }
  let netIndex = 0
  const nextNet = (): Net => sc.net[netIndex++ % sc.net.length] ?? { there: 1, back: 1 }

  const viewNow = (): KeyView => {
    if (server.value === "absent") return { _tag: "Absent" }
    if (server.value === "deleted") return { _tag: "Deleted", revision: server.revision }
    const v = server.value
    return { _tag: "Held", revision: server.revision, record: { owner: `c${v.owner}`, ttlMs: v.ttlMs, renewedAt: 0, incarnation: v.incarnation } }
  }
  /** The server's side: compare-and-set on the key's revision, applied when a request arrives. */
  const apply = (who: number, incarnation: string, req: Request): Answer => {
    if (req.kind === "get" || req.kind === "conflict-get") return { _tag: "View", view: viewNow() }
    const free = server.value === "absent" || server.value === "deleted"
    const matches = "revision" in req ? server.value !== "absent" && server.revision === req.revision : free
    if (!matches) return { _tag: "Conflict" }
    server.revision += 1
    server.value = req.kind === "delete" ? "deleted" : { owner: who, incarnation, ttlMs: timing.ttlMs }
    return { _tag: "Ok", revision: server.revision }
  }

  const intervals: Array<Array<[number, number]>> = []
  const candidates = Array.from({ length: sc.candidates }, (_, who) => {
    const self: Self = { owner: `c${who}`, incarnation: `inc-${who}` }
    let holding: Holding | undefined
    let since = 0
    let sighting: Sighting | undefined
    let crashed = false
    const own: Array<[number, number]> = []
    intervals.push(own)
    const setHolding = (now: number, next: Holding | undefined) => {
      if (holding !== undefined) own.push([since, Math.min(now, holding.deadline)])
      holding = next
      since = now
    }
    /** Sends; the server applies it when it arrives; we handle the answer or give up at `limit`. */
    const cut = (time: number) => sc.partitions.some((p) => p.who % sc.candidates === who && p.from <= time && time < p.to)
    const send = (now: number, req: Request, limitMs: number, handle: (now: number, a: Answer) => void) => {
      const drawn = nextNet()
      const net: Net = {
        there: drawn.there === null || cut(now) ? null : drawn.there,
        back: drawn.back === null || cut(now + (drawn.there ?? 0) + drawn.back) ? null : drawn.back
      }
      const limit = now + Math.max(1, limitMs)
      let answer: Answer | undefined
      let answerAt = Infinity
      if (net.there !== null) {
        const there = net.there
        at(now + there, () => {
          answer = apply(who, self.incarnation, req)
          if (net.back !== null) answerAt = now + there + net.back
          if (answerAt <= limit) at(answerAt, () => !crashed && handle(answerAt, answer ?? { _tag: "Failed" }))
        })
      }
      at(limit, () => {
        if (!crashed && !(answerAt <= limit)) handle(limit, { _tag: "Failed" })
      })
    }
    const act = (now: number): void => {
      if (crashed) return
      const h = holding
      if (h !== undefined) {
        if (now >= h.deadline) {
          setHolding(now, undefined)
          return act(now)
        }
        if (now < h.renewAt) return at(Math.min(h.renewAt, h.deadline), () => act(Math.min(h.renewAt, h.deadline)))
        const sentAt = now
        return send(now, { kind: "update", revision: h.revision, via: "renew" }, Math.min(timing.requestTimeoutMs, h.deadline - now), (t1, a) => {
          if (a._tag === "Conflict") {
            return send(t1, { kind: "conflict-get" }, Math.min(timing.requestTimeoutMs, h.deadline - t1), (t2, g) => {
              const step = g._tag === "View" ? afterConflict(h, g.view, self, t2) : { _tag: "Lost" as const }
              setHolding(t2, step._tag === "Holding" ? step.holding : undefined)
              act(t2)
            })
          }
          const outcome: RenewOutcome = a._tag === "Ok" ? { _tag: "Renewed", revision: a.revision } : { _tag: "Failed" }
          const step = afterRenew(h, sentAt, outcome, t1, timing)
          if (step._tag === "Holding") {
            if (outcome._tag === "Renewed") setHolding(t1, step.holding)
            else holding = step.holding // same ownership, later retry
          } else setHolding(t1, undefined)
          act(t1)
        })
      }
      send(now, { kind: "get" }, timing.requestTimeoutMs, (t1, a) => {
        if (a._tag !== "View") return at(t1 + timing.pollIntervalMs, () => act(t1 + timing.pollIntervalMs))
        sighting = sight(sighting, a.view, t1, self, timing.ttlMs)
        const move = standbyMove(a.view, sighting, t1)
        if (move._tag === "Wait") {
          const next = Math.min(move.until, t1 + timing.pollIntervalMs)
          return at(next, () => act(next))
        }
        const sentAt = t1
        const req: Request = move._tag === "Create" ? { kind: "create" } : { kind: "update", revision: move.revision, via: "takeover" }
        send(t1, req, timing.requestTimeoutMs, (t2, w) => {
          sighting = undefined
          if (w._tag === "Ok") {
            const next = hold(w.revision, sentAt, timing)
            if (ownsAt(next, t2)) setHolding(t2, next)
            return act(t2)
          }
          const wait = w._tag === "Conflict" ? 1 : timing.pollIntervalMs
          at(t2 + wait, () => act(t2 + wait))
        })
      })
    }
    return {
      start: (now: number) => act(now),
      stop: (now: number, graceful: boolean) => {
        if (crashed) return
        const h = holding
        setHolding(now, undefined) // it stops believing first, then (graceful) deletes
        if (graceful && h !== undefined) send(now, { kind: "delete", revision: h.revision }, timing.requestTimeoutMs, () => undefined)
        crashed = true
      },
      finish: (now: number) => setHolding(now, undefined)
    }
  })

  candidates.forEach((c, i) => at(i * 7, () => c.start(i * 7)))
  for (const { who, at: when, graceful } of sc.stops) at(when, () => candidates[who % candidates.length]?.stop(when, graceful))
  let steps = 0
  while (events.length > 0 && steps++ < 200_000) {
    events.sort((a, b) => a.at - b.at || a.seq - b.seq)
    const e = events.shift()
    if (e === undefined || e.at > sc.horizonMs) break
    e.run()
  }
  for (const c of candidates) c.finish(sc.horizonMs)
  return intervals
}

const overlaps = (intervals: Array<Array<[number, number]>>) => {
  const all = intervals.flatMap((list, who) => list.filter(([a, b]) => b > a).map(([a, b]) => ({ who, a, b })))
  const found: Array<string> = []
  for (const x of all) {
    for (const y of all) {
      if (x.who < y.who && x.a < y.b && y.a < x.b) found.push(`c${x.who} [${x.a}, ${x.b}) overlaps c${y.who} [${y.a}, ${y.b})`)
    }
  }
  return found
}

describe("simulated candidates on a lossy network", () => {
  // Mostly a fast LAN, sometimes very slow, sometimes lost.
  const delay = fc.option(fc.oneof({ arbitrary: fc.integer({ min: 0, max: 5 }), weight: 6 }, { arbitrary: fc.integer({ min: 0, max: 900 }), weight: 3 }), { freq: 10, nil: null })
  const net = fc.record({ there: delay, back: delay })
  const scenario = fc.record({
    ttlMs: fc.integer({ min: 600, max: 3_000 }),
    candidates: fc.integer({ min: 2, max: 4 }),
    net: fc.array(net, { minLength: 1, maxLength: 60 }),
    stops: fc.array(fc.record({ who: fc.nat(3), at: fc.integer({ min: 0, max: 20_000 }), graceful: fc.boolean() }), { maxLength: 2 }),
    partitions: fc.array(
      fc.record({ who: fc.nat(3), from: fc.integer({ min: 0, max: 20_000 }), length: fc.integer({ min: 100, max: 5_000 }) })
        .map(({ who, from, length }) => ({ who, from, to: from + length })),
      { maxLength: 3 }
    ),
    horizonMs: fc.constant(25_000)
  })

  it("property: no two candidates ever believe they own the lease at the same instant", () => {
    fc.assert(fc.property(scenario, (sc) => {
      expect(overlaps(simulate(sc))).toEqual([])
    }), { numRuns: 300 })
  })

  it("on a healthy network someone owns, and after the owner crashes another takes over within ~2 TTL", () => {
    const intervals = simulate({ ttlMs: 1_000, candidates: 3, net: [{ there: 2, back: 3 }], stops: [{ who: 0, at: 5_000, graceful: false }], partitions: [], horizonMs: 12_000 })
    expect(overlaps(intervals)).toEqual([])
    const owned = intervals.flat().filter(([a, b]) => b > a)
    expect(owned.length).toBeGreaterThan(0)
    const firstOwner = intervals.findIndex((list) => list.some(([a]) => a < 100))
    expect(firstOwner).toBe(0)
    const after = intervals.flatMap((list, who) => who === 0 ? [] : list.map(([a]) => a)).filter((a) => a >= 5_000)
    expect(Math.min(...after)).toBeLessThan(5_000 + 2 * 1_000 + 400)
  })
})
