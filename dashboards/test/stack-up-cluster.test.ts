/**
 * `dispatch stack up --cluster` as a user runs it, on ports of its own: three JetStream nodes,
 * every stream and bucket with three replicas, every child given all three URLs; a node
 * SIGKILLed is reported and restarted while the rest keeps running; SIGTERM stops everything.
 * Its own file, so that it runs beside the other stack suite rather than after it.
 */
import { jetstreamManager } from "@nats-io/jetstream"
import { connect, nkeyAuthenticator } from "@nats-io/transport-node"
import { describeWithNats } from "#engine/testing"
import { KV_BUCKETS, readNkeySeed, STREAMS } from "#engine"
import { join } from "node:path"
import { expect, it } from "vitest"
import { allGone, descendants, ENGINES_UP, stackUp, stackWorkDir } from "./support/stack-process.ts"

const work = stackWorkDir()

describeWithNats("dispatch stack up --cluster", () => {
  it("--cluster: three nodes, every stream and bucket with 3 replicas, everyone given all three; a dead node is restarted; SIGTERM stops all", async () => {
    const stack = await stackUp(work, "cluster", ["--cluster"])
    try {
      const urls = stack.ports.natsNodes.map((n) => `nats://127.0.0.1:${n.port}`).join(",")
      await stack.line(new RegExp(`^stack: NATS ${urls} \\(a 3-node JetStream cluster`))
      for (const pattern of ENGINES_UP) await stack.line(pattern)
      const started = descendants(stack.child.pid)
      expect(started.filter((p) => p.args.includes("dispatch.ts engine") && p.args.includes(`--nats ${urls}`))).toHaveLength(3)
      const nc = await connect({ servers: urls.split(","), authenticator: nkeyAuthenticator(readNkeySeed(join(stack.dir, "nats-seeds", "ops.nk"))) })
      try {
        const jsm = await jetstreamManager(nc)
        for (const name of [STREAMS.orders, STREAMS.results, `KV_${KV_BUCKETS.leases}`]) expect((await jsm.streams.info(name)).config.num_replicas, name).toBe(3)
      } finally {
        await nc.close()
      }
      const n2 = started.find((p) => p.args.includes("--server_name n2"))!
      process.kill(n2.pid, "SIGKILL")
      await stack.line(new RegExp(`^stack: nats-n2 \\(pid ${n2.pid}\\) died: signal SIGKILL`))
      await stack.line(/^stack: nats-n2 restarted \(pid \d+\)/)
      const running = descendants(stack.child.pid)
      process.kill(stack.child.pid, "SIGTERM")
      expect(await stack.exitCode()).toBe(0)
      expect(stack.lines.filter((l) => l.startsWith("stack: stopped nats-n"))).toHaveLength(3)
      expect(await allGone([...started, ...running].map((p) => p.pid))).toEqual([])
    } finally {
      await stack.child.stop()
    }
  }, 600_000)

})
