import { DiscardPolicy, jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream"
import { connect, nanos, type NatsConnection } from "@nats-io/transport-node"
import { existsSync } from "node:fs"
import { afterEach, expect, it } from "vitest"
import { describeWithNats, isAlive, LocalNatsServer, NatsServerNotFound } from "#engine/testing"

const waitFor = async (check: () => boolean, ms: number) => {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time")
    await new Promise((r) => setTimeout(r, 20))
  }
}

describeWithNats("LocalNatsServer", () => {
  const cleanups: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  const start = async () => {
    const server = await LocalNatsServer.start()
    cleanups.push(() => server.dispose())
    return server
  }
  const client = async (server: LocalNatsServer, options: Parameters<typeof connect>[0] = {}) => {
    const nc = await connect({ servers: server.url, ...options })
    cleanups.push(() => nc.close())
    return nc
  }

  it("keeps a file-stream message across SIGKILL and restart on the same port and store", async () => {
    const server = await start()
    const port = server.port
    let nc: NatsConnection = await client(server, { reconnect: false })
    const jsm = await jetstreamManager(nc)
    await jsm.streams.add({ name: "DURABLE", subjects: ["durable.>"], storage: StorageType.File, discard: DiscardPolicy.Old, duplicate_window: nanos(60_000) })
    const ack = await jetstream(nc).publish("durable.one", "kept", { msgID: "m1" })
    expect(ack.seq).toBe(1)
    await nc.close()

    const pid = server.pid
    await server.kill()
    expect(isAlive(pid)).toBe(false)
    await server.restart()
    expect(server.port).toBe(port)

    nc = await client(server, { reconnect: false })
    const msg = await (await jetstreamManager(nc)).streams.getMessage("DURABLE", { seq: 1 })
    expect(msg?.string()).toBe("kept")
    expect(msg?.subject).toBe("durable.one")
  })

  it("lets a connected client reconnect by itself after a restart", async () => {
    const server = await start()
    const nc = await client(server, { maxReconnectAttempts: -1, reconnectTimeWait: 100 })
    const seen: Array<string> = []
    void (async () => {
      for await (const status of nc.status()) seen.push(status.type)
    })()
    await server.stop()
    await server.restart()
    await waitFor(() => seen.includes("reconnect"), 15_000)
    const reply = nc.subscribe("ping", { max: 1, callback: (_err, msg) => void msg.respond("pong") })
    expect((await nc.request("ping", "", { timeout: 2_000 })).string()).toBe("pong")
    reply.unsubscribe()
    expect(seen).toContain("disconnect")
  })

  it("leaves no process and no temp store behind", async () => {
    const server = await LocalNatsServer.start()
    const pid = server.pid
    const store = server.storeDir
    expect(isAlive(pid)).toBe(true)
    await server.dispose()
    expect(isAlive(pid)).toBe(false)
    expect(existsSync(store)).toBe(false)
    await server.dispose() // idempotent
  })
})

it("names the missing binary and how to install it", async () => {
  const previous = process.env["NATS_SERVER_BIN"]
  process.env["NATS_SERVER_BIN"] = "/nonexistent/nats-server"
  try {
    const error = await LocalNatsServer.start().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NatsServerNotFound)
    expect(String(error)).toMatch(/apt-get install nats-server/)
  } finally {
    if (previous === undefined) delete process.env["NATS_SERVER_BIN"]
    else process.env["NATS_SERVER_BIN"] = previous
  }
})
