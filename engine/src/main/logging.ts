/** Log output for long-running commands: JSON lines for machines, pretty for a terminal. */
import { Logger } from "effect"
import type { LogFormat } from "../cli/shared-flags.ts"

export const loggerLayer = (format: LogFormat) =>
  Logger.layer([format === "json" || (format === "auto" && !process.stdout.isTTY) ? Logger.consoleJson : Logger.consolePretty()])
