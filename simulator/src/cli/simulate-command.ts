/**
 * `dispatch simulate`: build the scenario from a scenario file and the flags
 * (scenario-from-flags.ts), run it (scenario/run-scenario.ts), write its outputs (outputs.ts)
 * and print the KPI summary. `--demo` is the README's one command: the shipped scenario
 * simulator/scenarios/sf-demo.json.
 */
import { Console, Effect, Option } from "effect"
import { runAsTool } from "#engine"
import { Command } from "effect/cli"
import { InvalidFlag } from "../scenario/errors.ts"
import { runScenario } from "../scenario/run-scenario.ts"
import { DEMO_SCENARIO, EMPTY_SCENARIO, readScenarioFile } from "../scenario/scenario-file.ts"
import { writeRunFiles } from "./outputs.ts"
import { scenarioFromFlags } from "./scenario-from-flags.ts"
import { simulateFlags, type SimulateFlags } from "./simulate-flags.ts"

/** The scenario file the flags name: `--scenario FILE`, the demo's, or none. */
const scenarioFile = (flags: SimulateFlags) =>
  Option.isSome(flags.scenario) && flags.demo
    ? Effect.fail(new InvalidFlag({ flag: "demo", problem: "--demo is a scenario file of its own: give --demo or --scenario, not both" }))
    : Option.isSome(flags.scenario)
    ? readScenarioFile(flags.scenario.value)
    : flags.demo
    ? readScenarioFile(DEMO_SCENARIO)
    : Effect.succeed(EMPTY_SCENARIO)

export const runSimulate = (flags: SimulateFlags) =>
  Effect.gen(function*() {
    const scenario = yield* scenarioFromFlags(flags, yield* scenarioFile(flags))
    const run = yield* runScenario(scenario)
    const files = yield* writeRunFiles(run)
    yield* Console.log(files.summary)
    yield* Console.log("")
    yield* Console.log(`KPI files: ${files.kpis.join(", ")}`)
    if (files.comparison !== undefined) yield* Console.log(`comparison: ${files.comparison}`)
    yield* Console.log(`report: ${files.report}`)
    const { metricsPort, metricsHost, metricsHold } = scenario.outputs
    if (metricsPort !== undefined && metricsHold) {
      yield* Console.error(`serving the final metrics on http://${metricsHost}:${metricsPort}/metrics until Ctrl-C (--metrics-hold)`)
      yield* Effect.never
    }
  }).pipe(Effect.scoped)

export const simulateCommand = Command.make("simulate", simulateFlags, (flags) => runAsTool(runSimulate(flags))).pipe(
  Command.withDescription("Replay a city's trips through the engine with a simulated fleet and riders; print KPIs, write KPI JSON and an HTML report (docs/simulator.md).")
)
