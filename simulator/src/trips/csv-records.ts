/**
 * An incremental CSV record splitter (RFC 4180): text goes in as it arrives, in chunks of any
 * size; records come out as arrays of field strings with the line they start on.
 *
 * Why our own instead of a package: the trips format is a few numeric and time columns, the
 * reader must stream (never hold the file), keep exact line numbers for rejection reports and
 * survive junk without throwing, and it is on the hot path of a 424k-row read. This is about
 * 200 lines with a fast path for the common case (a line without quotes is `split(",")`).
 *
 * Rules:
 * - Records end at LF or CRLF. A lone CR is data (old Mac line endings are not supported).
 * - A field that starts with `"` is quoted: it may hold commas, CR/LF (the record then spans
 *   lines) and `""` for a quote. A quote inside an unquoted field is kept as a literal quote.
 * - A UTF-8 byte order mark at the very start is dropped. Blank lines are skipped.
 * - Malformed quoting (text after a closing quote, a quoted field still open at the end of the
 *   input) rejects that record (`bad_quoting`), reported with its first line; reading resumes
 *   at the next line. So does a record longer than `maxRecordChars` (`record_too_long`): a
 *   long line is dropped as it streams by, never held, so memory stays bounded whatever the
 *   input. Which records are rejected does not depend on how the text is cut into chunks.
 */

/** Longest record kept, in UTF-16 code units. A trips row is ~100; 64 Ki leaves room for wide exports. */
export const MAX_RECORD_CHARS = 65_536

export type CsvProblem = "bad_quoting" | "record_too_long"

export interface CsvSink {
  /** A record; `fields` is fresh and the sink may keep it. `line` is where the record starts. */
  readonly record: (fields: Array<string>, line: number) => void
  readonly malformed: (line: number, problem: CsvProblem, detail: string) => void
}

const QUOTE = 34
const COMMA = 44
const LF = 10
const CR = 13

/**
 * A parsed record and where the next starts, or a quoting problem and the last index looked at
 * to find it (`s.length` when it took the end of the input).
 */
type Quoted = { readonly fields: Array<string>; readonly next: number } | { readonly problem: string; readonly at: number }

export class CsvRecordSplitter {
  readonly #sink: CsvSink
  readonly #maxRecordChars: number
  /** Unconsumed text: the start of one record that is not complete yet. */
  #pending = ""
  /** Line number of the first character of `#pending`. */
  #line = 1
  #atStart = true
  /** Dropping the rest of a rejected line until its end arrives. */
  #skipping = false

  constructor(sink: CsvSink, maxRecordChars: number = MAX_RECORD_CHARS) {
    this.#sink = sink
    this.#maxRecordChars = maxRecordChars
  }

  /** Number of the last line read completely: after a failure, how far reading got. */
  get linesRead(): number {
    return this.#line - 1
  }

  push(text: string): void {
    let s = this.#pending.length === 0 ? text : this.#pending + text
    this.#pending = ""
    if (this.#atStart && s.length > 0) {
      this.#atStart = false
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1)
    }
    let pos = 0
    if (this.#skipping) {
      const nl = s.indexOf("\n")
      if (nl === -1) return
      this.#skipping = false
      this.#line++
      pos = nl + 1
    }
    for (;;) {
      pos = this.#scan(s, pos, false)
      // The incomplete record at `pos` is already too long to keep.
      if (s.length - pos <= this.#maxRecordChars) break
      pos = this.#rejectLong(s, pos, false)
    }
    this.#pending = s.slice(pos)
  }

  /** The input is complete: the last record may lack its line ending. */
  end(): void {
    const s = this.#pending
    this.#pending = ""
    if (!this.#skipping && s.length > 0) this.#scan(s, 0, true)
    this.#skipping = false
  }

  /** Emits every complete record from `pos`; returns where the first incomplete one starts. */
  #scan(s: string, pos: number, final: boolean): number {
    let quote = s.indexOf("\"", pos)
    while (pos < s.length) {
      let nl = s.indexOf("\n", pos)
      if (quote !== -1 && quote < pos) quote = s.indexOf("\"", pos)
      if (quote === -1 || (nl !== -1 && quote > nl)) {
        if (nl === -1) {
          if (!final) return pos
          nl = s.length
        }
        if (nl - pos > this.#maxRecordChars) {
          pos = this.#rejectLong(s, pos, final)
          continue
        }
        const end = nl > pos && s.charCodeAt(nl - 1) === CR ? nl - 1 : nl
        if (end > pos) this.#sink.record(s.slice(pos, end).split(","), this.#line)
        this.#line++
        pos = nl + 1
        continue
      }
      const quoted = parseQuotedRecord(s, pos, final)
      if (quoted === undefined) return pos
      if ("problem" in quoted) {
        // Had the text come in smaller chunks, a record this long would have been refused as
        // too long before its problem showed: say the same whatever the chunking.
        if (quoted.at - pos > this.#maxRecordChars) {
          pos = this.#rejectLong(s, pos, final)
          continue
        }
        this.#sink.malformed(this.#line, "bad_quoting", quoted.problem)
        pos = this.#skipLine(s, pos, final)
        continue
      }
      const end = s.charCodeAt(quoted.next - 1) === LF ? quoted.next - 1 : quoted.next
      if (end - pos > this.#maxRecordChars) {
        pos = this.#rejectLong(s, pos, final)
        continue
      }
      this.#sink.record(quoted.fields, this.#line)
      this.#line += countLineFeeds(s, pos, quoted.next)
      pos = quoted.next
    }
    return Math.min(pos, s.length)
  }

  /** Rejects the record at `pos`, longer than the limit whether or not it is complete. */
  #rejectLong(s: string, pos: number, final: boolean): number {
    const nl = s.indexOf("\n", pos)
    const detail = nl === -1 || nl - pos > this.#maxRecordChars
      ? `a line longer than ${this.#maxRecordChars} characters`
      : `a record spanning lines beyond ${this.#maxRecordChars} characters (an unclosed quote?)`
    this.#sink.malformed(this.#line, "record_too_long", detail)
    return this.#skipLine(s, pos, final)
  }

  /** Where reading resumes after a rejected record: the line after its first line. */
  #skipLine(s: string, pos: number, final: boolean): number {
    const nl = s.indexOf("\n", pos)
    if (nl === -1) {
      // The rest of the line has not arrived yet: drop it when it does.
      this.#skipping = !final
      return s.length
    }
    this.#line++
    return nl + 1
  }
}

/**
 * Parses the record at `start`, which has a quote somewhere on its first line. `undefined`
 * means the record may continue in text not yet received.
 */
const parseQuotedRecord = (s: string, start: number, final: boolean): Quoted | undefined => {
  const fields: Array<string> = []
  let i = start
  for (;;) {
    if (s.charCodeAt(i) !== QUOTE) {
      const comma = s.indexOf(",", i)
      const nl = s.indexOf("\n", i)
      if (comma !== -1 && (nl === -1 || comma < nl)) {
        fields.push(s.slice(i, comma))
        i = comma + 1
        continue
      }
      if (nl === -1) {
        if (!final) return undefined
        fields.push(s.slice(i))
        return { fields, next: s.length }
      }
      fields.push(s.slice(i, nl > i && s.charCodeAt(nl - 1) === CR ? nl - 1 : nl))
      return { fields, next: nl + 1 }
    }
    let value = ""
    let segment = i + 1
    for (;;) {
      const q = s.indexOf("\"", segment)
      if (q === -1 || (q + 1 === s.length && !final)) {
        return final ? { problem: "a quoted field is never closed", at: s.length } : undefined
      }
      if (s.charCodeAt(q + 1) === QUOTE) {
        value += s.slice(segment, q + 1)
        segment = q + 2
        continue
      }
      value += s.slice(segment, q)
      i = q + 1
      break
    }
    fields.push(value)
    if (i === s.length) return final ? { fields, next: i } : undefined
    const c = s.charCodeAt(i)
    if (c === COMMA) {
      i++
      if (i === s.length && !final) return undefined
      continue
    }
    if (c === LF) return { fields, next: i + 1 }
    if (c === CR) {
      if (i + 1 === s.length) return final ? { fields, next: i + 1 } : undefined
      if (s.charCodeAt(i + 1) === LF) return { fields, next: i + 2 }
      return { problem: "text after a closing quote", at: i + 1 }
    }
    return { problem: "text after a closing quote", at: i }
  }
}

const countLineFeeds = (s: string, from: number, to: number): number => {
  let n = 0
  for (let i = s.indexOf("\n", from); i !== -1 && i < to; i = s.indexOf("\n", i + 1)) n++
  return n
}
