/**
 * The stack's first step: every port it is about to listen on must be free, before anything
 * is started or written. A second stack on the same ports used to print its whole banner while
 * its processes failed with EADDRINUSE in their logs (issue 17). A busy port is one line that
 * names it, what it is for, and what holds it where the OS says (`ss -ltnp`, Linux).
 */
import { Data, Effect } from "effect"
import { execFile } from "node:child_process"
import { createServer } from "node:net"

export class PortBusy extends Data.TaggedError("PortBusy")<{
  readonly port: number
  /** What the stack wanted it for, e.g. "the API gateway". */
  readonly what: string
  /** `name (pid N)` when the OS says. */
  readonly holder: string | undefined
}> {
  override get message(): string {
    return `port ${this.port} (${this.what}) is in use${this.holder === undefined ? "" : ` by ${this.holder}`}: stop it, or run this stack on other ports with --port-offset N`
  }
}

export interface WantedPort {
  readonly port: number
  readonly what: string
}

/** True when this process can listen on 127.0.0.1:port (and so could the child): tried, then closed. */
const canListen = (port: number) =>
  Effect.callback<boolean>((resume) => {
    const server = createServer()
    server.once("error", () => resume(Effect.succeed(false)))
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resume(Effect.succeed(true))))
  })

/**
 * Listening TCP sockets by port from `ss -ltnp` output: the first process named for each.
 * Lines without a `users:` field (another user's socket) have no holder.
 */
export const parseSsListeners = (text: string): ReadonlyMap<number, string> => {
  const holders = new Map<number, string>()
  for (const line of text.split("\n")) {
    const local = /^LISTEN\s+\d+\s+\d+\s+(\S+):(\d+)\s/.exec(line)
    if (local === null) continue
    const port = Number(local[2])
    const user = /users:\(\("([^"]*)",pid=(\d+)/.exec(line)
    if (user !== null && !holders.has(port)) holders.set(port, `${user[1]} (pid ${user[2]})`)
  }
  return holders
}

/** What holds the port, where `ss` exists and says; undefined otherwise. */
const holderOf = (port: number) =>
  Effect.callback<string | undefined>((resume) => {
    execFile("ss", ["-ltnpH"], { timeout: 5_000 }, (error, stdout) => {
      // -H drops the header; parseSsListeners wants the State column first either way.
      resume(Effect.succeed(error === null ? parseSsListeners(stdout).get(port) : undefined))
    })
  })

/** Fails with the first busy port, in the order given. */
export const checkPorts = (wanted: ReadonlyArray<WantedPort>) =>
  Effect.forEach(wanted, ({ port, what }) =>
    Effect.gen(function*() {
      if (yield* canListen(port)) return
      return yield* new PortBusy({ port, what, holder: yield* holderOf(port) })
    }), { discard: true })
