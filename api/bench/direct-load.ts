/**
 * The ceiling for gateway.bench.ts: the same ride requests sent straight to the regions'
 * intakes as NATS requests (`dispatch.rpc.<region>.ride-request`), `connections` in flight, for
 * `seconds`, from its own process like autocannon. Each request goes to a region drawn by
 * weight, as the gateway's balancer draws it (`us-west:2,us-east:1,eu-central:1`, or one region
 * alone), so the ceiling loads the same intake processes in the same proportions as the
 * gateway run it is compared with. Prints one JSON line: requests, errors, rate and latency
 * percentiles (ms).
 *
 * Usage: node api/bench/direct-load.ts <nats-url> <region[:weight],...> <connections> <seconds>
 */
import { connect } from "@nats-io/transport-node"
import { randomUUID } from "node:crypto"
import { subjects } from "#engine"

const [url = "nats://127.0.0.1:4222", regions = "us-west", connections = "16", seconds = "10"] = process.argv.slice(2)
const targets = regions.split(",").map((entry) => {
  const [region = "", weight = "1"] = entry.split(":")
  return { subject: subjects.regionRpc(region, "ride-request"), weight: Number(weight) }
})
if (targets.some((t) => !(t.weight > 0))) throw new Error(`direct-load: bad region list ${JSON.stringify(regions)}; expected region[:weight],...`)
const totalWeight = targets.reduce((sum, t) => sum + t.weight, 0)
const draw = (): string => {
  let r = Math.random() * totalWeight
  for (const t of targets) if ((r -= t.weight) < 0) return t.subject
  return targets[targets.length - 1]!.subject
}
const nc = await connect({ servers: url, name: "bench-direct", noAsyncTraces: true })
const latencies: Array<number> = []
let errors = 0
const end = performance.now() + Number(seconds) * 1000
const started = performance.now()
await Promise.all(Array.from({ length: Number(connections) }, async () => {
  while (performance.now() < end) {
    const body = JSON.stringify({
      orderId: `r_${randomUUID()}`, riderId: "bench", pickup: { lat: 37.78, lng: -122.41 }, dropoff: { lat: 37.79, lng: -122.42 },
      requestedAt: Date.now(), maxWaitMs: 300_000
    })
    const t = performance.now()
    try {
      const reply = await nc.request(draw(), body, { timeout: 5_000 })
      if (!(reply.json() as { ok: boolean }).ok) errors++
      latencies.push(performance.now() - t)
    } catch {
      errors++
    }
  }
}))
const elapsed = (performance.now() - started) / 1000
latencies.sort((a, b) => a - b)
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN
console.log(JSON.stringify({ requests: latencies.length, errors, rps: latencies.length / elapsed, p50: q(0.5), p99: q(0.99) }))
await nc.close()
