/**
 * Placing drivers from a file instead of from demand: CSV with a header naming `lat` and
 * `lng` (and optionally `driver_id`), one driver a line. Every problem names the file and line.
 * A fleet file is small (thousands of lines), so it is read whole.
 */
import { Effect, Result } from "effect"
import { readFile } from "node:fs/promises"
import { DriversFileError } from "./errors.ts"

export interface PlacedDriver {
  readonly driverId: string | undefined
  readonly lat: number
  readonly lng: number
}

const TOKEN = /^[A-Za-z0-9_-]{1,128}$/

export const parseDriversFile = (
  text: string,
  path: string,
  contains: (lat: number, lng: number) => boolean
): Result.Result<Array<PlacedDriver>, DriversFileError> => {
  const fail = (line: number, problem: string) => Result.fail(new DriversFileError({ path, line, problem }))
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/)
  const header = (lines[0] ?? "").split(",").map((s) => s.trim())
  const latAt = header.indexOf("lat"), lngAt = header.indexOf("lng"), idAt = header.indexOf("driver_id")
  if (latAt < 0 || lngAt < 0) return fail(1, `the header must name columns lat and lng (optionally driver_id), got "${lines[0] ?? ""}"`)
  const drivers: Array<PlacedDriver> = []
  const seen = new Set<string>()
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!
    if (raw.trim() === "") continue
    const line = i + 1
    const fields = raw.split(",").map((s) => s.trim())
    if (fields.length !== header.length) return fail(line, `expected ${header.length} fields like the header, got ${fields.length}`)
    const lat = Number(fields[latAt]), lng = Number(fields[lngAt])
    if (fields[latAt] === "" || !(lat >= -90 && lat <= 90)) return fail(line, `lat must be a number in [-90, 90], got "${fields[latAt]}"`)
    if (fields[lngAt] === "" || !(lng >= -180 && lng <= 180)) return fail(line, `lng must be a number in [-180, 180], got "${fields[lngAt]}"`)
    if (!contains(lat, lng)) return fail(line, `${lat},${lng} is outside the market`)
    const driverId = idAt < 0 ? undefined : fields[idAt]!
    if (driverId !== undefined) {
      if (!TOKEN.test(driverId)) return fail(line, `driver_id "${driverId}" may hold only letters, digits, '_' and '-' (1-128 characters)`)
      if (seen.has(driverId)) return fail(line, `driver_id "${driverId}" appears twice`)
      seen.add(driverId)
    }
    drivers.push({ driverId, lat, lng })
  }
  if (drivers.length === 0) return fail(0, "no drivers in the file")
  return Result.succeed(drivers)
}

export const readDriversFile = (
  path: string,
  contains: (lat: number, lng: number) => boolean
): Effect.Effect<Array<PlacedDriver>, DriversFileError> =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (e) => new DriversFileError({ path, line: 0, problem: `cannot read: ${(e as Error).message}` })
  }).pipe(Effect.flatMap((text) => Effect.fromResult(parseDriversFile(text, path, contains))))
