/**
 * The imported road graph in its final form: the largest strongly connected component of the
 * split ways, nodes numbered 0..n-1 by ascending OSM node id, arcs sorted by (from, to, the order
 * they were read), lengths in whole decimetres. graph-writer.ts writes it as the CSV set
 * described in docs/roads.md (the layout of the shipped SF graph).
 */
import { distanceMeters } from "../../domain/geo.ts"
import type { CarWay, RoadClass } from "./highway-tags.ts"
import { COORDINATE_SCALE } from "./road-collector.ts"
import { stronglyConnectedComponents } from "./strongly-connected.ts"
import type { DraftGraph, SplitStats } from "./way-splitter.ts"

export interface RoadGraph {
  readonly nodeCount: number
  /** 1e-7 degree units, indexed by node id. */
  readonly nodeLat: Int32Array
  readonly nodeLng: Int32Array
  readonly arcCount: number
  readonly arcFrom: Int32Array
  readonly arcTo: Int32Array
  /** Length in decimetres (the format's 0.1 m resolution). */
  readonly arcLengthDm: Int32Array
  readonly arcSegment: Int32Array
  readonly arcBackward: Uint8Array
  /** Each arc's car attributes: `profiles[segmentProfile[arcSegment[i]]]`, direction by `arcBackward`. */
  readonly segmentProfile: Int32Array
  readonly profiles: ReadonlyArray<CarWay>
  readonly pillarStart: Int32Array
  readonly pillarLat: Int32Array
  readonly pillarLng: Int32Array
  readonly stats: GraphStats
}

export interface GraphStats extends SplitStats {
  /** Strongly connected components with at least one node on an arc. */
  readonly components: number
  readonly droppedNodes: number
  readonly droppedArcs: number
  readonly droppedArcKm: number
  /** Kilometres of directed arcs. */
  readonly arcKm: number
  /** Kilometres of road: each kept segment once, whichever directions it has. */
  readonly roadKm: number
}

export interface ArcAttributes {
  readonly speedKph: number
  readonly roadClass: RoadClass
  readonly maxSpeedKph: number | undefined
  readonly roundabout: boolean
}

export const arcAttributes = (graph: RoadGraph, arc: number): ArcAttributes => {
  const car = graph.profiles[graph.segmentProfile[graph.arcSegment[arc]!]!]!
  const direction = graph.arcBackward[arc] === 1 ? car.backward! : car.forward!
  return { speedKph: direction.speedKph, roadClass: car.roadClass, maxSpeedKph: direction.maxSpeedKph, roundabout: car.roundabout }
}

/** Coordinates as written (6 decimals), in degrees: the endpoints a reader of the files sees. */
const written = (units: number): number => Math.round(units / (COORDINATE_SCALE / 1e6)) / 1e6

/**
 * The stored length: the polyline length rounded half-up to 0.1 m, but never below the straight
 * line between the endpoints as written (so an A* heuristic on the files stays admissible, as in
 * the shipped graph) nor below 0.1 m (distinct OSM nodes can share a position).
 */
const lengthDm = (draft: DraftGraph, segment: number): number => {
  const a = draft.segmentFrom[segment]!, b = draft.segmentTo[segment]!
  const chord = distanceMeters(written(draft.nodeLat[a]!), written(draft.nodeLng[a]!), written(draft.nodeLat[b]!), written(draft.nodeLng[b]!))
  return Math.max(1, Math.round(draft.segmentLengthM[segment]! * 10), Math.ceil(chord * 10))
}

export const finishRoadGraph = (draft: DraftGraph): RoadGraph => {
  const arcFromDraft = new Int32Array(draft.arcCount), arcToDraft = new Int32Array(draft.arcCount)
  for (let a = 0; a < draft.arcCount; a++) {
    const s = draft.arcSegment[a]!
    const backward = draft.arcBackward[a] === 1
    arcFromDraft[a] = backward ? draft.segmentTo[s]! : draft.segmentFrom[s]!
    arcToDraft[a] = backward ? draft.segmentFrom[s]! : draft.segmentTo[s]!
  }
  const { component, count } = stronglyConnectedComponents(draft.nodeCount, arcFromDraft, arcToDraft)

  // Component sizes over nodes that touch an arc; the largest wins (ties: the lower label).
  const touched = new Uint8Array(draft.nodeCount)
  for (let a = 0; a < draft.arcCount; a++) touched[arcFromDraft[a]!] = touched[arcToDraft[a]!] = 1
  const size = new Int32Array(count)
  let touchedNodes = 0
  for (let v = 0; v < draft.nodeCount; v++) {
    if (touched[v] === 1) {
      size[component[v]!]!++
      touchedNodes++
    }
  }
  let largest = 0, components = 0
  for (let c = 0; c < count; c++) {
    if (size[c]! > 0) components++
    if (size[c]! > size[largest]!) largest = c
  }

  // Kept nodes by ascending OSM id (barrier copies share an id: then in creation order).
  const kept = Int32Array.from({ length: draft.nodeCount }, (_, v) => v).filter((v) => touched[v] === 1 && component[v] === largest)
  kept.sort((a, b) => draft.nodeOsmId[a]! - draft.nodeOsmId[b]! || a - b)
  const newId = new Int32Array(draft.nodeCount).fill(-1)
  kept.forEach((v, i) => (newId[v] = i))

  const keptArcs = Int32Array.from({ length: draft.arcCount }, (_, a) => a).filter((a) => newId[arcFromDraft[a]!]! >= 0 && newId[arcToDraft[a]!]! >= 0)
  keptArcs.sort((a, b) => newId[arcFromDraft[a]!]! - newId[arcFromDraft[b]!]! || newId[arcToDraft[a]!]! - newId[arcToDraft[b]!]! || a - b)

  const segmentDm = new Int32Array(draft.segmentCount)
  for (let s = 0; s < draft.segmentCount; s++) segmentDm[s] = lengthDm(draft, s)
  let allDm = 0
  for (let a = 0; a < draft.arcCount; a++) allDm += segmentDm[draft.arcSegment[a]!]!

  const arcCount = keptArcs.length
  const arcFrom = new Int32Array(arcCount), arcTo = new Int32Array(arcCount), arcLengthDm = new Int32Array(arcCount)
  const arcSegment = new Int32Array(arcCount), arcBackward = new Uint8Array(arcCount)
  const segmentKept = new Uint8Array(draft.segmentCount)
  let keptDm = 0, roadDm = 0
  keptArcs.forEach((a, i) => {
    const s = draft.arcSegment[a]!
    arcFrom[i] = newId[arcFromDraft[a]!]!
    arcTo[i] = newId[arcToDraft[a]!]!
    arcLengthDm[i] = segmentDm[s]!
    arcSegment[i] = s
    arcBackward[i] = draft.arcBackward[a]!
    keptDm += segmentDm[s]!
    if (segmentKept[s] === 0) {
      segmentKept[s] = 1
      roadDm += segmentDm[s]!
    }
  })

  return {
    nodeCount: kept.length,
    nodeLat: Int32Array.from(kept, (v) => draft.nodeLat[v]!),
    nodeLng: Int32Array.from(kept, (v) => draft.nodeLng[v]!),
    arcCount,
    arcFrom,
    arcTo,
    arcLengthDm,
    arcSegment,
    arcBackward,
    segmentProfile: draft.segmentProfile,
    profiles: draft.profiles,
    pillarStart: draft.pillarStart,
    pillarLat: draft.pillarLat,
    pillarLng: draft.pillarLng,
    stats: {
      ...draft.stats,
      components,
      droppedNodes: touchedNodes - kept.length,
      droppedArcs: draft.arcCount - arcCount,
      droppedArcKm: (allDm - keptDm) / 10_000,
      arcKm: keptDm / 10_000,
      roadKm: roadDm / 10_000
    }
  }
}
