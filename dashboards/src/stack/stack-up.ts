/**
 * `dispatch stack up`: the whole product on loopback, for an analyst to watch and ops to
 * steer. In order: nats-server, one engine per region, the region weights, the gateway,
 * Prometheus with the shipped config and rules, and a live replay of the SF sample through the
 * gateway (simulator --mode live --api). The private nats-server runs with Dispatch's users (one
 * nkey per role, docs/security.md) and every child connects with its role's seed. Each is a scoped resource: Ctrl-C (or any start
 * failure) stops them all, in reverse order, and nothing is left running.
 */
import { findNatsServer, LocalNatsServer, type NatsRole, seedFile, subjects, type ChildSpec } from "#engine"
import { Console, Effect } from "effect"
import { randomBytes } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { findBinary } from "./binaries.ts"
import { runDrill } from "./drill.ts"
import { restartableChild, runToCompletion, StackStartFailed } from "./restartable-child.ts"
import { loopback, STACK_BREAKER_FLAGS, STACK_ENGINES, STACK_MARKET, STACK_OUTAGE_REGION, STACK_POLICY, STACK_PORTS, STACK_WEIGHTS } from "./stack-plan.ts"

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url))
const DISPATCH = join(REPO_ROOT, "engine/src/main/dispatch.ts")
const PROMETHEUS_CONFIG = join(REPO_ROOT, "dashboards/prometheus/prometheus.yml")
const PROVISIONING = join(REPO_ROOT, "dashboards/grafana/provisioning")
const SF_SAMPLE = join(REPO_ROOT, "simulator/scenarios/sf-sample/trips.csv")
/** Some simulated drivers turn an offer down, as real ones do: the fleet panels show it. */
const STACK_DECLINE_PROBABILITY = 0.05

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
}

/** A `dispatch ...` child (Node 24 runs it: this process is already Node 24 via the npm script or `npx`). */
const dispatchChild = (dir: string, name: string, args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}): ChildSpec =>
  ({ name, command: process.execPath, args: [DISPATCH, ...args], cwd: REPO_ROOT, logFile: join(dir, "logs", `${name}.log`), env })

const natsServer = (options: StackOptions) =>
  options.natsUrl !== undefined
    ? Effect.succeed({ url: options.natsUrl, private: false, seeds: options.natsSeeds })
    : Effect.acquireRelease(
      Effect.tryPromise({
        try: () => LocalNatsServer.start({ port: STACK_PORTS.nats, storeDir: join(options.dir, "nats"), auth: { seedsDir: join(options.dir, "nats-seeds") } }),
        catch: (e) => new StackStartFailed({ message: `nats-server on port ${STACK_PORTS.nats}: ${e instanceof Error ? e.message : String(e)}${findNatsServer() === undefined ? "" : " (is another NATS using the port? pass --nats URL to use it)"}` })
      }),
      (server) => Effect.promise(() => server.dispose())
    ).pipe(Effect.map((server) => ({ url: server.url, private: true, seeds: join(options.dir, "nats-seeds") })))

/** A child's credential flag for its role: none without seeds (a server without Dispatch's users). */
const nkeyArgs = (seeds: string | undefined) => (role: NatsRole, flag = "--nats-nkey"): Array<string> => (seeds === undefined ? [] : [flag, seedFile(seeds, role)])

export const stackUp = (options: StackOptions) =>
  Effect.gen(function*() {
    const dir = resolve(options.dir)
    mkdirSync(join(dir, "logs"), { recursive: true })
    const say = (line: string) => Console.error(`stack: ${line}`)

    const nats = yield* natsServer({ ...options, dir })
    yield* say(`NATS ${nats.url}${nats.private ? ` (store ${join(dir, "nats")})` : ""}${nats.seeds === undefined ? "" : `, a user per role (seeds ${nats.seeds}, docs/security.md)`}`)
    const nkey = nkeyArgs(nats.seeds)
    // Only ops may create streams and buckets; engines and the gateway then find them.
    yield* runToCompletion(dispatchChild(dir, "nats-init", ["nats", "init", "--nats", nats.url, ...nkey("ops")]))

    const engines = new Map(yield* Effect.forEach(STACK_ENGINES, (engine) =>
      restartableChild(
        dispatchChild(dir, `engine-${engine.region}`, ["engine", "--nats", nats.url, "--region", engine.region, "--policy", STACK_POLICY, "--http-port", String(engine.port), "--instance-id", `stack-${engine.region}`, "--log-format", "json", ...nkey("engine")]),
        `http://${loopback(engine.port)}/healthz`
      ).pipe(
        Effect.tap(() => say(`engine ${engine.region} (intake ${subjects.regionRpcAll(engine.region)}, metrics http://${loopback(engine.port)}/metrics)`)),
        Effect.map((child) => [engine.region, child] as const)
      ), { concurrency: "unbounded" }))

    const adminToken = randomBytes(24).toString("base64url")
    const tokenFile = join(dir, "admin-token")
    writeFileSync(tokenFile, `${adminToken}\n`, { mode: 0o600 })
    const apiUrl = `http://${loopback(STACK_PORTS.api)}`
    yield* restartableChild(
      dispatchChild(dir, "api", ["api", "--nats", nats.url, "--port", String(STACK_PORTS.api), "--auth", "none", "--log-format", "json", ...STACK_BREAKER_FLAGS, ...nkey("gateway"), ...nkey("ops", "--ops-nkey")], { DISPATCH_ADMIN_TOKEN: adminToken }),
      `${apiUrl}/healthz`
    )
    yield* say(`API ${apiUrl} (OpenAPI ${apiUrl}/openapi.json; admin token in ${tokenFile}; caller authentication OFF: --auth none, local use only)`)
    const weights = Object.entries(STACK_WEIGHTS.weights).map(([target, w]) => `${target}=${w}`)
    yield* runToCompletion(dispatchChild(dir, "regions-set-weight", ["regions", "set-weight", STACK_WEIGHTS.caller, ...weights, "--nats", nats.url, "--by", "dispatch-stack", "--reason", "local stack defaults", ...nkey("ops")]))
    yield* say(`weights ${STACK_WEIGHTS.caller} -> ${weights.join(" ")} (dispatch regions list --nats ${nats.url})`)

    const prometheus = findBinary("prometheus")
    const prometheusUrl = `http://${loopback(STACK_PORTS.prometheus)}`
    if (prometheus === undefined) {
      yield* say("prometheus not found (apt-get install prometheus): running without it")
    } else {
      yield* restartableChild(
        {
          name: "prometheus",
          command: prometheus,
          args: [`--config.file=${PROMETHEUS_CONFIG}`, `--storage.tsdb.path=${join(dir, "prometheus")}`, `--web.listen-address=${loopback(STACK_PORTS.prometheus)}`],
          cwd: REPO_ROOT,
          logFile: join(dir, "logs", "prometheus.log")
        },
        `${prometheusUrl}/-/ready`
      )
      yield* say(`Prometheus ${prometheusUrl} (targets ${prometheusUrl}/targets, alerts ${prometheusUrl}/alerts)`)
    }

    const simulatorUrl = `http://${loopback(STACK_PORTS.simulator)}`
    yield* restartableChild(
      dispatchChild(dir, "simulate", [
        "simulate", "--mode", "live", "--nats", nats.url, ...nkey("simulator"), "--api", apiUrl, "--policy", STACK_POLICY, "--trips", options.trips ?? SF_SAMPLE,
        "--speed", String(options.speed), "--drivers", String(options.drivers), "--decline-probability", String(STACK_DECLINE_PROBABILITY),
        "--metrics-port", String(STACK_PORTS.simulator), "--metrics-hold", "--out", join(dir, "simulate")
      ]),
      `${simulatorUrl}/healthz`
    )
    yield* say(`simulator: live replay of ${options.trips ?? "the SF sample"} at x${options.speed} through the API (metrics ${simulatorUrl}/metrics, report ${join(dir, "simulate", "report.html")} when it ends)`)
    yield* say(`Grafana: provision ${PROVISIONING} with DISPATCH_GRAFANA_DASHBOARDS=${join(REPO_ROOT, "dashboards/grafana/dashboards")} (docs/dashboards.md)`)
    yield* say(`logs in ${join(dir, "logs")}; Ctrl-C stops everything`)
    if (options.drill) yield* runDrill({ natsUrl: nats.url, natsNkey: nats.seeds === undefined ? undefined : seedFile(nats.seeds, "simulator"), apiUrl, market: STACK_MARKET, engines, outageRegion: STACK_OUTAGE_REGION })
    return yield* Effect.never
  }).pipe(Effect.scoped)
