/**
 * Where Prometheus's binaries are: `<NAME>_BIN` if set, else PATH, else /usr/bin (Debian's
 * place). The local stack and the Prometheus tests look them up the same way.
 */
import { accessSync, constants } from "node:fs"
import { delimiter, join } from "node:path"

export const PROMETHEUS_INSTALL_HINT = "install it with `apt-get install prometheus` (Debian; it brings promtool)"

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

export const findBinary = (name: "prometheus" | "promtool", env: NodeJS.ProcessEnv = process.env): string | undefined => {
  const explicit = env[`${name.toUpperCase()}_BIN`]
  if (explicit) return isExecutable(explicit) ? explicit : undefined
  const dirs = [...(env["PATH"] ?? "").split(delimiter).filter(Boolean), "/usr/bin"]
  return dirs.map((dir) => join(dir, name)).find(isExecutable)
}
