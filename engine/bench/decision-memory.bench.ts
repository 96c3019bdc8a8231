/**
 * What the engine keeps per decided order for its idempotency horizon (the decision memory of
 * the `Dispatcher`): 40k orders decided, heap measured after a forced GC while they are
 * remembered and again once they are forgotten; the difference divided by 40k. Matched and
 * `no_supply` decisions separately (a matched one also names its driver), each in a fresh
 * process of its own so that one measurement's heap cannot leak into the other's.
 *
 * Run: node_modules/.bin/node engine/bench/decision-memory.bench.ts
 */
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { loadMarketCatalog, SHIPPED_MARKET_FILES } from "../src/domain/market-files.ts"
import { GreatCircleEta } from "../src/eta/great-circle-eta.ts"
import { defaultDispatchSettings, Dispatcher } from "../src/pipeline/dispatcher.ts"
import { driverState, orderRequested, pointIn, prng } from "../test/e2e/client.ts"

const ORDERS = 40_000
const heap = () => {
  const gc = (globalThis as { gc?: () => void }).gc!
  for (let i = 0; i < 3; i++) gc()
  return process.memoryUsage().heapUsed
}

const sf = Effect.runSync(loadMarketCatalog(SHIPPED_MARKET_FILES)).get("sf")!

const bytesPerDecision = (matched: boolean) => {
  const dispatcher = new Dispatcher(sf, GreatCircleEta.forMarket(sf), defaultDispatchSettings("greedy"))
  const random = prng(matched ? 1 : 2)
  const t0 = Date.now()
  if (matched) for (let i = 0; i < ORDERS; i++) dispatcher.driverState(driverState(`d${i}`, t0, pointIn(random)))
  const orders = Array.from({ length: ORDERS }, (_, i) => orderRequested(`o-${matched ? "m" : "n"}-${i.toString().padStart(8, "0")}`, t0, pointIn(random)))
  let decided = 0
  for (const order of orders) decided += dispatcher.request(order, t0 + 1).length
  orders.length = 0
  const remembered = heap()
  dispatcher.forgetDecisionsBefore(Number.POSITIVE_INFINITY)
  const forgotten = heap()
  if (decided !== ORDERS) throw new Error(`decided ${decided} of ${ORDERS}`)
  return { released: (remembered - forgotten) / ORDERS }
}

const kind = process.argv[2]
if (kind === "matched" || kind === "no_supply") {
  const r = bytesPerDecision(kind === "matched")
  console.log(`| ${kind} | ${r.released.toFixed(0)} |`)
} else {
  console.log("| decisions | heap released per forgotten decision (B) |")
  console.log("| --- | ---: |")
  for (const k of ["matched", "no_supply"]) {
    process.stdout.write(execFileSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), k], { encoding: "utf8" }))
  }
}
