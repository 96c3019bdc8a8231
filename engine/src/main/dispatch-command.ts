/**
 * The `dispatch` command tree: each part owns its commands; this composes them. dispatch.ts
 * runs it as the process.
 */
import { Command } from "effect/cli"
import { engineCommand, natsCommand } from "./engine-command.ts"
import { marketsCommand } from "./markets-command.ts"
import { roadsCommand } from "./roads-command.ts"
import { calibrateCommand, simulateCommand } from "#simulator"
import { stackCommand } from "#dashboards"
import { apiCommand, regionsCommand } from "#api"

export const dispatchCommand = Command.make("dispatch").pipe(
  Command.withDescription("Real-time ride dispatch engine and city traffic simulator."),
  Command.withSubcommands([
    engineCommand,
    natsCommand,
    marketsCommand,
    roadsCommand,
    simulateCommand,
    calibrateCommand,
    apiCommand,
    regionsCommand,
    stackCommand
  ])
)
