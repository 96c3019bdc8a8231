/**
 * A process's one status port: `/healthz` (the process runs), `/readyz` (ready, with the
 * details: for the engine, connected to NATS and owning or standing by for its partitions) and
 * `/metrics` (Prometheus). The engine serves it; so does `dispatch simulate --metrics-port`.
 */
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse as Res } from "effect/http"
import type { Registry } from "prom-client"
import { httpListener } from "./http-listener.ts"

export interface Readiness {
  readonly ready: boolean
  readonly [detail: string]: unknown
}

/** `flag`: the flag that sets the port, named when it cannot be bound (`ListenError`). */
export const statusServer = (options: { readonly host: string; readonly port: number; readonly flag?: string; readonly registry: Registry; readonly readiness: () => Readiness }) =>
  HttpRouter.serve(
    HttpRouter.use((router) =>
      Effect.gen(function*() {
        yield* router.add("GET", "/healthz", Res.text("ok\n"))
        yield* router.add("GET", "/readyz", Effect.sync(() => {
          const readiness = options.readiness()
          return Res.jsonUnsafe(readiness, { status: readiness.ready ? 200 : 503 })
        }))
        yield* router.add("GET", "/metrics", Effect.promise(() => options.registry.metrics()).pipe(
          Effect.map((body) => Res.text(body, { contentType: options.registry.contentType }))
        ))
      })
    ),
    { disableLogger: true }
  ).pipe(Layer.provide(httpListener(options)))
