/**
 * Admin API error answers, in the gateway's JSON shape `{ "error": { code, message, path? } }`
 * (api/src/http/problems.ts), with the codes only the admin API has: `unauthorized`,
 * `admin_disabled`, `conflict`.
 */
import { HttpServerResponse as Res } from "effect/http"
import type { RegionStoreError } from "../regions/errors.ts"

export type AdminErrorCode = "unauthorized" | "admin_disabled" | "invalid" | "not_json" | "unprocessable" | "conflict" | "not_found" | "unavailable"

export const adminError = (status: number, code: AdminErrorCode, message: string, path?: string, headers?: Record<string, string>) =>
  Res.jsonUnsafe({ error: path === undefined ? { code, message } : { code, message, path } }, {
    status,
    headers: { "cache-control": "no-store", ...headers }
  })

/** 422 names the first field at fault in `path` and lists every problem in `problems`. */
export const storeErrorResponse = (e: RegionStoreError) => {
  switch (e._tag) {
    case "RegionValueInvalid":
      return Res.jsonUnsafe({ error: { code: "unprocessable", message: e.message, path: e.problems[0]?.path ?? "$", problems: e.problems } }, { status: 422 })
    case "RevisionConflict":
      return Res.jsonUnsafe({ error: { code: "conflict", message: e.message, path: "expectedRevision", key: e.key, expected: e.expected, actual: e.actual ?? null } }, { status: 409 })
    case "RevisionNotFound":
      return adminError(404, "not_found", e.message, "revision")
    case "RegionStoreFailure":
      return adminError(503, "unavailable", e.message, undefined, { "retry-after": "1" })
  }
}
