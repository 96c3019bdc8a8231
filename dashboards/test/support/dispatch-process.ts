/**
 * A `dispatch <command>` child process, spawned as an operator runs it, whose /metrics the
 * dashboard tests scrape. Any part (engine, api, simulator) is started the same way: a command
 * line with a metrics port, then a wait until a URL of it answers 200. A part that exits
 * first (a command not built yet, a bad flag) is reported with its output (ChildNotReady).
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { answersOk, RunningChild } from "#engine"

/** The repository root (this file is dashboards/test/support/dispatch-process.ts). */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url))
/** Node 24 from the `node` devDependency: the system node may be older. */
const NODE_BIN = `${REPO_ROOT}node_modules/.bin/node`
const DISPATCH = `${REPO_ROOT}engine/src/main/dispatch.ts`

/** Spawns `dispatch ...args` (with `env` added to this process's) and waits until `readyUrl` (e.g. /metrics or /readyz) answers 200. */
export const startDispatch = (name: string, args: ReadonlyArray<string>, readyUrl: string, timeoutMs: number, env?: Readonly<Record<string, string>>): Promise<RunningChild> =>
  RunningChild.start({
    name,
    command: NODE_BIN,
    args: [DISPATCH, ...args],
    cwd: REPO_ROOT,
    ...(env === undefined ? {} : { env }),
    ready: { what: `${readyUrl} answering 200`, timeoutMs, probe: () => answersOk(readyUrl) }
  })

/** Runs a one-shot `dispatch ...args` (e.g. `regions breakers`) to its end. */
export const runDispatch = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}): Promise<{ readonly code: number; readonly stdout: string; readonly stderr: string }> =>
  new Promise((resolve) => {
    execFile(NODE_BIN, [DISPATCH, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }))
  })
