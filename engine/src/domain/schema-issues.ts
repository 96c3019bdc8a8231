/**
 * Schema failures as `{ path, message }` pairs with a readable path: `pickup.lat`,
 * `area.coordinates[0]`, or `$` for the value as a whole. Used wherever a decode error is
 * shown to a person (DLQ entries, HTTP 400 bodies, config errors).
 */
import { Result, type Schema, SchemaIssue } from "effect"

const standard = SchemaIssue.makeFormatterStandardSchemaV1()

export interface FieldProblem {
  readonly path: string
  readonly message: string
}

export const renderPath = (path: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined): string => {
  if (path === undefined || path.length === 0) return "$"
  return path
    .map((segment) => (typeof segment === "object" ? segment.key : segment))
    .map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join("")
}

export const fieldProblems = (error: Schema.SchemaError): ReadonlyArray<FieldProblem> =>
  standard(error.issue).issues.map((issue) => ({ path: renderPath(issue.path), message: issue.message }))

/**
 * A file's text as JSON, decoded: the value, or every problem as `path: message` (a syntax
 * error as one, with where the parser stopped). For files people edit (markets, scenarios).
 */
export const decodeJsonText = <A>(decode: (input: unknown) => Result.Result<A, Schema.SchemaError>, text: string): Result.Result<A, ReadonlyArray<string>> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return Result.fail([`not valid JSON: ${(e as Error).message}`])
  }
  return Result.mapError(decode(json), (error) => fieldProblems(error).map((p) => `${p.path}: ${p.message}`))
}
