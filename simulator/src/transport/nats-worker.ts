/**
 * The NATS ports' worker thread (nats-port.ts and live-port.ts are the main thread's sides; the
 * simulation waits on it synchronously through worker-channel.ts). Commands are handled one at
 * a time, in order.
 *
 * - `lockstep` (NATS mode): it owns the nats-server (a private one unless a URL is given), the
 *   `dispatch engine --clock sim` child process and the connection, and runs the tick protocol
 *   (docs/simulator.md, "NATS mode").
 * - `live`: a running engine on the wall clock serves the market; orders and driver states are
 *   published as they come and decisions handed over as they arrive. No ticks, no engine here.
 */
import { jetstream } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { connect, nkeyAuthenticator, type NatsConnection } from "@nats-io/transport-node"
import { Effect, Result } from "effect"
import { type ClockTick, type Decision, encodeMessage, KV_BUCKETS, LocalNatsServer, makeDecoder, readNkeySeed, redactUrls, RunningChild, splitList, subjects, WIRE_VERSION } from "#engine"
import { fileURLToPath } from "node:url"
import { type MessagePort, workerData } from "node:worker_threads"
import { GatewayOrders } from "./gateway-orders.ts"

export interface WorkerSetup {
  readonly port: MessagePort
  readonly flag: Int32Array
  readonly mode: "lockstep" | "live"
  /** Live mode: send orders through the API gateway at this URL instead of publishing them. */
  readonly apiUrl?: string | undefined
  readonly natsUrl: string | undefined
  /** Live mode: the nkey seed file to connect with. */
  readonly nkeyFile?: string | undefined
  readonly market: string
  readonly engineArgs: ReadonlyArray<string>
  readonly start: number
}

export type Command =
  | { readonly op: "driver"; readonly key: string; readonly data: string }
  | { readonly op: "order"; readonly subject: string; readonly msgID: string; readonly data: string; readonly now: number }
  | { readonly op: "tick"; readonly now: number }
  | { readonly op: "close" }

export type Reply =
  | { readonly ok: true; readonly decisions: Array<Decision>; readonly nextDeadline: number | null; readonly transport?: string }
  | { readonly ok: false; readonly error: string }

const DISPATCH = fileURLToPath(new URL("../../../engine/src/main/dispatch.ts", import.meta.url))
const TICK_TIMEOUT_MS = 30_000
const START_TIMEOUT_MS = 30_000

const setup = workerData as WorkerSetup
let server: LocalNatsServer | undefined
let engine: RunningChild | undefined
let nc: NatsConnection | undefined
let js: ReturnType<typeof jetstream>
let kv: Awaited<ReturnType<Kvm["open"]>>
const received: Array<Decision> = []
let ordersSeq = 0
let driversRevision = 0
let driversDirty = false
let engineAt = -1
let nextDeadline: number | null = null
let gateway: GatewayOrders | undefined

const reply = (r: Reply) => {
  setup.port.postMessage(r)
  Atomics.store(setup.flag, 0, 1)
  Atomics.notify(setup.flag, 0)
}

const decodeClockAnswer = makeDecoder(["clock.ack", "clock.error"])

/** Sends one tick; fails when it times out or the answer is not a clock message. */
const sendTick = async (tick: ClockTick, timeout: number) => {
  const answer = decodeClockAnswer((await nc!.request(subjects.clock(setup.market), encodeMessage(tick), { timeout })).data)
  if (Result.isFailure(answer)) throw new Error(`engine's clock answer is not a clock.ack: ${answer.failure.path}: ${answer.failure.detail}`)
  return answer.success
}

const tickAt = (at: number, closeWindows: boolean): ClockTick =>
  ({ v: WIRE_VERSION, type: "clock.tick", market: setup.market, at, ordersSeq, driversRevision, closeWindows })

const tick = async (at: number, closeWindows: boolean) => {
  const answer = await sendTick(tickAt(at, closeWindows), TICK_TIMEOUT_MS)
  if (answer.type === "clock.error") throw new Error(`tick refused: ${answer.detail}`)
  engineAt = at
  driversDirty = false
  nextDeadline = answer.nextDeadline
}

const take = (): Extract<Reply, { ok: true }> => ({ ok: true, decisions: received.splice(0, received.length), nextDeadline })

const open = async (): Promise<Reply> => {
  let url = setup.natsUrl
  if (url === undefined) {
    server = await LocalNatsServer.start()
    url = server.url
  }
  // `--nats` may list a cluster's servers, comma-separated, as every dispatch command takes them.
  nc = await connect({ servers: splitList(url), name: "dispatch-simulate", ...(setup.nkeyFile === undefined ? {} : { authenticator: nkeyAuthenticator(readNkeySeed(setup.nkeyFile)) }) })
  js = jetstream(nc)
  if (setup.mode === "live") return openLive(url)
  nc.subscribe(subjects.marketDecisions(setup.market), { callback: (_e, m) => void received.push(m.json<Decision>()) })
  engine = await RunningChild.start({
    name: "dispatch engine",
    command: process.execPath,
    args: [DISPATCH, "engine", "--clock", "sim", "--nats", url, "--http-port", "0", "--log-format", "json", "--partitions", setup.market, ...setup.engineArgs],
    onLine: (line, from) => {
      if (from === "stderr") process.stderr.write(`${line}\n`)
    },
    // The engine answers ticks once it owns the market and consumes.
    ready: {
      what: "answering clock ticks",
      timeoutMs: START_TIMEOUT_MS,
      probe: () =>
        Effect.promise(() =>
          sendTick({ ...tickAt(setup.start, false), ordersSeq: 0, driversRevision: 0 }, 500).then((answer) => answer.type === "clock.ack", () => false)
        )
    }
  })
  kv = await new Kvm(nc).open(KV_BUCKETS.drivers)
  engineAt = setup.start
  return { ...take(), transport: `NATS (${server === undefined ? redactUrls(url) : `private nats-server ${url}`}; dispatch engine --clock sim, pid ${engine.pid})` }
}

/** Live: the engine that serves the market created the streams and buckets; without it, say so. */
const openLive = async (url: string): Promise<Reply> => {
  if (setup.apiUrl !== undefined) gateway = new GatewayOrders(setup.apiUrl, (d) => void received.push(d))
  nc!.subscribe(subjects.marketDecisions(setup.market), {
    callback: (_e, m) => {
      const decision = m.json<Decision>()
      if (gateway === undefined) received.push(decision)
      else gateway.onDecision(decision)
    }
  })
  try {
    kv = await new Kvm(nc!).open(KV_BUCKETS.drivers, { bindOnly: true })
  } catch {
    throw new Error(`no KV bucket ${KV_BUCKETS.drivers} on ${redactUrls(url)}: start \`npx dispatch engine --nats ${redactUrls(url)}\` (or \`npx dispatch nats init\`) first`)
  }
  return { ...take(), transport: `live: the running engine on ${redactUrls(url)} (wall clock)${setup.apiUrl === undefined ? "" : `, orders through the gateway ${setup.apiUrl}`}` }
}

const handle = async (command: Command): Promise<Reply | undefined> => {
  switch (command.op) {
    case "driver": {
      driversRevision = await kv.put(command.key, command.data)
      driversDirty = true
      return undefined
    }
    case "order": {
      if (setup.mode === "live") {
        if (gateway === undefined) await js.publish(command.subject, command.data, { msgID: command.msgID })
        else await gateway.submit(command.data)
        return take()
      }
      // The engine's clock reads `now` and the drivers are applied before the order is handled.
      if (driversDirty || engineAt !== command.now) await tick(command.now, false)
      ordersSeq = (await js.publish(command.subject, command.data, { msgID: command.msgID })).seq
      await tick(command.now, false)
      return take()
    }
    case "tick": {
      if (setup.mode === "lockstep") await tick(command.now, true)
      return take()
    }
    case "close": {
      await nc?.drain().catch(() => undefined)
      await stop()
      return take()
    }
  }
}

const stop = async () => {
  await engine?.stop()
  await server?.dispose()
}

let chain: Promise<unknown> = open().then(reply, async (e: unknown) => {
  await nc?.close().catch(() => undefined)
  await stop().catch(() => undefined)
  reply({ ok: false, error: `cannot start: ${e instanceof Error ? e.message : String(e)}` })
})
setup.port.on("message", (command: Command) => {
  chain = chain.then(() => handle(command)).then(
    (r) => r === undefined ? undefined : reply(r),
    (e: unknown) => reply({ ok: false, error: `${command.op}: ${e instanceof Error ? e.message : String(e)}` })
  )
})
