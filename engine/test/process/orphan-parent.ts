/**
 * A parent for the orphan test (supervisor.test.ts): starts `sleep` supervised, prints its
 * pid, then waits to be killed without running any hook.
 */
import { RunningChild } from "../../src/process/running-child.ts"

const child = await RunningChild.start({ name: "sleeper", command: "sleep", args: ["600"] })
console.log(`child ${child.pid}`)
setInterval(() => undefined, 1_000)
