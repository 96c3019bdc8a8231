/**
 * NATS mode = in-process mode: the same scenario through a real `dispatch engine --clock sim`
 * over a real nats-server gives the same decisions (order -> outcome, driver, reason, time)
 * and byte-identical KPI files.
 */
import { describeWithNats } from "#engine/testing"
import type { PolicyName } from "#engine"
import { Effect } from "effect"
import { expect, it } from "vitest"
import type { SimEvent } from "../../src/events/sim-events.ts"
import { NatsDispatchPort } from "../../src/transport/nats-port.ts"
import { runRecorded } from "../runner/scenario.ts"

const TRIPS = 200
const DRIVERS = 40

const decisionsOf = (events: ReadonlyArray<SimEvent>) => {
  const out = new Map<string, string>()
  for (const e of events) {
    if (e.type !== "decision") continue
    const d = e.decision
    out.set(d.orderId, d.type === "order.matched" ? `matched ${d.driverId} at ${d.decidedAt} eta ${d.etaSeconds}` : `unmatched ${d.reason} at ${d.decidedAt}`)
  }
  return out
}

describeWithNats("NATS mode", () => {
  for (const policy of ["greedy", "batch"] as const satisfies ReadonlyArray<PolicyName>) {
    it(`gives the in-process decisions and KPIs (${policy})`, async () => {
      const inProcess = await Effect.runPromise(runRecorded(TRIPS, policy, { drivers: DRIVERS }))
      let transport = ""
      const overNats = await Effect.runPromise(runRecorded(TRIPS, policy, {
        drivers: DRIVERS,
        openPort: (start) => {
          const port = NatsDispatchPort.open({
            natsUrl: undefined,
            market: "sf",
            engineArgs: ["--policy", policy, "--batch-window-ms", String(inProcess.settings.dispatch.batchWindowMs)],
            start
          })
          transport = port.transport
          return port
        }
      }))
      expect(transport).toMatch(/^NATS \(private nats-server nats:\/\/127\.0\.0\.1:\d+; dispatch engine --clock sim/)
      const expected = decisionsOf(inProcess.events)
      expect(expected.size).toBeGreaterThanOrEqual(TRIPS)
      expect(Object.fromEntries(decisionsOf(overNats.events))).toEqual(Object.fromEntries(expected))
      expect(JSON.stringify(overNats.kpis)).toEqual(JSON.stringify(inProcess.kpis))
    }, 120_000)
  }
})
