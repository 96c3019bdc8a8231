/**
 * `dispatch engine` as a child process for other parts' integration tests (the simulator's
 * live mode, the gateway's traces and failover): started as an operator starts it, supervised
 * (engine/src/process), ready once it logs `partition consuming` (it owns its market and
 * pulls). Its stderr is copied to the test's, as a terminal would show it.
 * engine/test/e2e/engine-process.ts is the engine's own, fuller harness (logs, crashes, metrics).
 */
import { fileURLToPath } from "node:url"
import { RunningChild } from "../process/running-child.ts"

const DISPATCH = fileURLToPath(new URL("../main/dispatch.ts", import.meta.url))
const READY_TIMEOUT_MS = 60_000

export interface EngineChild {
  /** SIGTERM (SIGKILL after a grace period) and wait until it is gone. */
  readonly stop: () => Promise<void>
}

export const startEngineChild = async (natsUrl: string, options: { readonly args?: ReadonlyArray<string>; readonly env?: Readonly<Record<string, string>> } = {}): Promise<EngineChild> => {
  const child = await RunningChild.start({
    name: "dispatch engine",
    command: process.execPath,
    args: [DISPATCH, "engine", "--nats", natsUrl, "--http-port", "0", "--log-format", "json", ...(options.args ?? [])],
    ...(options.env === undefined ? {} : { env: options.env }),
    onLine: (line, from) => {
      if (from === "stderr") process.stderr.write(`${line}\n`)
    },
    ready: { what: "a `partition consuming` log line", timeoutMs: READY_TIMEOUT_MS, line: (line) => line.includes("partition consuming") }
  })
  return { stop: async () => void (await child.stop()) }
}
