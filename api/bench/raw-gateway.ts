/**
 * The lower bound for gateway.bench.ts: `POST /v1/rides` on a bare `node:http` server that
 * parses the body and makes the same NATS request to one region's intake, nothing else (no
 * validation, balancer, breakers, metrics or tracing). What HTTP + NATS cost in Node on this
 * machine, so the gateway's figures can be split into "HTTP and a hop" and "the gateway's own".
 *
 * Usage: node api/bench/raw-gateway.ts <nats-url> <region> <port>; prints "raw gateway ready".
 */
import { connect } from "@nats-io/transport-node"
import { randomUUID } from "node:crypto"
import { createServer } from "node:http"
import { subjects } from "#engine"

const [url = "nats://127.0.0.1:4222", region = "us-west", port = "0"] = process.argv.slice(2)
const nc = await connect({ servers: url, name: "bench-raw-gateway", noAsyncTraces: true })
const subject = subjects.regionRpc(region, "ride-request")

createServer((req, res) => {
  const chunks: Array<Buffer> = []
  req.on("data", (chunk: Buffer) => chunks.push(chunk))
  req.on("end", () => {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { riderId: string; pickup: unknown; dropoff: unknown }
    const request = JSON.stringify({ orderId: `r_${randomUUID()}`, riderId: body.riderId, pickup: body.pickup, dropoff: body.dropoff, requestedAt: Date.now(), maxWaitMs: 300_000 })
    nc.request(subject, request, { timeout: 5_000 }).then(
      (reply) => {
        const answer = reply.json<{ ok: boolean; orderId: string; market: string; acceptedAt: number }>()
        res.writeHead(answer.ok ? 201 : 503, { "content-type": "application/json" })
        res.end(JSON.stringify({ orderId: answer.orderId, market: answer.market, status: "pending", acceptedAt: answer.acceptedAt }))
      },
      () => {
        res.writeHead(503).end()
      }
    )
  })
}).listen(Number(port), "127.0.0.1", () => console.log("raw gateway ready"))
