/**
 * Where a server binary the project starts is (nats-server, prometheus, promtool): the
 * variable that names it if set, else the first on PATH, else the Debian directories (Debian
 * puts nats-server in /usr/sbin, which is not on every user's PATH).
 */
import { accessSync, constants } from "node:fs"
import { delimiter, join } from "node:path"

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

export const findExecutable = (name: string, envVariable: string, env: NodeJS.ProcessEnv = process.env): string | undefined => {
  const explicit = env[envVariable]
  if (explicit) return isExecutable(explicit) ? explicit : undefined
  const dirs = [...(env["PATH"] ?? "").split(delimiter).filter(Boolean), "/usr/sbin", "/usr/bin"]
  return dirs.map((dir) => join(dir, name)).find(isExecutable)
}
