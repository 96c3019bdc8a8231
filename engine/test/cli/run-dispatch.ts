/** The real `dispatch` entry as a child process under Node 24, as a user runs it. */
import { execFile } from "node:child_process"
import { NODE_BIN, REPO_ROOT } from "../e2e/engine-process.ts"

const ENTRY = `${REPO_ROOT}engine/src/main/dispatch.ts`

export interface Run {
  /** Exit code; -1 when killed (the timeout). */
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export const dispatch = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}) =>
  new Promise<Run>((resolve) => {
    execFile(NODE_BIN, [ENTRY, ...args], { cwd: REPO_ROOT, timeout: 60_000, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr }))
  })

/** The non-empty lines of an output. */
export const lines = (text: string) => text.split("\n").filter((l) => l !== "")
