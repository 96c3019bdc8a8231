/**
 * `dispatch stack up`: the whole product on loopback, for an analyst to watch and ops to
 * steer. In order: nats-server, one engine per region, the region weights, the gateway,
 * Prometheus with the shipped config and rules, and a live replay of the SF sample through the
 * gateway (simulator --mode live --api). Each is a scoped resource: Ctrl-C (or any start
 * failure) stops them all, in reverse order, and nothing is left running.
 */
import { findNatsServer, LocalNatsServer, subjects } from "#engine"
import { Console, Effect } from "effect"
import { randomBytes } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { findBinary } from "./binaries.ts"
import { ManagedProcess } from "./managed-process.ts"
import { loopback, STACK_ENGINES, STACK_PORTS, STACK_WEIGHTS } from "./stack-plan.ts"

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url))
const DISPATCH = join(REPO_ROOT, "engine/src/main/dispatch.ts")
const PROMETHEUS_CONFIG = join(REPO_ROOT, "dashboards/prometheus/prometheus.yml")
const PROVISIONING = join(REPO_ROOT, "dashboards/grafana/provisioning")
const SF_SAMPLE = join(REPO_ROOT, "simulator/scenarios/sf-sample/trips.csv")
const START_TIMEOUT_MS = 60_000

export interface StackOptions {
  /** Logs, stores and reports go here. */
  readonly dir: string
  /** An existing NATS server instead of a private one. */
  readonly natsUrl: string | undefined
  readonly speed: number
  readonly drivers: number
  readonly trips: string | undefined
}

class StackStartFailed extends Error {}

/** A `dispatch ...` child (Node 24 runs it: this process is already Node 24 via the npm script or `npx`). */
const dispatchChild = (dir: string, name: string, args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}) =>
  ManagedProcess.start({ name, command: process.execPath, args: [DISPATCH, ...args], cwd: REPO_ROOT, logFile: join(dir, "logs", `${name}.log`), env })

/** A child for the life of the scope, ready once `readyUrl` answers. */
const scopedChild = (start: () => ManagedProcess, readyUrl: string | undefined) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const child = start()
        try {
          if (readyUrl !== undefined) await child.waitFor(readyUrl, START_TIMEOUT_MS)
        } catch (e) {
          await child.stop()
          throw e
        }
        return child
      },
      catch: (e) => new StackStartFailed(e instanceof Error ? e.message : String(e))
    }),
    (child) => Effect.promise(() => child.stop())
  )

/** A one-shot `dispatch ...` that must exit 0. */
const runOnce = (dir: string, name: string, args: ReadonlyArray<string>) =>
  Effect.tryPromise({
    try: async () => {
      const child = dispatchChild(dir, name, args)
      const code = await child.exited
      if (code !== 0) throw new Error(`dispatch ${args.slice(0, 2).join(" ")} exited ${code}:\n${child.tail()}`)
    },
    catch: (e) => new StackStartFailed(e instanceof Error ? e.message : String(e))
  })

const natsServer = (options: StackOptions) =>
  options.natsUrl !== undefined
    ? Effect.succeed({ url: options.natsUrl, private: false })
    : Effect.acquireRelease(
      Effect.tryPromise({
        try: () => LocalNatsServer.start({ port: STACK_PORTS.nats, storeDir: join(options.dir, "nats") }),
        catch: (e) => new StackStartFailed(`nats-server on port ${STACK_PORTS.nats}: ${e instanceof Error ? e.message : String(e)}${findNatsServer() === undefined ? "" : " (is another NATS using the port? pass --nats URL to use it)"}`)
      }),
      (server) => Effect.promise(() => server.dispose())
    ).pipe(Effect.map((server) => ({ url: server.url, private: true })))

export const stackUp = (options: StackOptions) =>
  Effect.gen(function*() {
    const dir = resolve(options.dir)
    mkdirSync(join(dir, "logs"), { recursive: true })
    const say = (line: string) => Console.error(`stack: ${line}`)

    const nats = yield* natsServer({ ...options, dir })
    yield* say(`NATS ${nats.url}${nats.private ? ` (store ${join(dir, "nats")})` : ""}`)

    yield* Effect.forEach(STACK_ENGINES, (engine) =>
      scopedChild(
        () => dispatchChild(dir, `engine-${engine.region}`, ["engine", "--nats", nats.url, "--region", engine.region, "--http-port", String(engine.port), "--instance-id", `stack-${engine.region}`, "--log-format", "json"]),
        `http://${loopback(engine.port)}/healthz`
      ).pipe(Effect.tap(() => say(`engine ${engine.region} (intake ${subjects.regionRpcAll(engine.region)}, metrics http://${loopback(engine.port)}/metrics)`))), { concurrency: "unbounded", discard: true })

    const weights = Object.entries(STACK_WEIGHTS.weights).map(([target, w]) => `${target}=${w}`)
    yield* runOnce(dir, "regions-set-weight", ["regions", "set-weight", STACK_WEIGHTS.caller, ...weights, "--nats", nats.url, "--by", "dispatch-stack", "--reason", "local stack defaults"])
    yield* say(`weights ${STACK_WEIGHTS.caller} -> ${weights.join(" ")} (dispatch regions list --nats ${nats.url})`)

    const adminToken = randomBytes(24).toString("base64url")
    const tokenFile = join(dir, "admin-token")
    writeFileSync(tokenFile, `${adminToken}\n`, { mode: 0o600 })
    const apiUrl = `http://${loopback(STACK_PORTS.api)}`
    yield* scopedChild(
      () => dispatchChild(dir, "api", ["api", "--nats", nats.url, "--port", String(STACK_PORTS.api), "--log-format", "json"], { DISPATCH_ADMIN_TOKEN: adminToken }),
      `${apiUrl}/healthz`
    )
    yield* say(`API ${apiUrl} (OpenAPI ${apiUrl}/openapi.json; admin token in ${tokenFile})`)

    const prometheus = findBinary("prometheus")
    const prometheusUrl = `http://${loopback(STACK_PORTS.prometheus)}`
    if (prometheus === undefined) {
      yield* say("prometheus not found (apt-get install prometheus): running without it")
    } else {
      yield* scopedChild(
        () => ManagedProcess.start({
          name: "prometheus",
          command: prometheus,
          args: [`--config.file=${PROMETHEUS_CONFIG}`, `--storage.tsdb.path=${join(dir, "prometheus")}`, `--web.listen-address=${loopback(STACK_PORTS.prometheus)}`],
          cwd: REPO_ROOT,
          logFile: join(dir, "logs", "prometheus.log")
        }),
        `${prometheusUrl}/-/ready`
      )
      yield* say(`Prometheus ${prometheusUrl} (targets ${prometheusUrl}/targets, alerts ${prometheusUrl}/alerts)`)
    }

    const simulatorUrl = `http://${loopback(STACK_PORTS.simulator)}`
    yield* scopedChild(
      () => dispatchChild(dir, "simulate", [
        "simulate", "--mode", "live", "--nats", nats.url, "--api", apiUrl, "--trips", options.trips ?? SF_SAMPLE,
        "--speed", String(options.speed), "--drivers", String(options.drivers),
        "--metrics-port", String(STACK_PORTS.simulator), "--metrics-hold", "--out", join(dir, "simulate")
      ]),
      `${simulatorUrl}/healthz`
    )
    yield* say(`simulator: live replay of ${options.trips ?? "the SF sample"} at x${options.speed} through the API (metrics ${simulatorUrl}/metrics, report ${join(dir, "simulate", "report.html")} when it ends)`)
    yield* say(`Grafana: provision ${PROVISIONING} with DISPATCH_GRAFANA_DASHBOARDS=${join(REPO_ROOT, "dashboards/grafana/dashboards")} (docs/dashboards.md)`)
    yield* say(`logs in ${join(dir, "logs")}; Ctrl-C stops everything`)
    return yield* Effect.never
  }).pipe(Effect.scoped)
