/**
 * `dispatch engine` as a child process, for the end-to-end, fault and overload tests and the
 * engine benchmark: spawned exactly as an operator runs it (`node engine/src/main/dispatch.ts
 * engine --nats <url> --http-port 0 --log-format json`), its JSON log lines captured and
 * parsed, its status port found from its "Listening on" line.
 *
 * Nothing is left behind, however the test ends: `stopAllEngines()` (call it in
 * afterEach/afterAll) SIGKILLs every engine still running, and the process supervisor
 * (`RunningChild`) kills what this process leaves running, however it ends.
 */
import { fileURLToPath } from "node:url"
import { RunningChild, type ChildExit } from "#engine"
import type { PolicyName } from "../../src/matching/policies.ts"

/** The repository root (this file is engine/test/e2e/engine-process.ts). */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url))
/** Node 24 (runs .ts directly); the system node may be older. */
export const NODE_BIN = `${REPO_ROOT}node_modules/.bin/node`
const DISPATCH = `${REPO_ROOT}engine/src/main/dispatch.ts`

/** How long start() waits for the engine to reach the wanted state (ms). */
const START_TIMEOUT_MS = 30_000

export interface EngineOptions {
  readonly natsUrl: string
  readonly policy?: PolicyName
  readonly queueCapacity?: number
  readonly overload?: "backpressure" | "shed"
  readonly leaseTtlMs?: number
  /** `--ack-wait-ms`: how long a crashed owner's unacked orders wait before redelivery. */
  readonly ackWaitMs?: number
  readonly batchWindowMs?: number
  readonly instanceId?: string
  /** More `dispatch engine` flags. */
  readonly args?: ReadonlyArray<string>
  /** Node flags before the script, e.g. `["--cpu-prof", "--cpu-prof-dir", dir]`. */
  readonly nodeArgs?: ReadonlyArray<string>
  readonly env?: Readonly<Record<string, string>>
  /**
   * What start() waits for: `consuming` (the log line `partition consuming`: it owns the
   * partition and pulls orders), `listening` (the status port is up: a standby), or nothing.
   */
  readonly waitFor?: "consuming" | "listening" | "none"
  /** How long start() waits (ms); default 30 s. */
  readonly startTimeoutMs?: number
  /** Copy the engine's output to this process's stderr (debugging). */
  readonly echo?: boolean
  /** Open the inspector on a free loopback port, for `collectGarbage()`. */
  readonly inspect?: boolean
}

/** One JSON log line of the engine (Effect's `Logger.consoleJson`). */
export interface LogLine {
  readonly message: string
  readonly level: string
  /** Epoch ms of the line's `timestamp`. */
  readonly at: number
  readonly annotations: Readonly<Record<string, unknown>>
  readonly raw: string
}

const live = new Set<EngineProcess>()

/** SIGKILLs every engine this process started that is still running, and waits for the exits. */
export const stopAllEngines = async (): Promise<void> => {
  await Promise.all([...live].map((engine) => engine.kill()))
}

export class EngineProcess {
  readonly name: string
  readonly logs: Array<LogLine> = []
  /** Output lines that are not JSON log lines (stderr, stack traces). */
  readonly otherOutput: Array<string> = []
  readonly #echo: boolean
  #child!: RunningChild
  #httpPort: number | undefined
  #inspector: string | undefined

  private constructor(name: string, echo: boolean) {
    this.name = name
    this.#echo = echo
  }

  /** Spawns an engine and waits until it is consuming (default) or listening. */
  static async start(options: EngineOptions): Promise<EngineProcess> {
    const name = options.instanceId ?? `engine-${Math.random().toString(36).slice(2, 8)}`
    const args = [
      ...(options.inspect === true ? ["--inspect=127.0.0.1:0"] : []),
      ...(options.nodeArgs ?? []),
      DISPATCH,
      "engine",
      "--nats", options.natsUrl,
      "--http-port", "0",
      "--log-format", "json",
      "--instance-id", name,
      ...(options.policy === undefined ? [] : ["--policy", options.policy]),
      ...(options.queueCapacity === undefined ? [] : ["--queue-capacity", String(options.queueCapacity)]),
      ...(options.overload === undefined ? [] : ["--overload", options.overload]),
      ...(options.leaseTtlMs === undefined ? [] : ["--lease-ttl-ms", String(options.leaseTtlMs)]),
      ...(options.ackWaitMs === undefined ? [] : ["--ack-wait-ms", String(options.ackWaitMs)]),
      ...(options.batchWindowMs === undefined ? [] : ["--batch-window-ms", String(options.batchWindowMs)]),
      ...(options.args ?? [])
    ]
    const engine = new EngineProcess(name, options.echo ?? false)
    engine.#child = await RunningChild.start({
      name,
      command: NODE_BIN,
      args,
      cwd: REPO_ROOT,
      ...(options.env === undefined ? {} : { env: options.env }),
      onLine: (line) => engine.#line(line)
    })
    live.add(engine)
    void engine.#child.exited.then(() => live.delete(engine))
    try {
      const waitFor = options.waitFor ?? "consuming"
      const timeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS
      if (waitFor !== "none") await engine.waitForLog((l) => l.message.startsWith("Listening on"), timeoutMs)
      if (waitFor === "consuming") await engine.waitConsuming(timeoutMs)
    } catch (e) {
      await engine.kill()
      throw e
    }
    return engine
  }

  /** Resolves once it has exited and its output is drained. */
  get exited(): Promise<ChildExit> {
    return this.#child.exited
  }
  get pid(): number | undefined {
    return this.#child.pid
  }
  get running(): boolean {
    return this.#child.running
  }
  /** The status port (/healthz, /readyz, /metrics), known once the engine logged it. */
  get httpPort(): number {
    if (this.#httpPort === undefined) throw new Error(`${this.name}: status port not known yet`)
    return this.#httpPort
  }

  /** The first log line (already seen or still to come) that satisfies `predicate`. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = START_TIMEOUT_MS): Promise<LogLine> {
    return this.#child.until(() => this.logs.find(predicate), { what: "the awaited log line", timeoutMs })
  }

  /** The next `partition consuming` line after the `after`-th one (0 = the first ever). */
  waitConsuming(timeoutMs = START_TIMEOUT_MS, after = 0): Promise<LogLine> {
    return this.waitForLog((l) => l.message === "partition consuming" && this.logsWith("partition consuming").indexOf(l) >= after, timeoutMs)
  }

  /** All log lines with this message. */
  logsWith(message: string): Array<LogLine> {
    return this.logs.filter((l) => l.message === message)
  }

  /** The last lines of output, for failure messages. */
  tail(n = 40): string {
    return this.#child.tail(n)
  }

  async get(path: string): Promise<Response> {
    return fetch(`http://127.0.0.1:${this.httpPort}${path}`, { signal: AbortSignal.timeout(5_000) })
  }

  async metricsText(): Promise<string> {
    const response = await this.get("/metrics")
    return response.text()
  }

  /**
   * A full garbage collection in the engine (through its inspector: start it with
   * `inspect: true`), so that heap figures read afterwards count live objects only.
   */
  async collectGarbage(): Promise<void> {
    const url = this.#inspector
    if (url === undefined) throw new Error(`${this.name}: no inspector (start it with inspect: true)`)
    const ws = new WebSocket(url)
    try {
      await new Promise<void>((resolve, reject) => {
        ws.onerror = () => reject(new Error(`${this.name}: inspector ${url} unreachable`))
        ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: "HeapProfiler.collectGarbage" }))
        ws.onmessage = (event) => {
          if ((JSON.parse(String(event.data)) as { id?: number }).id === 1) resolve()
        }
      })
    } finally {
      ws.close()
    }
  }

  /** SIGKILL: a crash, no shutdown work. Resolves once the process is gone. */
  async kill(): Promise<void> {
    await this.#child.kill()
  }

  /** SIGTERM: graceful shutdown (hand back, release the lease); SIGKILL after a timeout. */
  stop(): Promise<ChildExit> {
    return this.#child.stop()
  }

  #line(raw: string): void {
    if (raw.length === 0) return
    if (this.#echo) process.stderr.write(`[${this.name}] ${raw}\n`)
    const parsed = parseLogLine(raw)
    if (parsed === undefined) {
      this.#inspector ??= /^Debugger listening on (ws:\/\/\S+)/.exec(raw)?.[1]
      if (this.otherOutput.length < 10_000) this.otherOutput.push(raw)
    } else {
      this.logs.push(parsed)
      const listening = /^Listening on http:\/\/[^:]+:(\d+)/.exec(parsed.message)
      if (listening !== null) this.#httpPort = Number(listening[1])
    }
  }
}

const parseLogLine = (raw: string): LogLine | undefined => {
  if (!raw.startsWith("{")) return undefined
  try {
    const json = JSON.parse(raw) as { message?: unknown; level?: unknown; timestamp?: unknown; annotations?: unknown }
    const message = Array.isArray(json.message) ? json.message.map(String).join(" ") : String(json.message ?? "")
    return {
      message,
      level: String(json.level ?? ""),
      at: typeof json.timestamp === "string" ? Date.parse(json.timestamp) : Number.NaN,
      annotations: typeof json.annotations === "object" && json.annotations !== null ? json.annotations as Record<string, unknown> : {},
      raw
    }
  } catch {
    return undefined
  }
}

/**
 * A sample of a Prometheus text exposition: the value of `name` whose labels include all of
 * `labels`, summed over the matching series (undefined when none matches).
 */
export const metricValue = (text: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined => {
  let sum: number | undefined
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || line.startsWith("#")) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line)
    if (match === null || match[1] !== name) continue
    const present = new Map<string, string>()
    for (const pair of (match[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) present.set(pair[1]!, pair[2]!)
    if (Object.entries(labels).every(([k, v]) => present.get(k) === v)) sum = (sum ?? 0) + Number(match[4])
  }
  return sum
}
