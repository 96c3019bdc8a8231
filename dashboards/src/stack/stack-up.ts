/**
 * `dispatch stack up`: the whole product on loopback, for an analyst to watch and ops to
 * steer. First every port is checked (port-check.ts: a busy one ends it before anything is
 * started or written). Then, in order: nats-server, one engine per region, the region weights,
 * the gateway, Prometheus with the shipped rules, and a live replay of the SF sample through
 * the gateway (simulator --mode live --api). The private nats-server runs with Dispatch's
 * users (one nkey per role, docs/security.md) and every child connects with its role's seed.
 * Each is a supervised scoped resource (restartable-child.ts): a death is reported at once and restarted or ends the stack; Ctrl-C,
 * SIGTERM, the end of the stack's parent process or any start failure stops them all, in
 * reverse order, one line each, and nothing is left running.
 *
 * `--cluster` runs three JetStream nodes instead of one (stack-plan.ts `STACK_NATS_NODES`):
 * every stream and bucket gets three replicas (`nats init --replicas 3`), every child is given
 * every node's URL, and a dead node is restarted (the other two keep serving) instead of
 * ending the stack.
 */
import { clusterNodeArgs, findNatsServer, type NatsRole, prepareNatsAuth, seedFile, subjects, type ChildSpec } from "#engine"
import { Console, Deferred, Effect, Schedule } from "effect"
import { randomBytes } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { prometheusConfig, RULE_FILES } from "./prometheus-config.ts"
import { findBinary } from "./binaries.ts"
import { runDrill } from "./drill.ts"
import { checkPorts, type WantedPort } from "./port-check.ts"
import { restartableChild, runToCompletion, StackEnded, StackStartFailed, type Supervision } from "./restartable-child.ts"
import { loopback, STACK_BREAKER_FLAGS, STACK_MARKET, STACK_OUTAGE_REGION, STACK_POLICY, STACK_WEIGHTS, stackPorts, type StackPorts } from "./stack-plan.ts"

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url))
const DISPATCH = join(REPO_ROOT, "engine/src/main/dispatch.ts")
const PROMETHEUS_DIR = join(REPO_ROOT, "dashboards/prometheus")
const PROVISIONING = join(REPO_ROOT, "dashboards/grafana/provisioning")
const SF_SAMPLE = join(REPO_ROOT, "simulator/scenarios/sf-sample/trips.csv")
/** Some simulated drivers turn an offer down, as real ones do: the fleet panels show it. */
const STACK_DECLINE_PROBABILITY = 0.05
/** How often the stack looks whether its parent process is still there (ms). */
const PARENT_WATCH_MS = 500

export interface StackOptions {
  /** Logs, stores and reports go here. */
  readonly dir: string
  /** An existing NATS server instead of a private one. */
  readonly natsUrl: string | undefined
  /** The seeds of that server's users (`dispatch nats config --seeds`); the private server's are in `<dir>/nats-seeds`. */
  readonly natsSeeds: string | undefined
  readonly speed: number
  readonly drivers: number
  readonly trips: string | undefined
  /** Play the drill (drill.ts) once the replay runs. */
  readonly drill: boolean
  /** Added to every port of the stack (stack-plan.ts). */
  readonly portOffset: number
  /** Three JetStream nodes, everything replicated on each, instead of one nats-server. */
  readonly cluster: boolean
}

/** A `dispatch ...` child (Node 24 runs it: this process is already Node 24 via the npm script or `npx`). */
const dispatchChild = (dir: string, name: string, args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}): ChildSpec =>
  ({ name, command: process.execPath, args: [DISPATCH, ...args], cwd: REPO_ROOT, logFile: join(dir, "logs", `${name}.log`), env })

/** A child's credential flag for its role: none without seeds (a server without Dispatch's users). */
const nkeyArgs = (seeds: string | undefined) => (role: NatsRole, flag = "--nats-nkey"): Array<string> => (seeds === undefined ? [] : [flag, seedFile(seeds, role)])

const wantedPorts = (ports: StackPorts, options: StackOptions, prometheus: string | undefined): Array<WantedPort> => [
  ...(options.natsUrl !== undefined ? [] : options.cluster
    ? ports.natsNodes.flatMap((n) => [{ port: n.port, what: `NATS node ${n.name}` }, { port: n.routePort, what: `NATS node ${n.name}'s routes` }])
    : [{ port: ports.nats, what: "NATS" }]),
  ...ports.engines.map((e) => ({ port: e.port, what: `engine ${e.region}` })),
  { port: ports.api, what: "the API gateway" },
  ...(prometheus === undefined ? [] : [{ port: ports.prometheus, what: "Prometheus" }]),
  { port: ports.simulator, what: "the simulator's metrics" }
]

/** Prometheus's config for these ports: the shipped one (dashboards/prometheus) with the stack's addresses, rules by absolute path. */
const writePrometheusConfig = (dir: string, ports: StackPorts) => {
  const file = join(dir, "prometheus.yml")
  const config = prometheusConfig({
    targets: { engine: ports.engines.map((e) => loopback(e.port)), api: loopback(ports.api), simulator: loopback(ports.simulator), prometheus: loopback(ports.prometheus) },
    ruleFiles: Object.values(RULE_FILES).map((f) => join(PROMETHEUS_DIR, f))
  })
  // JSON is YAML: no YAML writer needed at run time.
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`)
  return file
}

/**
 * Whether the stack is stopping because it was asked to (a signal): children that exit then
 * (Ctrl-C at a terminal reaches the whole process group) are not deaths. The parent watch: a
 * stack whose parent went (`npx` or `npm run` got SIGTERM and its shell died) stops as if
 * SIGTERMed itself, rather than running on as an orphan.
 */
const stopSignals = Effect.gen(function*() {
  let stopping = false
  const onSignal = () => (stopping = true)
  yield* Effect.acquireRelease(
    Effect.sync(() => {
      process.on("SIGINT", onSignal)
      process.on("SIGTERM", onSignal)
    }),
    () => Effect.sync(() => {
      process.off("SIGINT", onSignal)
      process.off("SIGTERM", onSignal)
    })
  )
  const parent = process.ppid
  yield* Effect.forkScoped(
    Effect.sync(() => process.ppid !== parent).pipe(
      Effect.repeat({ schedule: Schedule.spaced(PARENT_WATCH_MS), until: (gone) => gone }),
      Effect.andThen(Console.error(`stack: its parent process (pid ${parent}) is gone: stopping`)),
      Effect.andThen(Effect.sync(() => process.kill(process.pid, "SIGTERM")))
    )
  )
  return () => stopping
})

const startAll = (options: StackOptions, dir: string, ports: StackPorts, prometheus: string | undefined, supervision: Supervision) =>
  Effect.gen(function*() {
    const { say } = supervision
    let natsUrl = options.natsUrl
    let seeds = options.natsSeeds
    if (natsUrl === undefined) {
      const binary = findNatsServer()
      if (binary === undefined) return yield* new StackStartFailed({ message: "nats-server not found: install it with `apt-get install nats-server` (Debian) or set NATS_SERVER_BIN, or pass --nats URL" })
      const store = join(dir, "nats")
      const auth = yield* prepareNatsAuth(join(dir, "nats-seeds")).pipe(Effect.mapError((e) => new StackStartFailed({ message: e.message })))
      const authConfig = join(dir, "nats-auth.conf")
      writeFileSync(authConfig, auth.config)
      seeds = auth.seedsDir
      const routePorts = ports.natsNodes.map((n) => n.routePort)
      const servers = options.cluster
        ? ports.natsNodes.map((n) => ({ name: `nats-${n.name}`, port: n.port, args: ["-sd", join(store, n.name), ...clusterNodeArgs({ serverName: n.name, routePort: n.routePort }, routePorts)] }))
        : [{ name: "nats-server", port: ports.nats, args: ["-sd", store] }]
      // A cluster's nodes start together (none serves JetStream before a majority runs); one
      // node's death is survived, so it is restarted, where the only server's ends the stack.
      yield* Effect.forEach(servers, (server) =>
        restartableChild(
          {
            name: server.name,
            command: binary,
            args: ["-c", authConfig, "-a", "127.0.0.1", "-p", String(server.port), "-js", ...server.args],
            logFile: join(dir, "logs", `${server.name}.log`),
            ready: { what: "a `Server is ready` line", timeoutMs: 60_000, line: (line) => line.includes("Server is ready") }
          },
          undefined,
          options.cluster ? "restart" : "end",
          supervision
        ), { concurrency: "unbounded", discard: true })
      natsUrl = servers.map((n) => `nats://${loopback(n.port)}`).join(",")
      yield* say(`NATS ${natsUrl}${options.cluster ? " (a 3-node JetStream cluster, everything with 3 replicas)" : ""} (store ${store}), a user per role (seeds ${seeds}, docs/security.md)`)
    } else {
      yield* say(`NATS ${natsUrl}${seeds === undefined ? "" : `, a user per role (seeds ${seeds}, docs/security.md)`}`)
    }
    const nats = natsUrl
    const nkey = nkeyArgs(seeds)
    // Only ops may create streams and buckets; engines and the gateway then find them.
    yield* runToCompletion(dispatchChild(dir, "nats-init", ["nats", "init", "--nats", nats, ...(options.cluster ? ["--replicas", "3"] : []), ...nkey("ops")]), supervision)

    const engines = new Map(yield* Effect.forEach(ports.engines, (engine) =>
      restartableChild(
        dispatchChild(dir, `engine-${engine.region}`, ["engine", "--nats", nats, "--region", engine.region, "--policy", STACK_POLICY, "--http-port", String(engine.port), "--instance-id", `stack-${engine.region}`, "--log-format", "json", ...nkey("engine")]),
        `http://${loopback(engine.port)}/healthz`,
        "restart",
        supervision
      ).pipe(
        Effect.tap(() => say(`engine ${engine.region} (intake ${subjects.regionRpcAll(engine.region)}, metrics http://${loopback(engine.port)}/metrics)`)),
        Effect.map((child) => [engine.region, child] as const)
      ), { concurrency: "unbounded" }))

    const adminToken = randomBytes(24).toString("base64url")
    const tokenFile = join(dir, "admin-token")
    writeFileSync(tokenFile, `${adminToken}\n`, { mode: 0o600 })
    const apiUrl = `http://${loopback(ports.api)}`
    yield* restartableChild(
      dispatchChild(dir, "api", ["api", "--nats", nats, "--port", String(ports.api), "--auth", "none", "--log-format", "json", ...STACK_BREAKER_FLAGS, ...nkey("gateway"), ...nkey("ops", "--ops-nkey")], { DISPATCH_ADMIN_TOKEN: adminToken }),
      `${apiUrl}/healthz`,
      "restart",
      supervision
    )
    yield* say(`API ${apiUrl} (OpenAPI ${apiUrl}/openapi.json; admin token in ${tokenFile}; caller authentication OFF: --auth none, local use only)`)
    const weights = Object.entries(STACK_WEIGHTS.weights).map(([target, w]) => `${target}=${w}`)
    yield* runToCompletion(dispatchChild(dir, "regions-set-weight", ["regions", "set-weight", STACK_WEIGHTS.caller, ...weights, "--nats", nats, "--by", "dispatch-stack", "--reason", "local stack defaults", ...nkey("ops")]), supervision)
    yield* say(`weights ${STACK_WEIGHTS.caller} -> ${weights.join(" ")} (npx dispatch regions list --nats ${nats})`)

    const prometheusUrl = `http://${loopback(ports.prometheus)}`
    if (prometheus === undefined) {
      yield* say("prometheus not found (apt-get install prometheus): running without it")
    } else {
      yield* restartableChild(
        {
          name: "prometheus",
          command: prometheus,
          args: [`--config.file=${writePrometheusConfig(dir, ports)}`, `--storage.tsdb.path=${join(dir, "prometheus")}`, `--web.listen-address=${loopback(ports.prometheus)}`],
          cwd: REPO_ROOT,
          logFile: join(dir, "logs", "prometheus.log")
        },
        `${prometheusUrl}/-/ready`,
        "restart",
        supervision
      )
      yield* say(`Prometheus ${prometheusUrl} (targets ${prometheusUrl}/targets, alerts ${prometheusUrl}/alerts)`)
    }

    const simulatorUrl = `http://${loopback(ports.simulator)}`
    yield* restartableChild(
      dispatchChild(dir, "simulate", [
        "simulate", "--mode", "live", "--nats", nats, ...nkey("simulator"), "--api", apiUrl, "--policy", STACK_POLICY, "--trips", options.trips ?? SF_SAMPLE,
        "--speed", String(options.speed), "--drivers", String(options.drivers), "--decline-probability", String(STACK_DECLINE_PROBABILITY),
        "--metrics-port", String(ports.simulator), "--metrics-hold", "--out", join(dir, "simulate")
      ]),
      `${simulatorUrl}/healthz`,
      "end",
      supervision
    )
    yield* say(`simulator: live replay of ${options.trips ?? "the SF sample"} at x${options.speed} through the API (metrics ${simulatorUrl}/metrics, report ${join(dir, "simulate", "report.html")} when it ends)`)
    yield* say(`Grafana: provision ${PROVISIONING} with DISPATCH_GRAFANA_DASHBOARDS=${join(REPO_ROOT, "dashboards/grafana/dashboards")} (docs/dashboards.md)`)
    yield* say(`logs in ${join(dir, "logs")}; Ctrl-C stops everything`)
    if (options.drill) yield* Effect.forkScoped(runDrill({ natsUrl: nats, natsNkey: seeds === undefined ? undefined : seedFile(seeds, "simulator"), apiUrl, market: STACK_MARKET, engines, outageRegion: STACK_OUTAGE_REGION }))
  })

export const stackUp = (options: StackOptions) =>
  Effect.gen(function*() {
    const dir = resolve(options.dir)
    const ports = stackPorts(options.portOffset)
    const prometheus = findBinary("prometheus")
    // Before anything is started or written.
    yield* checkPorts(wantedPorts(ports, options, prometheus))
    mkdirSync(join(dir, "logs"), { recursive: true })
    const say = (line: string) => Console.error(`stack: ${line}`)
    const stopping = yield* stopSignals
    const end = yield* Deferred.make<void, StackEnded>()
    const supervision: Supervision = { say, end, stopping }
    // A death during the start ends it as well as one after.
    yield* Effect.raceFirst(startAll(options, dir, ports, prometheus, supervision).pipe(Effect.andThen(Effect.never)), Deferred.await(end))
  }).pipe(Effect.scoped)
