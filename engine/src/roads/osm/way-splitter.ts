/**
 * OSM ways to a road graph whose nodes are junctions and dead ends: each car way is cut at every
 * node it shares with another car way (or with itself), at its ends, and where it meets a
 * barrier or a node missing from the file; the OSM nodes between two cuts become the segment's
 * pillar points. A segment's length is the sum of haversine lengths along all its points.
 *
 * Special cases:
 * - A barrier node (highway-tags.ts `nodeBlocksCars`) gets one graph node per segment end that
 *   touches it, so the roads on either side end there without connecting (what GraphHopper's
 *   barrier edges do).
 * - A segment that would start and end at the same graph node (a closed cul-de-sac loop) is cut
 *   again at its middle pillar, so that it stays in the graph as two arcs; with no pillar it is a
 *   degenerate self-loop and is dropped.
 * - A reference to a node the file does not have (an extract clipped by a bounding box) breaks
 *   the way there: the pieces on either side are kept, nothing bridges the gap.
 * - Repeated consecutive references (A, A) count once.
 */
import { distanceMeters } from "../../domain/geo.ts"
import { Float64Buffer, Int32Buffer, Uint8Buffer } from "./growable.ts"
import type { CarWay } from "./highway-tags.ts"
import { COORDINATE_SCALE, type RoadCollector } from "./road-collector.ts"

/** The graph before components are pruned: graph nodes in creation order, one segment per cut piece of way. */
export interface DraftGraph {
  readonly nodeCount: number
  readonly nodeOsmId: Float64Array
  /** 1e-7 degree units (road-collector.ts). */
  readonly nodeLat: Int32Array
  readonly nodeLng: Int32Array
  readonly segmentCount: number
  readonly segmentFrom: Int32Array
  readonly segmentTo: Int32Array
  readonly segmentLengthM: Float64Array
  readonly segmentProfile: Int32Array
  /** Segment i's pillars (way order) are `pillarLat/Lng[pillarStart[i] .. pillarStart[i + 1])`. */
  readonly pillarStart: Int32Array
  readonly pillarLat: Int32Array
  readonly pillarLng: Int32Array
  /** One arc per drivable direction of a segment; `arcBackward[i] = 1` when it runs against the way. */
  readonly arcCount: number
  readonly arcSegment: Int32Array
  readonly arcBackward: Uint8Array
  readonly profiles: ReadonlyArray<CarWay>
  readonly stats: SplitStats
}

export interface SplitStats {
  readonly carWays: number
  /** Way references to nodes not in the file. */
  readonly missingNodeRefs: number
  /** Barrier nodes on car ways. */
  readonly barrierNodes: number
  readonly selfLoopsDropped: number
}

/** Node ids sorted, and where each is in the collector (OSM files list nodes by id, so usually the identity). */
const indexNodes = (ids: Float64Array): ((id: number) => number) => {
  let sorted = true
  for (let i = 1; i < ids.length && sorted; i++) sorted = ids[i - 1]! < ids[i]!
  let keys = ids
  let slot: Int32Array | undefined
  if (!sorted) {
    const order = Int32Array.from(ids.keys()).sort((a, b) => ids[a]! - ids[b]! || a - b)
    keys = Float64Array.from(order, (i) => ids[i]!)
    slot = order
  }
  return (id) => {
    let lo = 0, hi = keys.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const k = keys[mid]!
      if (k < id) lo = mid + 1
      else if (k > id) hi = mid - 1
      else return slot === undefined ? mid : slot[mid]!
    }
    return -1
  }
}

export const splitWays = (roads: RoadCollector): DraftGraph => {
  const ids = roads.nodeIds.view(), lat = roads.nodeLat.view(), lng = roads.nodeLng.view()
  const refs = roads.wayRefs.view(), wayStart = roads.wayStart.view(), wayProfile = roads.wayProfile.view()
  const wayCount = wayProfile.length
  const find = indexNodes(ids)

  // Resolve references to node slots (-1: not in the file); drop repeats of the previous reference.
  const slots = new Int32Array(refs.length)
  let missingNodeRefs = 0
  for (let j = 0; j < refs.length; j++) {
    const s = find(refs[j]!)
    slots[j] = s
    if (s < 0) missingNodeRefs++
  }

  // A node is a cut when two way references meet there, at way ends, beside a gap, or at a barrier.
  const uses = new Uint8Array(ids.length)
  const cut = new Uint8Array(ids.length)
  const blocking = new Uint8Array(ids.length)
  let barrierNodes = 0
  for (const id of roads.blockingNodeIds) {
    const s = find(id)
    if (s >= 0) blocking[s] = 1
  }
  for (let w = 0; w < wayCount; w++) {
    let previous = -2
    for (let j = wayStart[w]!; j < wayStart[w + 1]!; j++) {
      const s = slots[j]!
      if (s === previous) continue
      if (s < 0) {
        if (previous >= 0) cut[previous] = 1
      } else {
        if (uses[s]! < 2) uses[s]!++
        if (previous < 0) cut[s] = 1
      }
      previous = s
    }
    if (previous >= 0) cut[previous] = 1
  }
  for (let s = 0; s < ids.length; s++) {
    if (uses[s]! >= 2) cut[s] = 1
    if (blocking[s] === 1 && uses[s]! > 0) {
      cut[s] = 1
      barrierNodes++
    }
  }

  const graphId = new Int32Array(ids.length).fill(-1)
  const nodeOsmId = new Float64Buffer(), nodeLat = new Int32Buffer(), nodeLng = new Int32Buffer()
  const newNode = (s: number): number => {
    nodeOsmId.push(ids[s]!)
    nodeLat.push(lat[s]!)
    nodeLng.push(lng[s]!)
    return nodeOsmId.length - 1
  }
  const graphNode = (s: number): number => {
    if (blocking[s] === 1) return newNode(s)
    if (graphId[s]! < 0) graphId[s] = newNode(s)
    return graphId[s]!
  }

  const segmentFrom = new Int32Buffer(), segmentTo = new Int32Buffer(), segmentLengthM = new Float64Buffer()
  const segmentProfile = new Int32Buffer(), pillarStart = new Int32Buffer(), pillarLat = new Int32Buffer(), pillarLng = new Int32Buffer()
  const arcSegment = new Int32Buffer(), arcBackward = new Uint8Buffer()
  pillarStart.push(0)
  let selfLoopsDropped = 0

  const pointsLength = (points: ReadonlyArray<number>): number => {
    let m = 0
    for (let k = 1; k < points.length; k++) {
      const a = points[k - 1]!, b = points[k]!
      m += distanceMeters(lat[a]! / COORDINATE_SCALE, lng[a]! / COORDINATE_SCALE, lat[b]! / COORDINATE_SCALE, lng[b]! / COORDINATE_SCALE)
    }
    return m
  }

  const addSegment = (from: number, to: number, points: ReadonlyArray<number>, profile: number): void => {
    const segment = segmentFrom.length
    segmentFrom.push(from)
    segmentTo.push(to)
    segmentLengthM.push(pointsLength(points))
    segmentProfile.push(profile)
    for (let k = 1; k < points.length - 1; k++) {
      pillarLat.push(lat[points[k]!]!)
      pillarLng.push(lng[points[k]!]!)
    }
    pillarStart.push(pillarLat.length)
    const car = roads.profiles[profile]!
    if (car.forward !== undefined) {
      arcSegment.push(segment)
      arcBackward.push(0)
    }
    if (car.backward !== undefined) {
      arcSegment.push(segment)
      arcBackward.push(1)
    }
  }

  /** `points`: node slots from one cut to the next, both ends included. */
  const emit = (points: Array<number>, profile: number): void => {
    const from = graphNode(points[0]!), to = graphNode(points[points.length - 1]!)
    if (from !== to) return addSegment(from, to, points, profile)
    if (points.length < 3) {
      selfLoopsDropped++
      return
    }
    const middle = points.length >> 1
    const pivot = graphNode(points[middle]!)
    addSegment(from, pivot, points.slice(0, middle + 1), profile)
    addSegment(pivot, to, points.slice(middle), profile)
  }

  for (let w = 0; w < wayCount; w++) {
    let points: Array<number> = []
    for (let j = wayStart[w]!; j < wayStart[w + 1]!; j++) {
      const s = slots[j]!
      if (s < 0) {
        points = []
        continue
      }
      if (points.length > 0 && points[points.length - 1] === s) continue
      points.push(s)
      if (points.length > 1 && cut[s] === 1) {
        emit(points, wayProfile[w]!)
        points = [s]
      }
    }
  }

  return {
    nodeCount: nodeOsmId.length,
    nodeOsmId: nodeOsmId.view(),
    nodeLat: nodeLat.view(),
    nodeLng: nodeLng.view(),
    segmentCount: segmentFrom.length,
    segmentFrom: segmentFrom.view(),
    segmentTo: segmentTo.view(),
    segmentLengthM: segmentLengthM.view(),
    segmentProfile: segmentProfile.view(),
    pillarStart: pillarStart.view(),
    pillarLat: pillarLat.view(),
    pillarLng: pillarLng.view(),
    arcCount: arcSegment.length,
    arcSegment: arcSegment.view(),
    arcBackward: arcBackward.view(),
    profiles: roads.profiles,
    stats: { carWays: wayCount, missingNodeRefs, barrierNodes, selfLoopsDropped }
  }
}
