/**
 * A private JetStream cluster on loopback: three (or more) `nats-server` nodes, each with its
 * `server_name`, its client and route ports, routes to every other node and its own store,
 * for the cluster fault tests. Each node is a `LocalNatsServer`, so a test kills, stops and
 * restarts one node by name (same ports, same store) while the others keep serving.
 *
 * `start()` returns once JetStream can place a replicated stream: every node serves
 * JetStream (a meta leader is elected) and a probe stream with one copy per node can be
 * created (every node is a known peer), then deleted.
 */
import { jetstreamManager } from "@nats-io/jetstream"
import { connect, nkeyAuthenticator } from "@nats-io/transport-node"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { readNkeySeed } from "./connection.ts"
import { LocalNatsServer } from "./local-server.ts"
import type { NatsRole } from "./permissions.ts"
import { prepareNatsAuth, seedFile } from "./server-auth.ts"

/** How long a formed cluster may take to place a replicated stream (ms). */
const PLACE_TIMEOUT_MS = 30_000
const PLACE_POLL_MS = 250
const CLUSTER_NAME = "dispatch"

/** A port nothing listens on right now (the OS picks it); the node binds it moments later. */
const freeLoopbackPort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))))
    })
  })

/** The nats-server flags that make one node of the cluster. */
export const clusterNodeArgs = (node: { readonly serverName: string; readonly routePort: number }, routePorts: ReadonlyArray<number>): Array<string> => [
  "--server_name", node.serverName,
  "--cluster_name", CLUSTER_NAME,
  "--cluster", `nats://127.0.0.1:${node.routePort}`,
  "--routes", routePorts.filter((p) => p !== node.routePort).map((p) => `nats://127.0.0.1:${p}`).join(",")
]

export interface LocalNatsClusterOptions {
  /** Nodes; default 3 (the smallest cluster that survives one node's loss). */
  readonly nodes?: number
  /** Run every node with Dispatch's per-role users, sharing one set of seeds (a temp dir). */
  readonly auth?: boolean
  readonly onLine?: (node: string, line: string) => void
}

export class LocalNatsCluster {
  readonly nodes: ReadonlyArray<{ readonly name: string; readonly server: LocalNatsServer }>
  readonly #seedsDir: string | undefined

  private constructor(nodes: LocalNatsCluster["nodes"], seedsDir: string | undefined) {
    this.nodes = nodes
    this.#seedsDir = seedsDir
  }

  /** Starts every node at once (none is ready before a majority runs) and waits until R<nodes> streams can be placed. */
  static async start(options: LocalNatsClusterOptions = {}): Promise<LocalNatsCluster> {
    const count = options.nodes ?? 3
    const routePorts = await Promise.all(Array.from({ length: count }, freeLoopbackPort))
    const clientPorts = await Promise.all(Array.from({ length: count }, freeLoopbackPort))
    const seedsDir = options.auth === true ? mkdtempSync(join(tmpdir(), "dispatch-nats-cluster-seeds-")) : undefined
    // Seeds first, once: the nodes then only read them.
    if (seedsDir !== undefined) await Effect.runPromise(prepareNatsAuth(seedsDir))
    const started = await Promise.allSettled(routePorts.map((routePort, i) => {
      const name = `n${i + 1}`
      return LocalNatsServer.start({
        port: clientPorts[i]!,
        args: clusterNodeArgs({ serverName: name, routePort }, routePorts),
        ...(seedsDir === undefined ? {} : { auth: { seedsDir } }),
        ...(options.onLine === undefined ? {} : { onLine: (line: string) => options.onLine!(name, line) })
      }).then((server) => ({ name, server }))
    }))
    const nodes = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []))
    const cluster = new LocalNatsCluster(nodes, seedsDir)
    const failed = started.find((s) => s.status === "rejected")
    try {
      if (failed !== undefined) throw failed.reason
      await cluster.#awaitPlacement(count)
    } catch (e) {
      await cluster.dispose()
      throw e
    }
    return cluster
  }

  /** Every node's client URL, comma-separated: what `NATS_URL` is given. */
  get url(): string {
    return this.nodes.map((n) => n.server.url).join(",")
  }
  get urls(): Array<string> {
    return this.nodes.map((n) => n.server.url)
  }

  node(name: string): LocalNatsServer {
    const node = this.nodes.find((n) => n.name === name)
    if (node === undefined) throw new Error(`no node ${name} (nodes: ${this.nodes.map((n) => n.name).join(", ")})`)
    return node.server
  }

  /** The seed file a client of `role` connects with; only for a cluster started with `auth`. */
  seedFile(role: NatsRole): string {
    if (this.#seedsDir === undefined) throw new Error("seedFile: this cluster was started without auth")
    return seedFile(this.#seedsDir, role)
  }

  /** Stops every node and removes their stores. Safe to call twice. */
  async dispose(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.server.dispose()))
    if (this.#seedsDir !== undefined) rmSync(this.#seedsDir, { recursive: true, force: true })
  }

  /** Retries creating (then deleting) a probe stream with one copy per node until the meta leader knows every peer. */
  async #awaitPlacement(replicas: number): Promise<void> {
    const authenticator = this.#seedsDir === undefined ? undefined : nkeyAuthenticator(readNkeySeed(this.seedFile("ops")))
    const nc = await connect({ servers: this.urls, ...(authenticator === undefined ? {} : { authenticator }) })
    try {
      const jsm = await jetstreamManager(nc, { timeout: 5_000 })
      const deadline = Date.now() + PLACE_TIMEOUT_MS
      for (;;) {
        try {
          await jsm.streams.add({ name: "cluster_probe", subjects: ["cluster.probe"], num_replicas: replicas })
          await jsm.streams.delete("cluster_probe")
          return
        } catch (e) {
          if (Date.now() > deadline) throw new Error(`the ${replicas}-node cluster cannot place an R${replicas} stream after ${PLACE_TIMEOUT_MS} ms: ${e instanceof Error ? e.message : String(e)}`)
          await new Promise((resolve) => setTimeout(resolve, PLACE_POLL_MS))
        }
      }
    } finally {
      await nc.close()
    }
  }
}
