/**
 * The drawn shapes of a road graph's streets, for maps (the simulator's HTML report draws them
 * under its H3 cells): one polyline per road, a two-way street once (its reverse arc, same
 * ends and the same number of shape points, left out), from-node, pillars, to-node.
 */
import { Effect } from "effect"
import type { RoadGraphError } from "./errors.ts"
import { readRoadGraph } from "./graph-files.ts"

export interface RoadShape {
  readonly roadClass: string
  /** lng, lat, lng, lat, … in driving order. */
  readonly lngLat: Float64Array
}

/** The road shapes of the graph in `directory` (read and checked as the router reads it). */
export const readRoadShapes = (directory: string): Effect.Effect<ReadonlyArray<RoadShape>, RoadGraphError> =>
  Effect.map(readRoadGraph(directory), ({ columns: c }) => {
    const shapes: Array<RoadShape> = []
    const drawn = new Set<string>()
    for (let a = 0; a < c.arcFrom.length; a++) {
      const from = c.arcFrom[a]!, to = c.arcTo[a]!, p0 = c.pillarStart[a]!, p1 = c.pillarStart[a + 1]!
      if (drawn.has(`${to},${from},${p1 - p0}`)) continue
      drawn.add(`${from},${to},${p1 - p0}`)
      const lngLat = new Float64Array(2 * (p1 - p0 + 2))
      let k = 0
      const put = (lat: number, lng: number) => {
        lngLat[k++] = lng
        lngLat[k++] = lat
      }
      put(c.nodeLat[from]!, c.nodeLng[from]!)
      for (let p = p0; p < p1; p++) put(c.pillarLat[p]!, c.pillarLng[p]!)
      put(c.nodeLat[to]!, c.nodeLng[to]!)
      shapes.push({ roadClass: c.roadClasses[c.arcClass[a]!]!, lngLat })
    }
    return shapes
  })
