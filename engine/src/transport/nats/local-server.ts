/**
 * A private `nats-server -js` on a loopback port, with its own store directory: what the test
 * suites, `npm run demo` and `dispatch stack up` run when no NATS_URL is given.
 *
 * With `auth` it runs with the users `dispatch nats config` generates (one nkey per role, no
 * anonymous access) and hands out each role's seed file (`seedFile`).
 *
 * It can stop (SIGTERM), kill (SIGKILL) and restart on the same port and store, so tests can
 * prove durability across crashes. Nothing is left behind: `dispose()` stops the server and
 * removes a store it created; the process supervisor (engine/src/process) kills a server this
 * process leaves running, however it ends.
 */
import { jetstreamManager } from "@nats-io/jetstream"
import { connect, nkeyAuthenticator } from "@nats-io/transport-node"
import { Effect } from "effect"
import { RunningChild } from "../../process/running-child.ts"
import { findExecutable } from "../executables.ts"
import { readNkeySeed } from "./connection.ts"
import type { NatsRole } from "./permissions.ts"
import { type NatsAuth, prepareNatsAuth, seedFile } from "./server-auth.ts"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** How long a server may take to accept JetStream requests before start() gives up (ms). */
const READY_TIMEOUT_MS = 15_000
const POLL_MS = 25

const INSTALL_HINT = "install it with `apt-get install nats-server` (Debian) or set NATS_SERVER_BIN"

/**
 * The nats-server binary: `NATS_SERVER_BIN`, else the first on PATH, else /usr/sbin and
 * /usr/bin (Debian installs it in /usr/sbin, which is not on every user's PATH).
 */
export const findNatsServer = (env: NodeJS.ProcessEnv = process.env): string | undefined => findExecutable("nats-server", "NATS_SERVER_BIN", env)

export class NatsServerNotFound extends Error {
  constructor() {
    super(`nats-server not found: ${INSTALL_HINT}`)
    this.name = "NatsServerNotFound"
  }
}

export interface LocalNatsServerOptions {
  /** Binary to run; default `findNatsServer()`. */
  readonly binary?: string
  /** Store directory to use (kept on dispose); default a new temp dir (removed on dispose). */
  readonly storeDir?: string
  /** Extra nats-server arguments, e.g. `["--user", "u", "--pass", "p"]`. */
  readonly args?: ReadonlyArray<string>
  /** Client port; default a free one chosen by the server. */
  readonly port?: number
  /**
   * Run with Dispatch's per-role users (server-auth.ts): `true` keeps the seeds in a temp dir
   * removed on dispose, `{ seedsDir }` in that directory (seeds already there are kept).
   */
  readonly auth?: boolean | { readonly seedsDir: string }
  /** Each line the server logs (permission violations, for one). */
  readonly onLine?: (line: string) => void
}

export class LocalNatsServer {
  #process: RunningChild | undefined
  #port = -1
  readonly #binary: string
  readonly #storeDir: string
  readonly #ownsStore: boolean
  readonly #args: ReadonlyArray<string>
  readonly #portsDir: string
  readonly #onLine: ((line: string) => void) | undefined
  #auth: NatsAuth | undefined

  private constructor(binary: string, storeDir: string, ownsStore: boolean, args: ReadonlyArray<string>, port: number, onLine: ((line: string) => void) | undefined) {
    this.#port = port
    this.#onLine = onLine
    this.#binary = binary
    this.#storeDir = storeDir
    this.#ownsStore = ownsStore
    this.#args = args
    this.#portsDir = mkdtempSync(join(tmpdir(), "dispatch-nats-ports-"))
  }

  /** Generates the users' config and seeds (in the ports dir unless a seeds dir is given). */
  async #prepareAuth(auth: true | { readonly seedsDir: string }): Promise<void> {
    this.#auth = await Effect.runPromise(prepareNatsAuth(auth === true ? join(this.#portsDir, "seeds") : auth.seedsDir))
    writeFileSync(this.#configFile, this.#auth.config)
  }

  get #configFile(): string {
    return join(this.#portsDir, "auth.conf")
  }

  /** Starts a server on a free loopback port and waits until it serves JetStream. */
  static async start(options: LocalNatsServerOptions = {}): Promise<LocalNatsServer> {
    const binary = options.binary ?? findNatsServer()
    if (binary === undefined) throw new NatsServerNotFound()
    const ownsStore = options.storeDir === undefined
    const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), "dispatch-nats-store-"))
    const server = new LocalNatsServer(binary, storeDir, ownsStore, options.args ?? [], options.port ?? -1, options.onLine)
    try {
      if (options.auth !== undefined && options.auth !== false) await server.#prepareAuth(options.auth)
      await server.#launch()
    } catch (e) {
      await server.dispose()
      throw e
    }
    return server
  }

  get port(): number {
    return this.#port
  }
  get url(): string {
    return `nats://127.0.0.1:${this.#port}`
  }
  get storeDir(): string {
    return this.#storeDir
  }
  /** The seed file a client of `role` connects with (`--nats-nkey`); only for a server started with `auth`. */
  seedFile(role: NatsRole): string {
    if (this.#auth === undefined) throw new Error("seedFile: this nats-server was started without auth")
    return seedFile(this.#auth.seedsDir, role)
  }

  get running(): boolean {
    return this.#process?.running ?? false
  }
  get pid(): number | undefined {
    return this.#process?.pid
  }

  /** Graceful stop (SIGTERM), waiting for the exit; the store stays for a restart. */
  async stop(): Promise<void> {
    await this.#process?.stop()
  }

  /** Crash (SIGKILL): no shutdown work at all, as after a power cut of the process. */
  async kill(): Promise<void> {
    await this.#process?.kill()
  }

  /** Starts again on the same port and store (stopping first if it is running). */
  async restart(): Promise<void> {
    if (this.running) await this.stop()
    await this.#launch()
  }

  /** Stops the server and removes the temp dirs it created. Safe to call twice. */
  async dispose(): Promise<void> {
    await this.stop()
    rmSync(this.#portsDir, { recursive: true, force: true })
    if (this.#ownsStore) rmSync(this.#storeDir, { recursive: true, force: true })
  }

  async #launch(): Promise<void> {
    const port = this.#port === -1 ? "-1" : String(this.#port)
    this.#process = await RunningChild.start({
      name: "nats-server",
      command: this.#binary,
      ...(this.#onLine === undefined ? {} : { onLine: this.#onLine }),
      args: [
        ...(this.#auth === undefined ? [] : ["-c", this.#configFile]),
        "-a", "127.0.0.1", "-p", port, "-js", "-sd", this.#storeDir, "--ports_file_dir", this.#portsDir, ...this.#args
      ],
      ready: {
        what: "serving JetStream",
        timeoutMs: READY_TIMEOUT_MS,
        probeEveryMs: POLL_MS,
        probe: (pid) =>
          Effect.promise(async () => {
            if (this.#port === -1) this.#port = readPort(this.#portsDir, pid) ?? -1
            return this.#port !== -1 && (await servesJetStream(this.url, this.#auth === undefined ? undefined : this.seedFile("observer")))
          })
      }
    })
  }
}

/** nats-server writes `<binary>_<pid>.ports` (JSON with the client URLs) once it listens. */
const readPort = (dir: string, pid: number | undefined): number | undefined => {
  const file = readdirSync(dir).find((name) => name.endsWith(`_${pid}.ports`))
  if (file === undefined) return undefined
  try {
    const ports = JSON.parse(readFileSync(join(dir, file), "utf8")) as { nats?: ReadonlyArray<string> }
    const url = ports.nats?.[0]
    return url === undefined ? undefined : Number(new URL(url).port)
  } catch {
    return undefined // written but not complete yet
  }
}

/** True once a client can connect (as the observer with auth) and JetStream answers an account info request. */
const servesJetStream = async (url: string, seed: string | undefined): Promise<boolean> => {
  try {
    const authenticator = seed === undefined ? undefined : nkeyAuthenticator(readNkeySeed(seed))
    const nc = await connect({ servers: url, reconnect: false, timeout: 1_000, ...(authenticator === undefined ? {} : { authenticator }) })
    try {
      await (await jetstreamManager(nc, { timeout: 1_000 })).getAccountInfo()
      return true
    } finally {
      await nc.close()
    }
  } catch {
    return false
  }
}
