/**
 * A child process the local stack owns: spawned with its output going to a log file, tied to
 * this process by a watchdog (a crashed stack leaves no orphan holding a port), waited on until
 * an HTTP endpoint answers, and stopped with SIGTERM, then SIGKILL after a grace period.
 */
import { spawnWatchdog } from "#engine"
import { spawn, type ChildProcess } from "node:child_process"
import { createWriteStream, type WriteStream } from "node:fs"

const STOP_GRACE_MS = 10_000
const POLL_MS = 200

const live = new Set<ManagedProcess>()
process.once("exit", () => {
  for (const p of live) p.killNow()
})

export interface ManagedProcessOptions {
  readonly name: string
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string
  /** Where stdout and stderr go (appended). */
  readonly logFile: string
  readonly env?: Readonly<Record<string, string>>
}

export class ManagedProcess {
  readonly name: string
  readonly logFile: string
  readonly exited: Promise<number | null>
  readonly #child: ChildProcess
  readonly #watchdog: ChildProcess | undefined
  readonly #log: WriteStream
  #tail = ""

  private constructor(options: ManagedProcessOptions) {
    this.name = options.name
    this.logFile = options.logFile
    this.#log = createWriteStream(options.logFile, { flags: "a" })
    this.#child = spawn(options.command, [...options.args], { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...options.env } })
    this.#watchdog = spawnWatchdog(this.#child.pid)
    const keep = (chunk: Buffer) => {
      this.#log.write(chunk)
      this.#tail = (this.#tail + chunk.toString()).slice(-8_000)
    }
    this.#child.stdout!.on("data", keep)
    this.#child.stderr!.on("data", keep)
    this.exited = new Promise((resolve) => {
      this.#child.once("error", (e) => {
        keep(Buffer.from(`cannot start ${options.command}: ${e.message}\n`))
        resolve(null)
      })
      // "close", not "exit": output can still be in the pipes when the process has exited.
      this.#child.once("close", (code) => resolve(code))
    })
    void this.exited.then(() => {
      live.delete(this)
      this.#watchdog?.kill("SIGKILL")
      this.#log.end()
    })
  }

  static start(options: ManagedProcessOptions): ManagedProcess {
    const p = new ManagedProcess(options)
    live.add(p)
    return p
  }

  get pid(): number | undefined {
    return this.#child.pid
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null && this.#child.pid !== undefined
  }

  /** The last lines of its output, for error messages. */
  tail(lines = 20): string {
    return this.#tail.trimEnd().split("\n").slice(-lines).join("\n")
  }

  /** Resolves once `url` answers 2xx; rejects with the output's tail if the process exits first or time runs out. */
  async waitFor(url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited before ${url} answered (log ${this.logFile}):\n${this.tail()}`)
      try {
        if ((await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok) return
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
    throw new Error(`${this.name}: ${url} did not answer within ${timeoutMs / 1000} s (log ${this.logFile}):\n${this.tail()}`)
  }

  /** SIGTERM, SIGKILL after the grace period; resolves with the exit code once it is gone. */
  async stop(): Promise<number | null> {
    if (this.running) this.#child.kill("SIGTERM")
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), STOP_GRACE_MS)
    const code = await this.exited
    clearTimeout(timer)
    return code
  }

  /** Synchronous last-resort kill for the exit hook. */
  killNow(): void {
    if (this.running) this.#child.kill("SIGKILL")
    this.#watchdog?.kill("SIGKILL")
  }
}
