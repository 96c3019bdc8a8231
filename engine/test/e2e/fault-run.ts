/**
 * One fault run, shared by the single-server fault tests (faults.test.ts) and the cluster's
 * (cluster-faults.test.ts): every decision watched live (to trigger a fault and time what
 * follows it), orders streamed at a steady rate then in a burst, and the audit at the end:
 * every order decided exactly once in RESULTS, no driver in two matches, one printed line.
 */
import { expect } from "vitest"
import { subjects } from "../../src/domain/subjects.ts"
import { audit, newTraceparent, orderRequested, pointIn, sleep, summary, type TestClient } from "./client.ts"
import { type EngineProcess, metricValue } from "./engine-process.ts"

export interface DecisionWatch {
  /** When each decision was seen (epoch ms), in order. */
  readonly seen: Array<number>
  /** Copies per decision subject (one per order): what a live subscriber must expect (docs/wire-contract.md, "Live decisions"). */
  readonly copies: Map<string, number>
}

/** Every SF decision as it is published (core subscription). */
export const watchDecisions = (client: TestClient): DecisionWatch => {
  const watch: DecisionWatch = { seen: [], copies: new Map() }
  client.nc.subscribe(subjects.marketDecisions("sf"), {
    callback: (_e, m) => {
      watch.seen.push(Date.now())
      watch.copies.set(m.subject, (watch.copies.get(m.subject) ?? 0) + 1)
    }
  })
  return watch
}

export interface OrderShape {
  /** Orders published at `rate` per second... */
  readonly steady: number
  readonly rate: number
  /** ...then this many as fast as the client can. */
  readonly burst: number
  /** The steady part goes on past `steady` until this settles (a fault that takes a while), at most `max` orders in all. */
  readonly until?: Promise<unknown>
  readonly max?: number
}

/** Publishes the steady part, then the burst; `done` resolves when every order is stored. */
export const streamOrders = (c: TestClient, random: () => number, prefix: string, shape: OrderShape) => {
  const traceIds = new Map<string, string>()
  let settled = shape.until === undefined
  void shape.until?.finally(() => (settled = true))
  const make = (i: number) => {
    const orderId = `${prefix}-${i}`
    const { traceId, traceparent } = newTraceparent()
    traceIds.set(orderId, traceId)
    return { order: orderRequested(orderId, Date.now(), pointIn(random)), traceparent }
  }
  const group = 20
  const max = shape.max ?? Number.POSITIVE_INFINITY
  const done = (async () => {
    const started = performance.now()
    let i = 0
    for (; (i < shape.steady || !settled) && i + group + shape.burst <= max; i += group) {
      await c.publishOrders(Array.from({ length: group }, (_, k) => make(i + k)))
      const due = ((i + group) / shape.rate) * 1000 - (performance.now() - started)
      if (due > 0) await sleep(due)
    }
    await c.publishOrders(Array.from({ length: shape.burst }, (_, k) => make(i + k)))
  })()
  return { traceIds, done }
}

export const extraCopies = (copies: ReadonlyMap<string, number>) => [...copies.values()].reduce((n, c) => n + c - 1, 0)

/** The first decision seen at or after `t` (epoch ms); NaN if none. */
export const firstAfter = (seen: ReadonlyArray<number>, t: number) => seen.find((x) => x >= t) ?? Number.NaN

/**
 * The longest time without a decision from `from` to `to` (epoch ms; default the last
 * decision seen): how long a fault held matching up.
 */
export const stallAfter = (seen: ReadonlyArray<number>, from: number, to = Number.POSITIVE_INFINITY) => {
  let longest = 0
  let previous = from
  for (const t of seen) {
    if (t < from) continue
    if (t > to) break
    longest = Math.max(longest, t - previous)
    previous = t
  }
  return Number.isFinite(to) ? Math.max(longest, to - previous) : longest
}

/** Resolves once `count` decisions have been seen live. */
export const decisionsSeen = async (seen: ReadonlyArray<number>, count: number, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs
  while (seen.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${seen.length} decisions seen, waiting for ${count}`)
    await sleep(1)
  }
}

/**
 * Waits for the decisions, audits them, prints the line (`extra` is read after the wait) and
 * asserts: nothing lost, nothing twice, no driver twice, every order matched (the runs have
 * more drivers than orders, all within reach).
 */
export const checkRun = async (
  label: string,
  c: TestClient,
  traceIds: ReadonlyMap<string, string>,
  extra: () => Record<string, string | number>,
  engines: ReadonlyArray<EngineProcess>,
  /** How long every order may take to be decided after the run (ms). */
  decideTimeoutMs = 60_000
) => {
  const ids = [...traceIds.keys()]
  const records = await c.awaitDecisions(ids, decideTimeoutMs)
  const a = audit(ids, records, traceIds)
  let redeliveries = 0
  let duplicateDecisions = 0
  for (const e of engines.filter((x) => x.running)) {
    const text = await e.metricsText()
    redeliveries += metricValue(text, "dispatch_redeliveries_total") ?? 0
    duplicateDecisions += metricValue(text, "dispatch_duplicate_decisions_total") ?? 0
  }
  console.log(summary(label, a, { ...extra(), engineRedeliveries: redeliveries, engineDuplicatesSuppressed: duplicateDecisions, clientRetries: c.stats.retries, traceMismatches: a.traceMismatches }))
  expect(a.lost).toBe(0)
  expect(a.duplicates).toBe(0)
  expect(a.doubleAssigned).toBe(0)
  expect(a.decisions).toBe(ids.length)
  expect(a.matched).toBe(ids.length)
  expect(a.traceMismatches).toBe(0)
  expect(a.wrongSubject).toBe(0)
  return a
}
