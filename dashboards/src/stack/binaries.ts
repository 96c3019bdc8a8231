/**
 * Where Prometheus's binaries are: `PROMETHEUS_BIN` / `PROMTOOL_BIN` if set, else PATH, else
 * the Debian directories. The local stack and the Prometheus tests look them up the same way.
 */
import { findExecutable } from "#engine"

export const PROMETHEUS_INSTALL_HINT = "install it with `apt-get install prometheus` (Debian; it brings promtool)"

export const findBinary = (name: "prometheus" | "promtool", env: NodeJS.ProcessEnv = process.env): string | undefined =>
  findExecutable(name, `${name.toUpperCase()}_BIN`, env)
