/**
 * What can stop an OSM import. Each names the file (and the line, where the parser gives one)
 * in a one-line message, which `dispatch roads import` prints before exiting 1.
 */
import { Schema } from "effect"

export class OsmFileNotFound extends Schema.TaggedError<OsmFileNotFound>()("OsmFileNotFound", {
  path: Schema.String
}) {
  override get message(): string {
    return `${this.path}: no such file`
  }
}

/** The file exists but cannot be read (a directory, permissions, a corrupt gzip stream). */
export class OsmFileUnreadable extends Schema.TaggedError<OsmFileUnreadable>()("OsmFileUnreadable", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.path}: cannot read: ${this.detail}`
  }
}

/** Not well-formed XML (a truncated download ends in an unclosed tag), or not OSM XML. */
export class OsmXmlMalformed extends Schema.TaggedError<OsmXmlMalformed>()("OsmXmlMalformed", {
  path: Schema.String,
  /** 1-based. */
  line: Schema.Number,
  /** 1-based. */
  column: Schema.Number,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.path}:${this.line}:${this.column}: malformed OSM XML: ${this.detail}`
  }
}

/** A well-formed file with no way a car may drive (a filter that kept only footways, a points file). */
export class OsmNoRoads extends Schema.TaggedError<OsmNoRoads>()("OsmNoRoads", {
  path: Schema.String,
  nodes: Schema.Number,
  ways: Schema.Number,
  highwayWays: Schema.Number
}) {
  override get message(): string {
    return `${this.path}: no road a car may drive: ${this.nodes} nodes, ${this.ways} ways, ${this.highwayWays} of them highways (none drivable)`
  }
}

/** A `.osm.pbf` file, and no osmium-tool to read it. */
export class OsmiumMissing extends Schema.TaggedError<OsmiumMissing>()("OsmiumMissing", {
  path: Schema.String
}) {
  override get message(): string {
    return `${this.path}: reading OSM PBF needs osmium-tool (apt install osmium-tool, or set OSMIUM_BIN); or convert the file to .osm first`
  }
}

/** osmium ran and failed (a corrupt PBF, for instance). */
export class OsmiumFailed extends Schema.TaggedError<OsmiumFailed>()("OsmiumFailed", {
  path: Schema.String,
  exitCode: Schema.NullOr(Schema.Number),
  stderr: Schema.String
}) {
  override get message(): string {
    const why = this.stderr.trim().split("\n").at(-1) || `exit code ${this.exitCode}`
    return `${this.path}: osmium could not read the file: ${why}`
  }
}

export class RoadGraphWriteFailed extends Schema.TaggedError<RoadGraphWriteFailed>()("RoadGraphWriteFailed", {
  dir: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.dir}: cannot write the road graph: ${this.detail}`
  }
}

export type OsmImportError =
  | OsmFileNotFound
  | OsmFileUnreadable
  | OsmXmlMalformed
  | OsmNoRoads
  | OsmiumMissing
  | OsmiumFailed
  | RoadGraphWriteFailed
