/** Whether a process with this pid exists (signal 0 checks without sending anything): how tests prove nothing was left running. */
export const isAlive = (pid: number | undefined): boolean => {
  if (pid === undefined) return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
