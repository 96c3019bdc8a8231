/**
 * A `dispatch <command>` child process, spawned as an operator runs it, whose /metrics the
 * dashboard tests scrape. Any part (engine, api, simulator) is started the same way: a command
 * line with a metrics port, then a wait until that port serves /metrics. A part that exits
 * first (a command not built yet, a bad flag) is reported with its output.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"
import { spawnWatchdog } from "#engine/testing"

/** The repository root (this file is dashboards/test/support/dispatch-process.ts). */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url))
/** Node 24 from the `node` devDependency: the system node may be older. */
const NODE_BIN = `${REPO_ROOT}node_modules/.bin/node`
const DISPATCH = `${REPO_ROOT}engine/src/main/dispatch.ts`
const STOP_TIMEOUT_MS = 10_000
const POLL_MS = 100

const live = new Set<DispatchProcess>()
process.once("exit", () => {
  for (const p of live) p.killNow()
})

export class DispatchProcess {
  readonly name: string
  readonly exited: Promise<void>
  readonly #child: ChildProcess
  readonly #watchdog: ChildProcess | undefined
  #output = ""

  private constructor(name: string, child: ChildProcess) {
    this.name = name
    this.#child = child
    this.#watchdog = spawnWatchdog(child.pid)
    const keep = (chunk: Buffer) => {
      // The tail is what explains a failure; cap memory on chatty runs.
      this.#output = (this.#output + chunk.toString()).slice(-16_000)
    }
    child.stdout?.on("data", keep)
    child.stderr?.on("data", keep)
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()))
    void this.exited.then(() => {
      live.delete(this)
      this.#watchdog?.kill("SIGKILL")
    })
  }

  /** Spawns `dispatch ...args`. */
  static spawn(name: string, args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}): DispatchProcess {
    const child = spawn(NODE_BIN, [DISPATCH, ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } })
    const p = new DispatchProcess(name, child)
    live.add(p)
    return p
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** The last output lines, for failure messages. */
  tail(lines = 25): string {
    return this.#output.trimEnd().split("\n").slice(-lines).join("\n")
  }

  /**
   * Waits until `url` answers 200 (e.g. /metrics or /readyz); rejects with the process's
   * output if it exits first or the time runs out.
   */
  async waitFor(url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited (code ${this.#child.exitCode}) before ${url} answered; its output:\n${this.tail()}`)
      try {
        if ((await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok) return
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
    throw new Error(`${this.name}: ${url} did not answer 200 within ${timeoutMs} ms; its output:\n${this.tail()}`)
  }

  /** SIGTERM, then SIGKILL after a timeout; resolves once the process is gone. */
  async stop(): Promise<void> {
    if (this.running) this.#child.kill("SIGTERM")
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), STOP_TIMEOUT_MS)
    await this.exited
    clearTimeout(timer)
  }

  /** Synchronous last-resort kill for the exit hook. */
  killNow(): void {
    if (this.running) this.#child.kill("SIGKILL")
    this.#watchdog?.kill("SIGKILL")
  }
}
