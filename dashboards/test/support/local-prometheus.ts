/**
 * A private Prometheus for tests, as LocalNatsServer is for NATS: `prometheus` on a free
 * loopback port (supervised by #engine's `RunningChild`), its config and TSDB in a new temp
 * dir, always stopped and removed; plus
 * `promtool`. Suites use `describeWithPrometheus`: skipped with a loud notice when the binaries
 * are missing, a failure under `CI=true`.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe } from "vitest"
import { stringify } from "yaml"
import { answersOk, RunningChild } from "#engine"
import { findBinary, PROMETHEUS_INSTALL_HINT as INSTALL_HINT } from "../../src/stack/binaries.ts"

/** How long a Prometheus may take to answer /-/ready (ms): it replays an empty WAL, so little. */
const READY_TIMEOUT_MS = 20_000

const prometheusBin = findBinary("prometheus")
const promtoolBin = findBinary("promtool")
const inCi = process.env["CI"] === "true" || process.env["CI"] === "1"

if (prometheusBin === undefined || promtoolBin === undefined) {
  const message = `prometheus/promtool not found (PROMETHEUS_BIN, PROMTOOL_BIN, PATH, /usr/bin): ${INSTALL_HINT}`
  if (inCi) throw new Error(`CI=true and ${message}; integration tests must not skip in CI`)
  console.warn(`\n!!! PROMETHEUS TESTS SKIPPED: ${message} !!!\n`)
}

/** `describe` for suites that need prometheus and promtool: skipped (with the notice above) without them. */
export const describeWithPrometheus: typeof describe =
  prometheusBin === undefined || promtoolBin === undefined ? (describe.skip as typeof describe) : describe

export interface ToolResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs promtool with `args` (and `stdin`, e.g. an exposition for `check metrics`). */
export const promtool = (args: ReadonlyArray<string>, options: { readonly stdin?: string; readonly cwd?: string } = {}): Promise<ToolResult> =>
  new Promise((resolve, reject) => {
    if (promtoolBin === undefined) return reject(new Error(`promtool not found: ${INSTALL_HINT}`))
    const child = spawn(promtoolBin, args, { stdio: ["pipe", "pipe", "pipe"], ...(options.cwd === undefined ? {} : { cwd: options.cwd }) })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(options.stdin ?? "")
  })

/** A loopback port free right now (the OS picks it; a race with another process is retried by start). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))))
    })
  })

/** One sample of an instant query: labels and value (a string, as Prometheus sends it: "NaN" too). */
export interface Sample {
  readonly metric: Readonly<Record<string, string>>
  readonly value: string
}

interface ApiAnswer<T> {
  readonly status: "success" | "error"
  readonly data?: T
  readonly errorType?: string
  readonly error?: string
}

export class LocalPrometheus {
  readonly dir: string
  readonly #child: RunningChild
  readonly port: number

  private constructor(child: RunningChild, dir: string, port: number) {
    this.#child = child
    this.dir = dir
    this.port = port
  }

  /**
   * Starts Prometheus with `config` (an object, written as YAML) and waits until it is ready.
   * Relative paths in the config (rule files) are relative to the temp dir: pass absolute ones.
   */
  static async start(config: unknown): Promise<LocalPrometheus> {
    if (prometheusBin === undefined) throw new Error(`prometheus not found: ${INSTALL_HINT}`)
    const dir = mkdtempSync(join(tmpdir(), "dispatch-prometheus-"))
    writeFileSync(join(dir, "prometheus.yml"), stringify(config, { lineWidth: 0 }))
    let lastError: unknown
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort()
      try {
        const child = await RunningChild.start({
          name: "prometheus",
          command: prometheusBin,
          args: [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
          cwd: dir,
          ready: { what: "/-/ready answering", timeoutMs: READY_TIMEOUT_MS, probe: () => answersOk(`http://127.0.0.1:${port}/-/ready`) }
        })
        return new LocalPrometheus(child, dir, port)
      } catch (e) {
        lastError = e
      }
    }
    rmSync(dir, { recursive: true, force: true })
    throw lastError
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  get running(): boolean {
    return this.#child.running
  }

  /** The last lines of its log (warnings and errors only), for failure messages. */
  log(): string {
    return this.#child.tail()
  }

  /** An instant query; rejects with Prometheus's own error text when the query does not parse or fails. */
  async query(expr: string): Promise<ReadonlyArray<Sample>> {
    const data = await this.#api<{ resultType: string; result: unknown }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)
    if (data.resultType === "scalar" || data.resultType === "string") {
      const [, value] = data.result as [number, string]
      return [{ metric: {}, value }]
    }
    return (data.result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => ({ metric: r.metric, value: r.value[1] }))
  }

  /** Values of `label` on series matching `match` (what Grafana's `label_values(match, label)` lists). */
  labelValues(label: string, match: string): Promise<ReadonlyArray<string>> {
    return this.#api(`/api/v1/label/${encodeURIComponent(label)}/values?match[]=${encodeURIComponent(match)}`)
  }

  /** Scrape targets with their health and last error. */
  async targets(): Promise<ReadonlyArray<{ readonly job: string; readonly health: string; readonly lastError: string; readonly scrapeUrl: string }>> {
    const data = await this.#api<{ activeTargets: Array<{ labels: Record<string, string>; health: string; lastError: string; scrapeUrl: string }> }>("/api/v1/targets")
    return data.activeTargets.map((t) => ({ job: t.labels["job"] ?? "", health: t.health, lastError: t.lastError, scrapeUrl: t.scrapeUrl }))
  }

  /** Rule groups as loaded, with each rule's health (a rule that fails to evaluate says why). */
  async rules(): Promise<ReadonlyArray<{ readonly name: string; readonly health: string; readonly lastError?: string }>> {
    const data = await this.#api<{ groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> }>("/api/v1/rules")
    return data.groups.flatMap((g) => g.rules)
  }

  /** Stops Prometheus and removes its temp dir. Safe to call twice. */
  async dispose(): Promise<void> {
    await this.#child.stop()
    rmSync(this.dir, { recursive: true, force: true })
  }

  async #api<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(10_000) })
    const answer = (await response.json()) as ApiAnswer<T>
    if (answer.status !== "success" || answer.data === undefined) throw new Error(`${answer.errorType ?? "error"}: ${answer.error ?? `HTTP ${response.status}`}`)
    return answer.data
  }
}
