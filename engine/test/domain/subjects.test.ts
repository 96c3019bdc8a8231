import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { consumerName, jsApi, kvKeys, kvStream, kvSubjects, marketOfSubject, streamSubjects, subjects } from "../../src/domain/subjects.ts"

describe("subjects", () => {
  it("builds the wire contract's subjects and keys", () => {
    expect(subjects.orderRequested("sf")).toBe("dispatch.sf.order.requested")
    expect(subjects.orderDecision("sf", "o-1")).toBe("dispatch.sf.decision.by0x")
    expect(subjects.regionRpcAll("us-west")).toBe("dispatch.rpc.us-west.*")
    expect(kvKeys.ride("o-1")).toBe("by0x")
    expect(subjects.marketOrders("sf")).toBe("dispatch.sf.order.>")
    expect(subjects.deadLetter("sf")).toBe("dispatch.dlq.sf")
    expect(subjects.regionRpc("us-west", "rides")).toBe("dispatch.rpc.us-west.rides")
    expect(kvKeys.driver("sf", "d-1")).toBe("sf.d-1")
    expect(kvKeys.weights("us-west")).toBe("weights.us-west")
    expect(consumerName("sf")).toBe("engine-sf")
    expect(kvStream("drivers")).toBe("KV_drivers")
    expect(kvSubjects("dispatch_config")).toBe("$KV.dispatch_config.>")
    expect(jsApi.readStream("KV_drivers")).toContain("$JS.API.DIRECT.GET.KV_drivers.>")
    expect(() => kvSubjects("a.>")).toThrow(/invalid bucket/)
  })

  it("refuses any value that could add a subject level or a wildcard", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }).filter((s) => /[^A-Za-z0-9_-]/.test(s)), (bad) => {
        expect(() => subjects.orderRequested(bad)).toThrow(/invalid market/)
        expect(() => kvKeys.driver("sf", bad)).toThrow(/invalid driver id/)
        expect(() => subjects.regionRpc(bad, "rides")).toThrow(/invalid region/)
      }),
      { numRuns: 1_000 }
    )
  })

  it("turns any order id into one distinct subject token", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 128, unit: "grapheme" }), fc.string({ minLength: 1, maxLength: 128, unit: "grapheme" }), (a, b) => {
        const subject = subjects.orderDecision("sf", a)
        expect(subject.split(".")).toHaveLength(4)
        expect(subject.split(".")[3]).toMatch(/^[A-Za-z0-9_-]+$/)
        if (a !== b) expect(subjects.orderDecision("sf", b)).not.toBe(subject)
      }),
      { numRuns: 1_000 }
    )
  })

  it("maps a subject back to its market", () => {
    expect(marketOfSubject(subjects.orderCancelled("sf"))).toBe("sf")
    expect(marketOfSubject(subjects.orderDecision("sf", "a.b>*"))).toBe("sf")
    expect(marketOfSubject(subjects.deadLetter("nyc"))).toBe("nyc")
    expect(marketOfSubject("dispatch.rpc.us-west.rides")).toBeUndefined()
    expect(marketOfSubject("other.sf.order.requested")).toBeUndefined()
  })

  it("keeps stream subject filters disjoint (JetStream refuses overlapping streams)", () => {
    const all = Object.values(streamSubjects).flat()
    expect(new Set(all).size).toBe(all.length)
    // Every subject a consumer filters on lies inside exactly one stream subject.
    const covers = (filter: string, subject: string) =>
      new RegExp(`^${filter.replace(/\./g, "\\.").replace(/\*/g, "[^.]+").replace(/>$/, ".+")}$`).test(subject)
    for (const subject of [subjects.orderRequested("sf"), subjects.orderCancelled("sf"), subjects.marketOrders("sf")]) {
      expect(all.filter((f) => covers(f, subject))).toEqual(["dispatch.*.order.>"])
    }
    for (const subject of [subjects.orderDecision("sf", "o.1"), subjects.orderDecision("sf", "*"), subjects.marketDecisions("sf")]) {
      expect(all.filter((f) => covers(f, subject))).toEqual(["dispatch.*.decision.>"])
    }
  })
})
