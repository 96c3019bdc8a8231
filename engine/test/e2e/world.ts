/**
 * A fresh world per test for the e2e suites: a private nats-server with Dispatch's streams, a
 * test client, and `drivers` available around downtown SF. After each test every engine
 * process is stopped, the client closed and the server disposed.
 */
import { afterEach } from "vitest"
import { LocalNatsServer } from "#engine/testing"
import { driverState, pointIn, prng, TestClient } from "./client.ts"
import { stopAllEngines } from "./engine-process.ts"

export const useFreshWorld = () => {
  let server: LocalNatsServer | undefined
  let client: TestClient | undefined
  afterEach(async () => {
    await stopAllEngines()
    await client?.close()
    await server?.dispose()
    client = undefined
    server = undefined
  })
  return async (seed: number, drivers: number) => {
    server = await LocalNatsServer.start()
    client = await TestClient.connect(server.url)
    await client.ensureStreams()
    const random = prng(seed)
    const now = Date.now()
    await client.putDrivers(Array.from({ length: drivers }, (_, i) => driverState(`d${i}`, now, pointIn(random))))
    return { server, client, random }
  }
}
