/**
 * A private nats-server and a connected client for one test file: started before its tests,
 * stopped (scope closed, server disposed) after them. `run` runs an effect in the suite's scope.
 */
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll } from "vitest"
import { LocalNatsServer } from "#engine/testing"
import { connectNats, type NatsClient } from "../../src/transport/nats/connection.ts"

export interface NatsSuite {
  readonly server: () => LocalNatsServer
  readonly client: () => NatsClient
  readonly run: <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Promise<A>
  /** Closed after the file's tests, for resources forked by a test. */
  readonly scope: Scope.Scope
}

export const useNatsSuite = (name: string): NatsSuite => {
  let server: LocalNatsServer | undefined
  let client: NatsClient | undefined
  const scope = Effect.runSync(Scope.make())
  const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Scope.provide(effect, scope))
  beforeAll(async () => {
    server = await LocalNatsServer.start()
    client = await run(connectNats({ servers: [server.url], name }))
  })
  afterAll(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await server?.dispose()
  })
  return {
    server: () => server!,
    client: () => client!,
    run,
    scope
  }
}
