/**
 * What keeps a supervised child from outliving this process when no scope gets to stop it:
 *
 * - a process `exit` hook SIGKILLs every live child (exit hooks must be synchronous);
 * - a watchdog shell per child waits for its stdin, a pipe from this process, to close, then
 *   SIGKILLs the child's process group. The kernel closes the pipe however this process ends
 *   (SIGKILL and OOM included), when no hook runs at all.
 *
 * Children run in their own process group (supervisor.ts spawns them detached), so a group
 * kill also takes anything they started. Release the guard once the child is gone: the
 * watchdog must die before the group id can be reused.
 */
import { spawn } from "node:child_process"

const live = new Set<() => void>()
let hooked = false

const killGroup = (pid: number): void => {
  try {
    process.kill(-pid, "SIGKILL")
  } catch {
    // already gone
  }
}

const spawnWatchdog = (pid: number) => {
  const watchdog = spawn("sh", ["-c", 'read _ ; kill -KILL -"$1" 2>/dev/null', "watchdog", String(pid)], {
    stdio: ["pipe", "ignore", "ignore"],
    // Not in this process's group: a group kill of this process (its own supervisor stopping
    // it) must not take the watchdogs that guard its children.
    detached: true
  })
  // Neither the watchdog nor its pipe may keep this process alive.
  watchdog.unref()
  const stdin = watchdog.stdin as unknown as { unref?: () => void } | null
  stdin?.unref?.()
  return watchdog
}

/** Guards the child `pid` (a process group leader); call the returned function once it is gone. */
export const guardAgainstOrphans = (pid: number): (() => void) => {
  if (!hooked) {
    hooked = true
    process.once("exit", () => {
      for (const kill of live) kill()
    })
  }
  const watchdog = spawnWatchdog(pid)
  const release = () => {
    live.delete(killNow)
    watchdog.kill("SIGKILL")
  }
  const killNow = () => {
    killGroup(pid)
    release()
  }
  live.add(killNow)
  return release
}
