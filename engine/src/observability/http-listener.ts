/**
 * The Node HTTP listener every server of the product binds (status port, gateway), with its
 * failure to listen as a typed error that names the address: `port 9464 on 127.0.0.1 is
 * already in use (EADDRINUSE)`, one line, instead of Effect's ServeError and its stack.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Schema } from "effect"
import { CliError } from "effect/cli"
import { createServer } from "node:http"

export class ListenError extends Schema.TaggedError<ListenError>()("ListenError", {
  host: Schema.String,
  port: Schema.Number,
  /** The system's code (`EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`), or `unknown`. */
  code: Schema.String,
  detail: Schema.String,
  /** The flag that sets the port, to name in the hint. */
  flag: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const where = `port ${this.port} on ${this.host}`
    const what = this.code === "EADDRINUSE"
      ? `${where} is already in use (EADDRINUSE)`
      : this.code === "EACCES"
      ? `no permission to listen on ${where} (EACCES)`
      : `cannot listen on ${where}: ${this.detail}`
    return this.flag === undefined ? what : `${what}; choose another with ${this.flag}`
  }
  override get [CliError.userMessage](): string {
    return this.message
  }
}

const codeOf = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : "unknown"

/** `NodeHttpServer.layer` on `host:port`; failing to listen is a `ListenError`. */
export const httpListener = (options: { readonly host: string; readonly port: number; readonly flag?: string | undefined }) =>
  Layer.effectContext(Layer.build(NodeHttpServer.layer(createServer, { host: options.host, port: options.port })).pipe(
    Effect.mapError((error) =>
      new ListenError({
        host: options.host,
        port: options.port,
        code: codeOf(error.cause),
        detail: error.cause instanceof Error ? error.cause.message : String(error.cause),
        flag: options.flag
      }))
  ))
