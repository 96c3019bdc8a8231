/**
 * A fresh world per test for the e2e suites: a private nats-server (or a three-node cluster
 * with every stream and bucket replicated on each node) with Dispatch's streams, a test
 * client, and `drivers` available around downtown SF. After each test every engine process
 * is stopped, the client closed and the servers disposed.
 */
import { afterEach } from "vitest"
import { LocalNatsCluster, LocalNatsServer } from "#engine/testing"
import { driverState, pointIn, prng, TestClient } from "./client.ts"
import { stopAllEngines } from "./engine-process.ts"

interface Servers {
  /** One URL, or every node's comma-separated. */
  readonly url: string
  dispose(): Promise<void>
}

const useWorld = <S extends Servers>(start: () => Promise<S>, replicas?: number) => {
  let server: S | undefined
  let client: TestClient | undefined
  afterEach(async () => {
    await stopAllEngines()
    await client?.close()
    await server?.dispose()
    client = undefined
    server = undefined
  })
  return async (seed: number, drivers: number) => {
    server = await start()
    client = await TestClient.connect(server.url)
    await client.ensureStreams(replicas)
    const random = prng(seed)
    const now = Date.now()
    await client.putDrivers(Array.from({ length: drivers }, (_, i) => driverState(`d${i}`, now, pointIn(random))))
    return { server, client, random }
  }
}

export const useFreshWorld = () => useWorld(() => LocalNatsServer.start())

/** Three nodes, every stream and bucket with three replicas (`dispatch nats init --replicas 3`). */
export const useFreshClusterWorld = () => useWorld(() => LocalNatsCluster.start(), 3)
