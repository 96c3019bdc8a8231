/**
 * NATS for tests: a real private nats-server per suite, skipped loudly when the binary is
 * missing on a developer machine and a hard failure under `CI=true`, where a skipped
 * integration test would hide a broken build.
 */
import { Effect } from "effect"
import { describe } from "vitest"
import { findNatsServer, LocalNatsServer, type LocalNatsServerOptions } from "../transport/nats/local-server.ts"

const binary = findNatsServer()
const inCi = process.env["CI"] === "true" || process.env["CI"] === "1"

if (binary === undefined) {
  const message = "nats-server not found (NATS_SERVER_BIN, PATH, /usr/sbin, /usr/bin): install it with `apt-get install nats-server`"
  if (inCi) throw new Error(`CI=true and ${message}; integration tests must not skip in CI`)
  console.warn(`\n!!! NATS INTEGRATION TESTS SKIPPED: ${message} !!!\n`)
}

/** `describe` for suites that need a nats-server: skipped (with the notice above) without one. */
export const describeWithNats: typeof describe = binary === undefined ? (describe.skip as typeof describe) : describe

/** A server for the current Effect scope, disposed (stopped, store removed) when it closes. */
export const natsServerScoped = (options: LocalNatsServerOptions = {}) =>
  Effect.acquireRelease(
    Effect.promise(() => LocalNatsServer.start(options)),
    (server) => Effect.promise(() => server.dispose())
  )
