/**
 * Reading a trips file: a CSV file, plain or gzip (told by its magic bytes, not its name),
 * STREAMED as an Effect `Stream<Trip>` in non-decreasing request time, with a summary of the
 * rows it refused.
 *
 * The file is never held whole: it is read in 64 KiB chunks, gunzipped and decoded on the
 * fly, and the next chunk is read only when the stream's consumer pulls (backpressure through
 * `Stream.fromAsyncIterable`). What stays in memory is one chunk, one unfinished record and
 * the sort window (sort-window.ts).
 *
 * Bad rows are counted (rejections.ts) and skipped. Problems with the file as a whole fail the
 * stream with a `TripFileError` naming the file. A truncated or corrupt gzip file first emits
 * every trip read before the damage, then fails with `TripFileCorrupt` (its `afterLine` says
 * how far it got): a replay of a damaged download is never silently short.
 */
import { Array as Arr, Effect, Result, Stream } from "effect"
import { open, type FileHandle } from "node:fs/promises"
import { pipeline, type Readable } from "node:stream"
import { createGunzip } from "node:zlib"
import { fileColumnNames, resolveColumns, type ColumnMapping, type RequiredColumns } from "./column-mapping.ts"
import { CsvRecordSplitter } from "./csv-records.ts"
import {
  InvalidTripOption,
  isTripFileError,
  TripFileCorrupt,
  TripFileEmpty,
  TripFileNoHeader,
  TripFileNotFound,
  TripFileUnreadable,
  type TripFileError
} from "./errors.ts"
import { resolveMarket, type MarketScope } from "./market-scope.ts"
import { RejectionTally, type TripReadSummary } from "./rejections.ts"
import { DEFAULT_SORT_TOLERANCE_MS, SortWindow } from "./sort-window.ts"
import type { Trip } from "./trip.ts"
import { makeRowDecoder, RowRejection, type RowDecoder } from "./trip-row.ts"

export interface TripCsvOptions {
  /** Our column -> the file's column (see column-mapping.ts); unmapped columns keep our names. */
  readonly columns?: ColumnMapping
  /** When given, trips whose pickup or dropoff is outside this market are rejected (`outside_market`). */
  readonly market?: MarketScope
  /** How much older (ms) than the latest row a row may be and still be re-sorted into place. Default DEFAULT_SORT_TOLERANCE_MS. */
  readonly sortToleranceMs?: number
  /** Optional columns that must be in the header: the read fails at the header, before any row, without them. */
  readonly require?: RequiredColumns
}

export interface TripCsv {
  /** The trips; each run reads the file afresh. Fails with a `TripFileError` for a file-level problem. */
  readonly trips: Stream.Stream<Trip, TripFileError>
  /** Counts of the latest run of `trips`; final once the run has ended (`complete` is then true). */
  readonly summary: Effect.Effect<TripReadSummary>
}

/** Bytes read from disk at a time, and gunzip output chunk size: ~700 trip rows. */
const CHUNK_BYTES = 64 * 1024
const GZIP_MAGIC = [0x1f, 0x8b] as const

/**
 * A trips file as a stream of trips. Fails at once (before reading anything) if an option is
 * invalid; the file itself is opened when the stream runs.
 */
export const readTripCsv = (path: string, options: TripCsvOptions = {}): Effect.Effect<TripCsv, InvalidTripOption> =>
  Effect.gen(function*() {
    const toleranceMs = options.sortToleranceMs ?? DEFAULT_SORT_TOLERANCE_MS
    if (!(toleranceMs >= 0 && Number.isFinite(toleranceMs))) {
      return yield* new InvalidTripOption({ option: "sortToleranceMs", problem: `must be a finite number >= 0, got ${toleranceMs}` })
    }
    const market = options.market === undefined ? undefined : yield* Effect.fromResult(resolveMarket(options.market))
    const read: ReadOptions = { columns: options.columns ?? {}, contains: market?.contains, toleranceMs, require: options.require }
    let latest = new RejectionTally(path, false)
    const trips = Stream.fromAsyncIterable(
      { [Symbol.asyncIterator]: () => tripBatches(path, read, (tally) => (latest = tally)) },
      (e): TripFileError => (isTripFileError(e) ? e : new TripFileUnreadable({ path, detail: String(e) }))
    ).pipe(Stream.flattenArray)
    return { trips, summary: Effect.sync(() => latest.snapshot()) }
  })

interface ReadOptions {
  readonly columns: ColumnMapping
  readonly contains: ((lat: number, lng: number) => boolean) | undefined
  readonly toleranceMs: number
  readonly require: RequiredColumns | undefined
}

/** The reading itself: yields the trips of each chunk as one batch, throws only `TripFileError`s. */
async function* tripBatches(
  path: string,
  options: ReadOptions,
  started: (tally: RejectionTally) => void
): AsyncGenerator<Arr.NonEmptyReadonlyArray<Trip>> {
  const { text, gzip } = await openText(path)
  const tally = new RejectionTally(path, gzip)
  started(tally)
  const window = new SortWindow(options.toleranceMs)
  const { contains } = options
  let out: Array<Trip> = []
  let decode: RowDecoder | undefined
  let failure: TripFileError | undefined

  const splitter = new CsvRecordSplitter({
    record: (fields, line) => {
      if (failure !== undefined) return
      if (decode === undefined) {
        const columns = resolveColumns(path, fields, options.columns, options.require)
        if (Result.isFailure(columns)) failure = columns.failure
        else decode = makeRowDecoder(columns.success, fields.length)
        return
      }
      tally.row()
      const trip = decode(fields, line)
      if (trip instanceof RowRejection) return tally.reject(line, trip.reason, trip.detail)
      if (contains !== undefined && !(contains(trip.pickup.lat, trip.pickup.lng) && contains(trip.dropoff.lat, trip.dropoff.lng))) {
        const which = contains(trip.pickup.lat, trip.pickup.lng) ? "dropoff" : "pickup"
        const point = trip[which]
        return tally.reject(line, "outside_market", `${which} ${point.lat},${point.lng} is outside the market`)
      }
      if (!window.admits(trip.requestTime)) {
        return tally.reject(
          line,
          "unsorted",
          `request_time ${new Date(trip.requestTime).toISOString()} is ${(window.latest - trip.requestTime) / 1000} s before ` +
            `the latest (${new Date(window.latest).toISOString()}), beyond the ${options.toleranceMs / 1000} s tolerance`
        )
      }
      window.add(trip, out)
    },
    malformed: (line, problem, detail) => {
      if (failure !== undefined) return
      if (decode === undefined) {
        failure = new TripFileNoHeader({ path, firstLine: `(unreadable: ${detail})`, expected: fileColumnNames(options.columns) })
        return
      }
      tally.row()
      tally.reject(line, problem, detail)
    }
  })

  try {
    for await (const chunk of text) {
      splitter.push(chunk as string)
      if (failure !== undefined) throw failure
      if (Arr.isReadonlyArrayNonEmpty(out)) {
        yield out
        out = []
      }
    }
  } catch (e) {
    if (isTripFileError(e)) throw e
    if (gzip && isZlibError(e)) {
      // Hand over what was read before the damage, then say where it stopped.
      window.flush(out)
      if (Arr.isReadonlyArrayNonEmpty(out)) yield out
      throw new TripFileCorrupt({ path, afterLine: splitter.linesRead, detail: (e as Error).message })
    }
    throw new TripFileUnreadable({ path, detail: (e as Error).message ?? String(e) })
  }
  splitter.end()
  if (failure !== undefined) throw failure
  if (decode === undefined) throw new TripFileEmpty({ path })
  window.flush(out)
  tally.complete()
  if (Arr.isReadonlyArrayNonEmpty(out)) yield out
}

/** Opens the file and, if its first bytes are the gzip magic, a gunzip behind it; UTF-8 text out. */
const openText = async (path: string): Promise<{ readonly text: Readable; readonly gzip: boolean }> => {
  let handle: FileHandle
  try {
    handle = await open(path, "r")
  } catch (e) {
    throw (e as NodeJS.ErrnoException).code === "ENOENT"
      ? new TripFileNotFound({ path })
      : new TripFileUnreadable({ path, detail: (e as Error).message })
  }
  let magic: Buffer
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(GZIP_MAGIC.length), 0, GZIP_MAGIC.length, 0)
    magic = buffer.subarray(0, bytesRead)
  } catch (e) {
    await handle.close()
    throw new TripFileUnreadable({ path, detail: (e as Error).message })
  }
  if (magic.length === 0) {
    await handle.close()
    throw new TripFileEmpty({ path })
  }
  const gzip = magic.length === GZIP_MAGIC.length && magic[0] === GZIP_MAGIC[0] && magic[1] === GZIP_MAGIC[1]
  const raw = handle.createReadStream({ start: 0, highWaterMark: CHUNK_BYTES })
  // pipeline, unlike pipe, destroys both streams when either fails or the reader stops early.
  const text: Readable = gzip ? pipeline(raw, createGunzip({ chunkSize: CHUNK_BYTES }), () => {}) : raw
  text.setEncoding("utf8")
  return { text, gzip }
}

const isZlibError = (e: unknown): boolean =>
  typeof (e as { code?: unknown } | null)?.code === "string" && (e as { code: string }).code.startsWith("Z_")
