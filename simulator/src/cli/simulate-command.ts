/**
 * `dispatch simulate`: replay trips through the engine's dispatcher with the fleet and rider
 * models, print the KPI summary and write the KPI files and the HTML report. `--demo` is the
 * README's one command: the shipped SF sample, greedy vs batch.
 */
import { findNatsServer, makeRegistry, makeSimulatorMetrics, POLICIES, type PolicyName, statusServer } from "#engine"
import { Console, Effect, Layer, Option, Result } from "effect"
import { CliError, Command } from "effect/cli"
import { readDriversFile } from "../fleet/drivers-file.ts"
import { defaultRepositionSettings } from "../fleet/repositioning.ts"
import { renderHtmlReport } from "../report/html-report.ts"
import { KpiMetrics } from "../report/kpi-metrics.ts"
import { markdownSummary } from "../report/markdown-summary.ts"
import { parsePatience } from "../riders/patience.ts"
import { replaySettings } from "../runner/defaults.ts"
import { LiveDispatchPort } from "../transport/live-port.ts"
import { NatsDispatchPort } from "../transport/nats-port.ts"
import { replay, scanDemand, type ReplayResult } from "../runner/replay.ts"
import { formatReadSummary } from "../trips/rejections.ts"
import { parseTripTime } from "../trips/trip-time.ts"
import { InvalidFlag } from "./errors.ts"
import { loadMarket, marketEta, SF_SAMPLE_TRIPS, syntheticTrips, tripsFromFile } from "./inputs.ts"
import { writeRunFiles } from "./outputs.ts"
import { simulateFlags } from "./simulate-flags.ts"

type Flags = Command.Command.Config.Infer<typeof simulateFlags>

/** The one transport built so far; the summary and the report say it. */
export const IN_PROCESS_TRANSPORT = "in-process (the engine's Dispatcher in this process)"

const parsePolicies = (flags: Flags): Result.Result<Array<PolicyName>, InvalidFlag> => {
  const spec = Option.getOrUndefined(flags.compare) ?? (flags.demo ? "greedy,batch" : undefined)
  if (spec === undefined) return Result.succeed([flags.policy])
  const names = spec.split(",").map((s) => s.trim()).filter((s) => s.length > 0)
  const unknown = names.filter((n) => !(POLICIES as ReadonlyArray<string>).includes(n))
  if (unknown.length > 0) return Result.fail(new InvalidFlag({ flag: "compare", problem: `unknown polic${unknown.length > 1 ? "ies" : "y"} ${unknown.join(", ")} (known: ${POLICIES.join(", ")})` }))
  if (names.length < 2 || new Set(names).size !== names.length) return Result.fail(new InvalidFlag({ flag: "compare", problem: `expected two or more different policies, e.g. greedy,batch; got "${spec}"` }))
  return Result.succeed(names as Array<PolicyName>)
}

const parseTime = (flag: string, value: Option.Option<string>): Result.Result<number | undefined, InvalidFlag> => {
  if (Option.isNone(value)) return Result.succeed(undefined)
  const t = parseTripTime(value.value)
  return t === undefined
    ? Result.fail(new InvalidFlag({ flag, problem: `expected an ISO-8601 time with a zone (2008-06-01T00:00:00Z) or epoch, got "${value.value}"` }))
    : Result.succeed(t)
}

/** Every setting as the flags name it, for the KPI file's scenario. */
const describe = (flags: Flags) => ({
  "max-wait-s": flags.maxWaitS,
  "patience": flags.patience,
  "decline-probability": flags.declineProbability,
  "decline-response-s": flags.declineResponseS,
  "publish-interval-s": flags.publishIntervalS,
  "reposition": flags.reposition,
  "shift-hours": Option.getOrElse(flags.shiftHours, () => "off"),
  "batch-window-ms": flags.batchWindowMs,
  "clock": flags.clock === "realtime" ? `realtime x${flags.speed}` : resolveMode(flags).mode === "live" ? `live x${flags.speed}` : "virtual",
  "mode": resolveMode(flags).mode
})

/** End of the demo's replay in NATS mode: 2 hours of the sample (17:00-19:00 PDT). */
const DEMO_NATS_TO = Date.parse("2008-06-01T02:00:00Z")

/** `--mode`, with `auto` (the demo's default) resolved: NATS when a server is given or installed. */
const resolveMode = (flags: Flags): { readonly mode: "in-process" | "nats" | "live"; readonly natsUrl: string | undefined; readonly why: string } => {
  const natsUrl = Option.getOrUndefined(flags.nats) ?? (process.env["NATS_URL"] || undefined)
  const wanted = Option.getOrElse(flags.mode, () => (flags.demo ? "auto" as const : "in-process" as const))
  if (wanted !== "auto") return { mode: wanted, natsUrl, why: `--mode ${wanted}` }
  if (natsUrl !== undefined) return { mode: "nats", natsUrl, why: "auto: NATS_URL is set" }
  if (findNatsServer() !== undefined) return { mode: "nats", natsUrl, why: "auto: nats-server is installed" }
  return { mode: "in-process", natsUrl, why: "auto: no NATS_URL and no nats-server binary" }
}

export const runSimulate = (flags: Flags) =>
  Effect.gen(function*() {
    let transport = IN_PROCESS_TRANSPORT
    const policies = yield* Effect.fromResult(parsePolicies(flags))
    const from = yield* Effect.fromResult(parseTime("from", flags.from))
    const mode = resolveMode(flags)
    if (mode.mode === "live") {
      if (mode.natsUrl === undefined) return yield* new InvalidFlag({ flag: "mode", problem: "live drives a running engine: give its NATS server with --nats or NATS_URL" })
      if (policies.length > 1) return yield* new InvalidFlag({ flag: "mode", problem: "live replays through the running engine, which has one policy: give --policy (the engine's) and --trips instead of --compare or --demo" })
      if (flags.clock === "realtime") return yield* new InvalidFlag({ flag: "clock", problem: "live mode paces itself by --speed: leave --clock at virtual" })
    } else if (Option.isSome(flags.api)) return yield* new InvalidFlag({ flag: "api", problem: "only with --mode live (orders through a gateway to a running engine)" })
    const toFlag = yield* Effect.fromResult(parseTime("to", flags.to))
    // NATS mode replays ~230 trips per wall second (lockstep round trips), so the whole 5-hour
    // sample takes ~70 s for the two policies; the demo keeps under a minute with its first 2 hours.
    const demoCut = flags.demo && mode.mode === "nats" && toFlag === undefined && Option.isNone(flags.from) && Option.isNone(flags.trips)
    const to = demoCut ? DEMO_NATS_TO : toFlag
    if (from !== undefined && to !== undefined && !(from < to)) return yield* new InvalidFlag({ flag: "to", problem: "must be after --from" })
    const patience = yield* Effect.fromResult(parsePatience(flags.patience))
    const choice = yield* loadMarket(flags)
    const tripsPath = Option.getOrUndefined(flags.trips) ?? (flags.demo ? SF_SAMPLE_TRIPS : undefined)
    if (tripsPath !== undefined && Option.isSome(flags.synthetic)) return yield* new InvalidFlag({ flag: "synthetic", problem: "give --trips or --synthetic, not both" })
    const input = tripsPath !== undefined
      ? yield* tripsFromFile(tripsPath, flags.columns, choice)
      : Option.isSome(flags.synthetic)
      ? yield* syntheticTrips(flags.synthetic.value, flags.syntheticDate, flags.syntheticHours, flags.seed, choice)
      : yield* new InvalidFlag({ flag: "trips", problem: "give a trips file (--trips FILE), a synthetic city (--synthetic N) or --demo" })
    const contains = (lat: number, lng: number) => choice.catalog.marketOf(lat, lng) === choice.market
    const placedDrivers = Option.isSome(flags.driversFile) ? yield* readDriversFile(flags.driversFile.value, contains) : undefined

    const eta = yield* marketEta(choice.market)
    const settingsFor = (policy: PolicyName) => {
      const base = replaySettings(choice.market, eta, policy)
      return replaySettings(choice.market, eta, policy, {
        dispatch: { ...base.dispatch, batchWindowMs: flags.batchWindowMs },
        drivers: placedDrivers?.length ?? flags.drivers,
        placedDrivers,
        seed: flags.seed,
        maxWaitMs: flags.maxWaitS * 1000,
        patience,
        declineProbability: flags.declineProbability,
        declineResponseMs: Math.round(flags.declineResponseS * 1000),
        publishIntervalMs: Math.round(flags.publishIntervalS * 1000),
        reposition: flags.reposition ? defaultRepositionSettings : undefined,
        shiftHours: Option.getOrUndefined(flags.shiftHours),
        from,
        to,
        mapResolution: Option.getOrElse(flags.mapResolution, () => choice.market.h3Resolution),
        // Live mode is paced by the runner's real-time clock, which sleeps between events, so this
        // process keeps answering (--metrics-port); the port's own pacing only guards the drain.
        clock: flags.clock === "realtime" || mode.mode === "live" ? { kind: "realtime", speed: flags.speed } : { kind: "virtual" },
        progress: process.stderr,
        describe: describe(flags),
        openPort: mode.mode === "in-process" ? undefined : mode.mode === "live" ? (start: number) => {
          const port = LiveDispatchPort.open({ natsUrl: mode.natsUrl!, market: choice.market.id, start, speed: flags.speed, apiUrl: Option.getOrUndefined(flags.api) })
          transport = port.transport
          return port
        } : (start: number) => {
          const port = NatsDispatchPort.open({
            natsUrl: mode.natsUrl,
            market: choice.market.id,
            engineArgs: ["--policy", policy, "--batch-window-ms", String(flags.batchWindowMs), "--market-file", choice.files.join(",")],
            start
          })
          transport = port.transport
          return port
        }
      })
    }

    yield* Console.error(`dispatch simulate: ${input.source.name} · market ${choice.market.id} · ${policies.join(" vs ")} · transport ${mode.mode === "nats" ? `NATS, a dispatch engine --clock sim per policy (${mode.why})` : mode.mode === "live" ? `live, the running engine on ${mode.natsUrl} at x${flags.speed}` : `${IN_PROCESS_TRANSPORT} (${mode.why})`}`)
    if (demoCut) yield* Console.error(`demo in NATS mode: the first 2 hours of the sample (--to ${new Date(DEMO_NATS_TO).toISOString()}) to stay under a minute; --mode in-process replays all 5 hours in ~5 s, or give --to`)
    const scanStarted = performance.now()
    const scan = yield* scanDemand(input.source, settingsFor(policies[0]!))
    const scanSeconds = Math.round(performance.now() - scanStarted) / 1000
    const tripsRead = yield* input.summary
    if (tripsRead !== undefined && tripsRead.rejected > 0) yield* Console.error(formatReadSummary(tripsRead).join("\n"))
    const metrics = yield* serveMetrics(flags)
    const runs: Array<ReplayResult> = []
    for (const policy of policies) {
      const settings = settingsFor(policy)
      const live = metrics === undefined ? undefined : new KpiMetrics(metrics, { market: choice.market.id, policy, start: scan.start, end: scan.end, drivers: settings.drivers })
      runs.push(yield* replay(input.source, { ...settings, observer: live?.on }, scan))
    }

    const summary = markdownSummary(runs, transport)
    const html = renderHtmlReport(runs, { timeZone: choice.market.timeZone, transport })
    const files = yield* writeRunFiles(flags.out, runs, { transport, clock: describe(flags).clock, tripsRead, scanSeconds }, summary, html)
    yield* Console.log(summary)
    yield* Console.log("")
    yield* Console.log(`KPI files: ${files.kpis.join(", ")}`)
    yield* Console.log(`report: ${files.report}`)
    if (metrics !== undefined && flags.metricsHold) {
      yield* Console.error(`serving the final metrics on http://${flags.metricsHost}:${Option.getOrThrow(flags.metricsPort)}/metrics until Ctrl-C (--metrics-hold)`)
      yield* Effect.never
    }
  }).pipe(Effect.scoped)

/** `--metrics-port`: the run's KPI metrics plus Node's, on a status port closed with the run. */
const serveMetrics = (flags: Flags) =>
  Effect.gen(function*() {
    if (Option.isNone(flags.metricsPort)) return undefined
    const registry = makeRegistry()
    const metrics = makeSimulatorMetrics(registry)
    yield* Layer.build(statusServer({ host: flags.metricsHost, port: flags.metricsPort.value, registry, readiness: () => ({ ready: true }) }))
    yield* Console.error(`metrics: http://${flags.metricsHost}:${flags.metricsPort.value}/metrics`)
    return metrics
  })

/** A failure shown as its message alone (file and line, or flag), exit status 1. */
const asUserError = <E extends { readonly message: string }>(e: E) => new CliError.UserError({ cause: e, userMessage: e.message })

export const simulateCommand = Command.make("simulate", simulateFlags, (flags) => runSimulate(flags).pipe(Effect.mapError(asUserError))).pipe(
  Command.withDescription("Replay a city's trips through the engine with a simulated fleet and riders; print KPIs, write KPI JSON and an HTML report (docs/simulator.md).")
)
