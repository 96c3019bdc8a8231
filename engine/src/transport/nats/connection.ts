/**
 * The NATS connection as a scoped service: connected at layer build, drained on release.
 *
 * Settings follow the NATS conventions: `NATS_URL` (comma-separated), user/password, token, a
 * creds file or an nkey seed file (`dispatch nats config` writes one per role; docs/security.md),
 * TLS when a URL says `tls://`. Connections reconnect forever (the default gives
 * up after 10 tries, ~20 s) with a short wait, because a dispatch engine outlives a NATS
 * restart. `noAsyncTraces` halves the CPU cost of each JetStream publish (limits.md §1c).
 */
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import {
  connect,
  credsAuthenticator,
  nkeyAuthenticator,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
  type Authenticator,
  type NatsConnection
} from "@nats-io/transport-node"
import { Context, Effect, type Scope } from "effect"
import { readFileSync } from "node:fs"
import { redactUrls } from "../../observability/redaction.ts"
import { NatsConnectError } from "./errors.ts"

/** Wait between reconnect attempts (ms): short, as the server is usually back in seconds. */
const RECONNECT_WAIT_MS = 250
/** Client-side timeout of a JetStream API request (ms). */
const JETSTREAM_TIMEOUT_MS = 5_000

export interface NatsSettings {
  readonly servers: ReadonlyArray<string>
  /** Connection name shown by the server's monitoring (`dispatch-engine@host`). */
  readonly name: string
  readonly user?: string | undefined
  readonly password?: string | undefined
  readonly token?: string | undefined
  readonly credsFile?: string | undefined
  /** A file holding an nkey seed (`SU...`), e.g. `engine.nk` from `dispatch nats config`. */
  readonly nkeyFile?: string | undefined
}

export interface NatsClient {
  readonly nc: NatsConnection
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  readonly kvm: Kvm
}

export class Nats extends Context.Service<Nats, NatsClient>()("dispatch/Nats") {}

/** A seed file's key: the first line, without the newline an editor or `echo` adds. */
export const readNkeySeed = (file: string): Uint8Array => new TextEncoder().encode(readFileSync(file, "utf8").trim())

const authenticators = (s: NatsSettings): Array<Authenticator> => {
  const list: Array<Authenticator> = []
  if (s.credsFile) list.push(credsAuthenticator(readFileSync(s.credsFile)))
  if (s.nkeyFile) list.push(nkeyAuthenticator(readNkeySeed(s.nkeyFile)))
  if (s.token) list.push(tokenAuthenticator(s.token))
  if (s.user) list.push(usernamePasswordAuthenticator(s.user, s.password))
  return list
}

/** Connects; the scope drains the connection (pending publishes flushed) when it closes. */
export const connectNats = (settings: NatsSettings): Effect.Effect<NatsClient, NatsConnectError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const nc = await connect({
          servers: [...settings.servers],
          name: settings.name,
          maxReconnectAttempts: -1,
          reconnectTimeWait: RECONNECT_WAIT_MS,
          noAsyncTraces: true,
          authenticator: authenticators(settings),
          ...(settings.servers.some((s) => s.startsWith("tls://")) ? { tls: {} } : {})
        })
        const jsm = await jetstreamManager(nc, { timeout: JETSTREAM_TIMEOUT_MS })
        return { nc, js: jetstream(nc, { timeout: JETSTREAM_TIMEOUT_MS }), jsm, kvm: new Kvm(nc) }
      },
      catch: (e) => new NatsConnectError({ servers: redactUrls(settings.servers.join(",")), detail: redactUrls(e instanceof Error ? e.message : String(e)) })
    }),
    ({ nc }) => Effect.promise(() => (nc.isClosed() ? Promise.resolve() : nc.drain().catch(() => nc.close())))
  )
