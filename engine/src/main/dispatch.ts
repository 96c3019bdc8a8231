#!/usr/bin/env node
/**
 * `dispatch`: the one command line of the product. Each part owns its commands; this entry
 * composes them.
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect, Runtime } from "effect"
import { Command } from "effect/cli"
import { createRequire } from "node:module"
import { engineCommand, natsCommand } from "./engine-command.ts"
import { marketsCommand } from "./markets-command.ts"
import { roadsCommand } from "./roads-command.ts"
import { calibrateCommand, simulateCommand } from "#simulator"
import { stackCommand } from "#dashboards"
import { apiCommand, regionsCommand } from "#api"

const { version } = createRequire(import.meta.url)("../../../package.json") as { version: string }

const dispatch = Command.make("dispatch").pipe(
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

/**
 * A graceful stop asked for by SIGTERM (systemd, Kubernetes, `kill`) exits 0, as those
 * supervisors expect of a clean shutdown; Ctrl-C keeps the shell's 130.
 */
let stoppedBy: NodeJS.Signals | undefined
process.once("SIGTERM", () => (stoppedBy = "SIGTERM"))
const teardown: Runtime.Teardown = (exit, onExit) =>
  Runtime.defaultTeardown(exit, (code) => onExit(code === 130 && stoppedBy === "SIGTERM" ? 0 : code))

Command.run(dispatch, { version }).pipe(Effect.provide(NodeServices.layer), (main) => NodeRuntime.runMain(main, { teardown }))
