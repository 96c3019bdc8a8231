/**
 * The order lifecycle against a model, on random interleavings of requests (with
 * redeliveries), cancellations (also before the request) and decisions: at most one terminal
 * outcome is ever emitted per order, a cancellation before the decision wins, later ones are
 * no-ops, duplicates return the decision that stands, and closing every open order leaves each
 * order with exactly one outcome.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { OrderLifecycle } from "../../src/matching/lifecycle.ts"
import { type Decision, type UnmatchedReason, unmatched } from "../../src/matching/types.ts"

const orderId = fc.nat({ max: 5 }).map((n) => `o${n}`)

type Event =
  | { readonly kind: "request"; readonly orderId: string }
  | { readonly kind: "cancel"; readonly orderId: string }
  | { readonly kind: "match"; readonly orderId: string; readonly driverId: string }
  | { readonly kind: "unmatched"; readonly orderId: string; readonly reason: Exclude<UnmatchedReason, "cancelled"> }

const event: fc.Arbitrary<Event> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("request" as const), orderId }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), orderId }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("match" as const), orderId, driverId: fc.constantFrom("a", "b") }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("unmatched" as const), orderId, reason: fc.constantFrom("expired" as const, "no_supply" as const, "overloaded" as const) }) }
)

const order = (id: string, at: number) => ({ orderId: id, pickup: { lat: 37.77, lng: -122.42 }, requestedAt: at, maxWaitMs: 60_000 })

describe("OrderLifecycle", () => {
  it("emits at most one outcome per order, whatever the interleaving, and exactly one once open orders are closed", () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60, size: "max" }), (events) => {
        const lifecycle = new OrderLifecycle()
        const model = new Map<string, "open" | Decision>()
        const emitted = new Map<string, Array<Decision>>()
        const emit = (d: Decision) => emitted.set(d.orderId, [...(emitted.get(d.orderId) ?? []), d])
        events.forEach((e, t) => {
          const state = model.get(e.orderId)
          switch (e.kind) {
            case "request": {
              const outcome = lifecycle.request(order(e.orderId, t))
              if (state === undefined) {
                expect(outcome).toEqual({ _tag: "Accepted" })
                model.set(e.orderId, "open")
              } else if (state === "open") expect(outcome).toEqual({ _tag: "Pending" })
              else expect(outcome).toEqual({ _tag: "AlreadyDecided", decision: state })
              break
            }
            case "cancel": {
              const outcome = lifecycle.cancel(e.orderId, t)
              if (state === undefined || state === "open") {
                expect(outcome).toEqual({ _tag: "Cancelled", decision: unmatched(e.orderId, "cancelled", t) })
                model.set(e.orderId, unmatched(e.orderId, "cancelled", t))
                emit(unmatched(e.orderId, "cancelled", t))
              } else expect(outcome).toEqual({ _tag: "AlreadyDecided", decision: state })
              break
            }
            case "match":
            case "unmatched": {
              const decision: Decision = e.kind === "match"
                ? { _tag: "Matched", orderId: e.orderId, driverId: e.driverId, etaSeconds: 60, distanceMeters: 400, policy: "greedy", decidedAt: t }
                : unmatched(e.orderId, e.reason, t)
              const outcome = lifecycle.decide(decision)
              if (state === undefined) expect(outcome).toEqual({ _tag: "Unknown" })
              else if (state === "open") {
                expect(outcome).toEqual({ _tag: "Recorded", decision })
                model.set(e.orderId, decision)
                emit(decision)
              } else expect(outcome).toEqual({ _tag: "AlreadyDecided", decision: state })
            }
          }
          expect(lifecycle.openCount).toBe([...model.values()].filter((s) => s === "open").length)
          for (const list of emitted.values()) expect(list).toHaveLength(1)
        })
        // Close what is still open, as a final expiry would.
        for (const [id, state] of model) {
          if (state === "open") {
            const outcome = lifecycle.decide(unmatched(id, "expired", 1000))
            expect(outcome._tag).toBe("Recorded")
            emit(unmatched(id, "expired", 1000))
          }
        }
        expect(lifecycle.openCount).toBe(0)
        expect([...emitted.keys()].sort()).toEqual([...model.keys()].sort())
        for (const list of emitted.values()) expect(list).toHaveLength(1)
      }),
      { numRuns: 1000 }
    )
  })

  it("a cancellation that arrives before its request wins; a late request cannot be matched", () => {
    const lifecycle = new OrderLifecycle()
    expect(lifecycle.cancel("o", 5)._tag).toBe("Cancelled")
    expect(lifecycle.request(order("o", 6))).toEqual({ _tag: "AlreadyDecided", decision: unmatched("o", "cancelled", 5) })
    expect(lifecycle.isOpen("o")).toBe(false)
    expect(lifecycle.decide({ _tag: "Matched", orderId: "o", driverId: "a", etaSeconds: 1, distanceMeters: 1, policy: "batch", decidedAt: 7 })._tag).toBe("AlreadyDecided")
  })

  it("remembers every decision exactly until forgotten, across growth and compaction of its columns", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ forget: fc.boolean(), count: fc.integer({ min: 0, max: 900 }), matched: fc.boolean(), eta: fc.double({ min: 0, max: 2_000, noNaN: true }) }), { maxLength: 12 }),
        (steps) => {
          const lifecycle = new OrderLifecycle()
          const model = new Map<string, Decision>()
          let t = 0, n = 0
          for (const step of steps) {
            if (step.forget) {
              const before = t - step.count
              const expected = [...model.values()].filter((d) => d.decidedAt < before).length
              expect(lifecycle.forget(before)).toBe(expected)
              for (const [id, d] of model) if (d.decidedAt < before) model.delete(id)
              continue
            }
            for (let i = 0; i < step.count; i++, n++, t++) {
              const id = `o${n}`
              const decision: Decision = step.matched && i % 3 !== 0
                ? { _tag: "Matched", orderId: id, driverId: `d${i}`, etaSeconds: step.eta + i / 7, distanceMeters: i * 1.5, policy: i % 2 ? "greedy" : "batch", decidedAt: t }
                : unmatched(id, (["expired", "no_supply", "overloaded"] as const)[i % 3]!, t)
              if (i % 5 === 4) {
                expect(lifecycle.cancel(id, t)).toEqual({ _tag: "Cancelled", decision: unmatched(id, "cancelled", t) })
                model.set(id, unmatched(id, "cancelled", t))
              } else {
                lifecycle.request(order(id, t))
                expect(lifecycle.decide(decision)._tag).toBe("Recorded")
                model.set(id, decision)
              }
            }
          }
          expect(lifecycle.size).toBe(model.size)
          for (const [id, d] of model) expect(lifecycle.get(id)).toEqual({ _tag: "Decided", decision: d })
          for (let i = 0; i < n; i++) if (!model.has(`o${i}`)) expect(lifecycle.get(`o${i}`)).toBeUndefined()
        }
      ),
      { numRuns: 200 }
    )
  })

  it("forgets decisions older than the horizon, never open orders", () => {
    const lifecycle = new OrderLifecycle()
    lifecycle.request(order("old", 0))
    lifecycle.decide(unmatched("old", "no_supply", 10))
    lifecycle.request(order("new", 0))
    lifecycle.decide(unmatched("new", "no_supply", 30))
    lifecycle.request(order("open", 0))
    expect(lifecycle.forget(20)).toBe(1)
    expect(lifecycle.get("old")).toBeUndefined()
    expect(lifecycle.size).toBe(2)
    expect(lifecycle.forget(1_000_000)).toBe(1)
    expect(lifecycle.isOpen("open")).toBe(true)
  })
})
