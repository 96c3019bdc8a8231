/**
 * A streaming reader of OSM XML 0.6 (what osmium, osmfilter, Overpass and JOSM write), built on
 * `saxes`, a maintained, conformant, non-validating SAX parser that reports line and column.
 *
 * Text is fed in chunks (`write`) as it arrives from the file, the gunzip stream or osmium; each
 * finished `<node>` and `<way>` goes to the sink at once, so memory holds only what the sink
 * keeps. Relations are counted and skipped (turn restrictions are not imported). Elements a JOSM
 * file marks deleted (`action="delete"`, `visible="false"`) are skipped.
 *
 * A document that is not well-formed, not rooted at `<osm>`, or has a node without valid
 * coordinates throws `OsmXmlMalformed` with the line and column the parser had reached.
 */
import { SaxesParser, type SaxesTagPlain } from "saxes"
import { OsmXmlMalformed } from "./errors.ts"
import type { OsmTags } from "./osm-tags.ts"

export interface OsmSink {
  node(id: number, lat: number, lng: number, tags: OsmTags | undefined): void
  way(id: number, refs: ReadonlyArray<number>, tags: OsmTags): void
}

export interface OsmElementCounts {
  readonly nodes: number
  readonly ways: number
  readonly relations: number
}

/** saxes formats its messages as `line:column: text` when no file name is given. */
const POSITIONED = /^(\d+):(\d+): ([\s\S]*)$/

/** A coordinate attribute as a number; NaN when absent or blank (`Number("")` would be 0). */
const coordinate = (text: string | undefined): number => (text === undefined || text.trim() === "" ? Number.NaN : Number(text))

const isDeleted = (attributes: Record<string, string>): boolean =>
  attributes["action"] === "delete" || attributes["visible"] === "false"

export class OsmXmlReader {
  readonly #path: string
  readonly #sink: OsmSink
  readonly #parser = new SaxesParser<{ xmlns: false; position: true }>({ xmlns: false, position: true })
  #rootSeen = false
  #nodes = 0
  #ways = 0
  #relations = 0
  /** The `<node>` or `<way>` being read (between its open and close tag), if any. */
  #element: "node" | "way" | "skip" | undefined
  #attributes: Record<string, string> = {}
  #tags: Map<string, string> | undefined
  #refs: Array<number> = []

  /** `path` names the file in errors. */
  constructor(path: string, sink: OsmSink) {
    this.#path = path
    this.#sink = sink
    this.#parser.on("error", (e) => {
      const m = POSITIONED.exec(e.message)
      throw new OsmXmlMalformed({
        path: this.#path,
        line: m === null ? this.#parser.line : Number(m[1]),
        column: m === null ? this.#parser.column + 1 : Number(m[2]) + 1,
        detail: m === null ? e.message : m[3]!
      })
    })
    this.#parser.on("opentag", (tag) => this.#open(tag))
    this.#parser.on("closetag", (tag) => this.#close(tag))
  }

  get counts(): OsmElementCounts {
    return { nodes: this.#nodes, ways: this.#ways, relations: this.#relations }
  }

  /** Feeds the next piece of the document. Throws `OsmXmlMalformed`. */
  write(chunk: string): void {
    this.#parser.write(chunk)
  }

  /** Ends the document: fails on an unclosed element (a truncated file) or no root. */
  close(): void {
    this.#parser.close()
  }

  #open(tag: SaxesTagPlain): void {
    const name = tag.name
    if (!this.#rootSeen) {
      this.#rootSeen = true
      if (name !== "osm") this.#parser.fail(`the root element is <${name}>, not <osm>: not an OSM XML file`)
      return
    }
    switch (name) {
      case "node":
      case "way":
        this.#element = isDeleted(tag.attributes) ? "skip" : name
        this.#attributes = tag.attributes
        this.#tags = undefined
        if (name === "way") this.#refs = []
        return
      case "relation":
        this.#relations++
        this.#element = "skip"
        return
      case "tag":
        if (this.#element === "node" || this.#element === "way") {
          const k = tag.attributes["k"], v = tag.attributes["v"]
          if (k !== undefined && v !== undefined) (this.#tags ??= new Map()).set(k, v)
        }
        return
      case "nd":
        if (this.#element === "way") {
          const ref = Number(tag.attributes["ref"])
          if (!Number.isSafeInteger(ref)) this.#parser.fail(`<nd> with an invalid ref "${tag.attributes["ref"]}"`)
          this.#refs.push(ref)
        }
        return
    }
  }

  #close(tag: SaxesTagPlain): void {
    const name = tag.name
    if (name === "relation") this.#element = undefined
    if (name !== "node" && name !== "way") return
    const element = this.#element
    this.#element = undefined
    if (element === "skip") return
    const a = this.#attributes
    const id = Number(a["id"])
    if (!Number.isSafeInteger(id)) this.#parser.fail(`<${name}> with an invalid id "${a["id"]}"`)
    if (name === "node") {
      this.#nodes++
      const lat = coordinate(a["lat"]), lng = coordinate(a["lon"])
      if (!(lat >= -90 && lat <= 90) || !(lng >= -180 && lng <= 180)) {
        this.#parser.fail(`node ${a["id"]} has no valid coordinates (lat "${a["lat"]}", lon "${a["lon"]}")`)
      }
      this.#sink.node(id, lat, lng, this.#tags)
    } else {
      this.#ways++
      this.#sink.way(id, this.#refs, this.#tags ?? new Map())
    }
  }
}
