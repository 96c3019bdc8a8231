/**
 * The sink of an import's read phase: every node's coordinates (OSM XML lists nodes before the
 * ways that use them, so all must be kept until the ways arrive) and the ways cars may drive,
 * with their car attributes. Held in typed arrays: 16 bytes per node and 8 per way reference,
 * which is what bounds the size of file an import can take (docs/roads.md).
 *
 * Car attributes repeat (thousands of residential ways at 30 km/h both ways), so each distinct
 * `CarWay` is stored once and ways refer to it by index.
 */
import { Float64Buffer, Int32Buffer } from "./growable.ts"
import { carWayOf, nodeBlocksCars, type CarWay } from "./highway-tags.ts"
import type { OsmSink } from "./osm-xml-reader.ts"
import type { OsmTags } from "./osm-tags.ts"

/** Coordinates are kept as integers in units of 1e-7 degree: OSM's own precision, exactly. */
export const COORDINATE_SCALE = 1e7

export class RoadCollector implements OsmSink {
  readonly nodeIds = new Float64Buffer(1 << 16)
  readonly nodeLat = new Int32Buffer(1 << 16)
  readonly nodeLng = new Int32Buffer(1 << 16)
  /** OSM ids of nodes that stop cars (barriers, fords): few, so a set. */
  readonly blockingNodeIds = new Set<number>()

  /** References of the car ways, concatenated; way i's are `wayRefs[wayStart[i] .. wayStart[i + 1])`. */
  readonly wayRefs = new Float64Buffer(1 << 16)
  readonly wayStart = new Int32Buffer(1 << 12)
  readonly wayProfile = new Int32Buffer(1 << 12)
  readonly profiles: Array<CarWay> = []
  readonly #profileIndex = new Map<string, number>()
  /** Ways with a `highway` tag, whether or not cars may use them. */
  highwayWays = 0

  constructor() {
    this.wayStart.push(0)
  }

  get carWays(): number {
    return this.wayProfile.length
  }

  node(id: number, lat: number, lng: number, tags: OsmTags | undefined): void {
    this.nodeIds.push(id)
    this.nodeLat.push(Math.round(lat * COORDINATE_SCALE))
    this.nodeLng.push(Math.round(lng * COORDINATE_SCALE))
    if (tags !== undefined && nodeBlocksCars(tags)) this.blockingNodeIds.add(id)
  }

  way(_id: number, refs: ReadonlyArray<number>, tags: OsmTags): void {
    if (!tags.has("highway")) return
    this.highwayWays++
    const car = carWayOf(tags)
    if (car === undefined || refs.length < 2) return
    for (const ref of refs) this.wayRefs.push(ref)
    this.wayStart.push(this.wayRefs.length)
    this.wayProfile.push(this.#intern(car))
  }

  #intern(car: CarWay): number {
    const key = JSON.stringify(car)
    let index = this.#profileIndex.get(key)
    if (index === undefined) {
      index = this.profiles.length
      this.profiles.push(car)
      this.#profileIndex.set(key, index)
    }
    return index
  }
}
