/** Log output for long-running commands: JSON lines for machines, pretty for a terminal. */
import { Logger } from "effect"

export type LogFormat = "auto" | "json" | "pretty"

export const loggerLayer = (format: LogFormat) =>
  Logger.layer([format === "json" || (format === "auto" && !process.stdout.isTTY) ? Logger.consoleJson : Logger.consolePretty()])
