/**
 * A scenario's replays spread over worker threads (replay-worker.ts): a task is one seed and
 * one policy; each worker reads the scenario's inputs once and runs the tasks it is given, one
 * at a time, taking the next when it is done. A replay depends only on the scenario and its
 * seed, so the results are the serial run's; they come back in seed, then policy, order.
 */
import type { PolicyName } from "#engine"
import { Effect } from "effect"
import { Worker } from "node:worker_threads"
import type { ReplayResult } from "../runner/replay.ts"
import { ReplayFailed } from "./errors.ts"
import type { Scenario } from "./scenario.ts"

const WORKER = new URL("./replay-worker.ts", import.meta.url)

/** One seed's replays, a result per policy of the scenario in its order. */
export interface SeedReplays {
  readonly seed: number
  readonly runs: ReadonlyArray<ReplayResult>
}

export interface ReplayTask {
  readonly id: number
  readonly seed: number
  readonly policy: PolicyName
}

export type ReplayAnswer = { readonly id: number; readonly result: ReplayResult } | { readonly id: number; readonly error: string }

const runTasks = (workers: ReadonlyArray<Worker>, tasks: ReadonlyArray<ReplayTask>) =>
  new Promise<Array<ReplayResult>>((resolve, reject) => {
    const results: Array<ReplayResult> = []
    let next = 0, done = 0
    const give = (worker: Worker) => {
      if (next < tasks.length) worker.postMessage(tasks[next++])
    }
    for (const worker of workers) {
      worker.on("message", (answer: ReplayAnswer) => {
        const task = tasks[answer.id]!
        if ("error" in answer) return reject(new Error(`seed ${task.seed}, ${task.policy}: ${answer.error}`))
        results[answer.id] = answer.result
        process.stderr.write(`[${task.policy} seed ${task.seed}] done in ${answer.result.timing.wallSeconds.toFixed(1)} s (${++done} of ${tasks.length})\n`)
        if (done === tasks.length) resolve(results)
        else give(worker)
      })
      worker.on("error", reject)
      worker.on("exit", (code) => {
        if (done < tasks.length) reject(new Error(`a worker exited with code ${code} before its replays were done`))
      })
      give(worker)
    }
  })

/** `size` workers (at most one per task) replaying every policy of `scenario` with every seed. */
export const replayInWorkers = (scenario: Scenario, seeds: ReadonlyArray<number>, size: number): Effect.Effect<Array<SeedReplays>, ReplayFailed> =>
  Effect.scoped(Effect.gen(function*() {
    const policies = scenario.policies.names
    const tasks = seeds.flatMap((seed) => policies.map((policy) => ({ seed, policy }))).map((t, id): ReplayTask => ({ id, ...t }))
    const workers = yield* Effect.acquireRelease(
      Effect.sync(() => Array.from({ length: Math.min(size, tasks.length) }, () => new Worker(WORKER, { workerData: scenario }))),
      (started) => Effect.promise(() => Promise.all(started.map((w) => w.terminate())))
    )
    const results = yield* Effect.tryPromise({ try: () => runTasks(workers, tasks), catch: (e) => new ReplayFailed({ detail: (e as Error).message }) })
    return seeds.map((seed, s) => ({ seed, runs: policies.map((_, p) => results[s * policies.length + p]!) }))
  }))
