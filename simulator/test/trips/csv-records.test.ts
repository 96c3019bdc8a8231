import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { CsvRecordSplitter, type CsvProblem } from "../../src/trips/csv-records.ts"

type Out = { line: number; fields: Array<string> } | { line: number; problem: CsvProblem }

/** Splits `chunks` (fed one by one) and returns everything the sink saw, in order. */
const split = (chunks: ReadonlyArray<string>, maxRecordChars?: number): Array<Out> => {
  const out: Array<Out> = []
  const splitter = new CsvRecordSplitter(
    { record: (fields, line) => out.push({ line, fields }), malformed: (line, problem) => out.push({ line, problem }) },
    maxRecordChars
  )
  for (const chunk of chunks) splitter.push(chunk)
  splitter.end()
  return out
}

describe("CsvRecordSplitter", () => {
  it("splits LF and CRLF lines into fields, with line numbers", () => {
    expect(split(["a,b\r\n1,2\n3,4"])).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["1", "2"] },
      { line: 3, fields: ["3", "4"] }
    ])
  })

  it("reads quoted fields: commas, doubled quotes, CRLF inside, empty quoted", () => {
    expect(split(["x,\"a,b\",\"say \"\"hi\"\"\",\"\"\r\n\"multi\r\nline\",2\r\nlast,1\r\n"])).toEqual([
      { line: 1, fields: ["x", "a,b", "say \"hi\"", ""] },
      { line: 2, fields: ["multi\r\nline", "2"] },
      { line: 4, fields: ["last", "1"] }
    ])
  })

  it("keeps a quote inside an unquoted field literally", () => {
    expect(split(["ab\"c,d\n"])).toEqual([{ line: 1, fields: ["ab\"c", "d"] }])
  })

  it("drops a byte order mark at the start only, and skips blank lines", () => {
    expect(split(["\uFEFFa,b\n\n\r\n\uFEFFc\n"])).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 4, fields: ["\uFEFFc"] }
    ])
  })

  it("rejects text after a closing quote and resumes at the next line", () => {
    expect(split(["\"a\"b,1\nok,2\n"])).toEqual([
      { line: 1, problem: "bad_quoting" },
      { line: 2, fields: ["ok", "2"] }
    ])
  })

  it("rejects a quoted field never closed, and reads the lines after it", () => {
    expect(split(["1,\"open\n2,x\n3,y"])).toEqual([
      { line: 1, problem: "bad_quoting" },
      { line: 2, fields: ["2", "x"] },
      { line: 3, fields: ["3", "y"] }
    ])
  })

  it("rejects a quoted field still open after the record limit without waiting for the end", () => {
    const out = split(["1,\"open\n", "x\n".repeat(20), "y,2\n"], 16)
    expect(out[0]).toEqual({ line: 1, problem: "record_too_long" })
    expect(out.slice(1).every((o) => "fields" in o)).toBe(true)
    expect(out.at(-1)).toEqual({ line: 22, fields: ["y", "2"] })
  })

  it("rejects a line longer than the limit, holding none of it, and goes on", () => {
    const out = split(["a,b\n", "z".repeat(40), "z".repeat(40), "z\nc,d\n"], 32)
    expect(out).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, problem: "record_too_long" },
      { line: 3, fields: ["c", "d"] }
    ])
  })

  it("counts the lines read so far", () => {
    const splitter = new CsvRecordSplitter({ record: () => {}, malformed: () => {} })
    splitter.push("a\nb\nc")
    expect(splitter.linesRead).toBe(2)
  })

  it("gives back any records written by the RFC 4180 rules", () => {
    const value = fc.string({ unit: fc.constantFrom("a", "7", " ", ",", "\"", "\n", "\r", "é", "😀"), maxLength: 8 })
    const encode = (v: string) => (v === "" || /[",\r\n]/.test(v) ? `"${v.replaceAll("\"", "\"\"")}"` : v)
    const records = fc.array(fc.array(value, { minLength: 1, maxLength: 5 }), { maxLength: 10 })
    fc.assert(
      fc.property(records, fc.constantFrom("\n", "\r\n"), fc.boolean(), (rows, eol, trailing) => {
        const text = rows.map((r) => r.map(encode).join(",")).join(eol) + (trailing ? eol : "")
        expect(split([text]).map((o) => ("fields" in o ? o.fields : o))).toEqual(rows)
      })
    )
  })

  it("gives the same records however the text is cut into chunks", () => {
    const field = fc.oneof(
      fc.stringMatching(/^[a-z0-9.:-]{0,6}$/),
      fc.string({ unit: fc.constantFrom("a", ",", "\"", "\n", "\r\n", " "), maxLength: 6 }).map((s) => `"${s.replaceAll("\"", "\"\"")}"`)
    )
    const line = fc.array(field, { minLength: 1, maxLength: 5 }).map((fields) => fields.join(","))
    const text = fc.tuple(fc.array(line, { maxLength: 12 }), fc.constantFrom("\n", "\r\n"), fc.boolean()).map(
      ([lines, eol, bom]) => (bom ? "\uFEFF" : "") + lines.join(eol)
    )
    // A small record limit too, so that rejecting long records is covered by the property.
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 8 }), fc.constantFrom(undefined, 12), (s, cuts, limit) => {
        const points = [...new Set(cuts.map((c) => c % (s.length + 1)))].sort((a, b) => a - b)
        const chunks = [0, ...points].map((from, i) => s.slice(from, points[i] ?? s.length))
        expect(split(chunks, limit)).toEqual(split([s], limit))
      })
    )
  })
})
