#!/usr/bin/env node
/**
 * `dispatch`: the one command line of the product, as a process. A bad invocation is one line
 * on stderr and exit 1 (cli-output.ts); the commands are in dispatch-command.ts.
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect, Runtime } from "effect"
import { Command } from "effect/cli"
import { createRequire } from "node:module"
import { layerCliOutput } from "../cli/cli-output.ts"
import { dispatchCommand } from "./dispatch-command.ts"

const { version } = createRequire(import.meta.url)("../../../package.json") as { version: string }

/**
 * A graceful stop asked for by SIGTERM (systemd, Kubernetes, `kill`) exits 0, as those
 * supervisors expect of a clean shutdown; Ctrl-C keeps the shell's 130.
 */
let stoppedBy: NodeJS.Signals | undefined
process.once("SIGTERM", () => (stoppedBy = "SIGTERM"))
const teardown: Runtime.Teardown = (exit, onExit) =>
  Runtime.defaultTeardown(exit, (code) => onExit(code === 130 && stoppedBy === "SIGTERM" ? 0 : code))

Command.run(dispatchCommand, { version }).pipe(
  Effect.provide(layerCliOutput(dispatchCommand, process.argv.slice(2))),
  Effect.provide(NodeServices.layer),
  (main) => NodeRuntime.runMain(main, { teardown })
)
