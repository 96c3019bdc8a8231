/**
 * A replay worker thread (replay-pool.ts): reads the scenario in its `workerData` once, as the
 * main thread did, then answers each task (a seed and a policy) with that replay's result.
 * Progress bars and the inputs' info logs are the main thread's: several threads drawing one
 * bar would garble it, and the logs would repeat the main thread's.
 */
import { Effect, References } from "effect"
import { parentPort, workerData } from "node:worker_threads"
import type { ReplayAnswer, ReplayTask } from "./replay-pool.ts"
import { prepare, replaySeed } from "./run-scenario.ts"
import type { Scenario } from "./scenario.ts"

const port = parentPort!
const quiet = Effect.provideService(References.MinimumLogLevel, "Warn")
const prepared = Effect.runPromise(quiet(prepare(workerData as Scenario, { mode: "in-process", why: "a replay worker" }))).then((p) => ({
  ...p,
  settings: (...args: Parameters<typeof p.settings>) => ({ ...p.settings(...args), progress: undefined })
}))

port.on("message", (task: ReplayTask) => {
  const answer = (a: ReplayAnswer) => port.postMessage(a)
  prepared
    .then((p) => Effect.runPromise(quiet(replaySeed(p, task.seed, [task.policy]))))
    .then(([result]) => answer({ id: task.id, result: result! }), (e: unknown) => answer({ id: task.id, error: e instanceof Error ? e.message : String(e) }))
})
