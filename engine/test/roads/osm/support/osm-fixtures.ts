/**
 * Test support: small OSM XML documents written from node and way lists, and the importer's
 * in-memory pipeline (reader -> collector -> splitter -> largest component) on them, without
 * files.
 */
import { EARTH_RADIUS_METERS } from "../../../../src/domain/geo.ts"
import type { OsmTags } from "../../../../src/roads/osm/osm-tags.ts"
import { OsmXmlReader } from "../../../../src/roads/osm/osm-xml-reader.ts"
import { RoadCollector } from "../../../../src/roads/osm/road-collector.ts"
import { finishRoadGraph, type RoadGraph } from "../../../../src/roads/osm/road-graph.ts"
import { splitWays } from "../../../../src/roads/osm/way-splitter.ts"

export const tags = (entries: Record<string, string>): OsmTags => new Map(Object.entries(entries))

export interface FixtureNode {
  readonly id: number
  readonly lat: number
  readonly lng: number
  readonly tags?: Record<string, string>
}

export interface FixtureWay {
  readonly id: number
  readonly refs: ReadonlyArray<number>
  readonly tags: Record<string, string>
}

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;")

const tagLines = (t: Record<string, string> | undefined) =>
  Object.entries(t ?? {}).map(([k, v]) => `    <tag k="${escape(k)}" v="${escape(v)}"/>`)

export const osmXml = (nodes: ReadonlyArray<FixtureNode>, ways: ReadonlyArray<FixtureWay>): string =>
  [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<osm version="0.6" generator="dispatch tests">`,
    ...nodes.flatMap((n) => {
      const inner = tagLines(n.tags)
      const open = `  <node id="${n.id}" lat="${n.lat.toFixed(7)}" lon="${n.lng.toFixed(7)}"`
      return inner.length === 0 ? [`${open}/>`] : [`${open}>`, ...inner, `  </node>`]
    }),
    ...ways.flatMap((w) => [`  <way id="${w.id}">`, ...w.refs.map((r) => `    <nd ref="${r}"/>`), ...tagLines(w.tags), `  </way>`]),
    `</osm>`,
    ``
  ].join("\n")

/** The importer's pipeline on an XML string fed in `chunkSize` pieces (to exercise chunk boundaries). */
export const graphFromXml = (xml: string, chunkSize = 97): RoadGraph => {
  const roads = new RoadCollector()
  const reader = new OsmXmlReader("fixture.osm", roads)
  for (let i = 0; i < xml.length; i += chunkSize) reader.write(xml.slice(i, i + chunkSize))
  reader.close()
  return finishRoadGraph(splitWays(roads))
}

/** Metres per degree of latitude on the sphere Dispatch measures with. */
export const METERS_PER_DEGREE = (EARTH_RADIUS_METERS * Math.PI) / 180

/** Nodes on a line going east from (lat, lng), `stepM` metres apart (ids from `firstId`). */
export const eastward = (firstId: number, count: number, lat = 37.79, lng = -122.41, stepM = 50): Array<FixtureNode> =>
  Array.from({ length: count }, (_, i) => ({ id: firstId + i, lat, lng: lng + (i * stepM) / (METERS_PER_DEGREE * Math.cos((lat * Math.PI) / 180)) }))
