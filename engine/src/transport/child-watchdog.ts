/**
 * Ties a child process's life to this one: a shell that waits for its stdin (a pipe from this
 * process) to close, then SIGKILLs the child. The kernel closes the pipe however this process
 * ends (SIGKILL, OOM included), so a crashed parent cannot leave an orphan holding a port.
 * Kill the watchdog (SIGKILL) before the child's pid could be reused: its `kill` never runs.
 */
import { spawn, type ChildProcess } from "node:child_process"

export const spawnWatchdog = (pid: number | undefined): ChildProcess | undefined => {
  if (pid === undefined) return undefined
  const watchdog = spawn("sh", ["-c", 'read _ ; kill -KILL "$1" 2>/dev/null', "watchdog", String(pid)], {
    stdio: ["pipe", "ignore", "ignore"]
  })
  watchdog.unref()
  const stdin = watchdog.stdin as unknown as { unref?: () => void } | null
  stdin?.unref?.()
  return watchdog
}
