/**
 * What keeps a supervised child from outliving this process when no scope gets to stop it:
 *
 * - a process `exit` hook SIGKILLs every live child (exit hooks must be synchronous);
 * - a watchdog shell per child waits for its stdin, a pipe from this process, to close, then
 *   SIGKILLs the child. The kernel closes the pipe however this process ends (SIGKILL and OOM
 *   included), when no hook runs at all.
 *
 * A child that supervises children of its own guards them the same way, so a whole tree goes.
 * Release the guard once the child is gone: the watchdog must die before the pid can be reused.
 */
import { spawn } from "node:child_process"

const live = new Set<() => void>()
let hooked = false

const sigkill = (pid: number): void => {
  try {
    process.kill(pid, "SIGKILL")
  } catch {
    // already gone
  }
}

const spawnWatchdog = (pid: number) => {
  const watchdog = spawn("sh", ["-c", 'read _ ; kill -KILL "$1" 2>/dev/null', "watchdog", String(pid)], {
    stdio: ["pipe", "ignore", "ignore"],
    // A group of its own: a signal to this process's group (Ctrl-C) must not end the watchdog
    // before this process is gone.
    detached: true
  })
  // Neither the watchdog nor its pipe may keep this process alive.
  watchdog.unref()
  const stdin = watchdog.stdin as unknown as { unref?: () => void } | null
  stdin?.unref?.()
  return watchdog
}

/** Guards the child `pid`; call the returned function once it is gone. */
export const guardAgainstOrphans = (pid: number): (() => void) => {
  if (!hooked) {
    hooked = true
    process.once("exit", () => {
      for (const kill of live) kill()
    })
  }
  const watchdog = spawnWatchdog(pid)
  const kill = () => {
    sigkill(pid)
    release()
  }
  const release = () => {
    live.delete(kill)
    watchdog.kill("SIGKILL")
  }
  live.add(kill)
  return release
}
