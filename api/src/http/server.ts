/**
 * The gateway's HTTP server on Node: the HttpApi routes (and `/openapi.json`, generated from
 * the same schemas), the ops admin routes (`/admin/*`, api/src/admin), the request guard around
 * all of them, caller authentication of `/v1` and the validation error middleware.
 */
import { Layer } from "effect"
import { HttpRouter } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { httpListener } from "#engine"
import { layerAdmin } from "../admin/admin-routes.ts"
import { DispatchApi } from "./api.ts"
import { layerAuthentication } from "./authentication.ts"
import { layerHandlers, type HandlerDeps } from "./handlers.ts"
import { layerRequestGuard } from "./request-guard.ts"
import { layerRequestValidation } from "./request-validation.ts"

/**
 * find-my-way refuses path parameters over 100 characters with a 404; ids may have 128
 * characters (ids.ts), and longer ones should get the schema's 400 naming the field.
 */
const MAX_PARAM_LENGTH = 2_048

/** The routes as a router app (no listener): what `serveGateway` serves and tests can reuse. */
export const gatewayApp = (deps: HandlerDeps) =>
  Layer.mergeAll(HttpApiBuilder.layer(DispatchApi, { openapiPath: "/openapi.json" }), layerAdmin, layerRequestGuard).pipe(
    Layer.provide(layerHandlers(deps)),
    Layer.provide([layerRequestValidation, layerAuthentication])
  )

export const serveGateway = (options: { readonly host: string; readonly port: number; readonly deps: HandlerDeps }) =>
  HttpRouter.serve(gatewayApp(options.deps), { disableLogger: true, disableListenLog: true, routerConfig: { maxParamLength: MAX_PARAM_LENGTH } }).pipe(
    Layer.provideMerge(httpListener({ host: options.host, port: options.port, flag: "--port" }))
  )
