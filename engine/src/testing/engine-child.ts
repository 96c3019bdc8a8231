/**
 * `dispatch engine` as a child process for other parts' integration tests (the simulator's
 * live mode, the gateway's traces): started as an operator starts it, tied to the test process
 * by a watchdog, ready once it logs `partition consuming` (it owns its market and pulls).
 * engine/test/e2e/engine-process.ts is the engine's own, fuller harness (logs, crashes, metrics).
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { spawnWatchdog } from "../transport/child-watchdog.ts"

const DISPATCH = fileURLToPath(new URL("../main/dispatch.ts", import.meta.url))
const READY_TIMEOUT_MS = 60_000

export interface EngineChild {
  /** SIGTERM and wait for the exit. */
  readonly stop: () => Promise<void>
}

export const startEngineChild = async (natsUrl: string, options: { readonly args?: ReadonlyArray<string>; readonly env?: Readonly<Record<string, string>> } = {}): Promise<EngineChild> => {
  const child = spawn(process.execPath, [DISPATCH, "engine", "--nats", natsUrl, "--http-port", "0", "--log-format", "json", ...(options.args ?? [])], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ...options.env }
  })
  const watchdog = spawnWatchdog(child.pid)
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  void exited.then(() => watchdog?.kill("SIGKILL"))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
    await exited
  }
  try {
    await new Promise<void>((resolve, reject) => {
      let out = ""
      const timer = setTimeout(() => reject(new Error(`dispatch engine not consuming within ${READY_TIMEOUT_MS / 1000} s: ${out.slice(-2_000)}`)), READY_TIMEOUT_MS)
      child.stdout!.on("data", (chunk: Buffer) => {
        out = (out + chunk.toString()).slice(-16_000)
        if (out.includes("partition consuming")) {
          clearTimeout(timer)
          resolve()
        }
      })
      void exited.then(() => reject(new Error(`dispatch engine exited (${child.exitCode}): ${out.slice(-2_000)}`)))
    })
  } catch (e) {
    await stop()
    throw e
  }
  return { stop }
}
