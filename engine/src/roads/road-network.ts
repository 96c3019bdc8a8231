/**
 * A market's road network, ready to route on: the checked graph, its snap index and its hub
 * labels (from the label cache when the same graph was seen before), loaded from a graph
 * directory in one step. `Router`s (router.ts) are made from it: they share its arrays and each
 * keeps its own scratch, so one network serves any number of them.
 */
import { Effect } from "effect"
import { contract } from "./contraction.ts"
import { EdgeSnap } from "./edge-snap.ts"
import type { RoadGraphError } from "./errors.ts"
import { readRoadGraph, type RoadGraphReport } from "./graph-files.ts"
import { buildHubLabels, hubLabelBytes, type HubLabels } from "./hub-labels.ts"
import { labelCacheDir, readCachedLabels, writeCachedLabels } from "./label-cache.ts"
import { RoadGraph } from "./road-graph.ts"

/** Where the time of a load went (ms), and whether the labels came from the cache. */
export interface RoadNetworkTimings {
  readonly readMs: number
  readonly graphMs: number
  readonly snapIndexMs: number
  readonly labelsMs: number
  readonly labelsFrom: "cache" | "built"
}

export interface RoadNetwork {
  readonly directory: string
  readonly graph: RoadGraph
  readonly snap: EdgeSnap
  readonly labels: HubLabels
  readonly report: RoadGraphReport
  readonly timings: RoadNetworkTimings
  /** Bytes of the graph, snap index and labels arrays. */
  readonly byteSize: number
}

export interface LoadOptions {
  /** Label cache directory; undefined: as `DISPATCH_ROAD_CACHE` says (default a tmp dir); null: no cache. */
  readonly cacheDir?: string | null | undefined
}

/** Labels of a graph, built (contraction hierarchy, then labels). */
export const buildLabels = (graph: RoadGraph): HubLabels => buildHubLabels(contract(graph))

/** Reads, checks and prepares the graph in `directory`. */
export const loadRoadNetwork = (directory: string, options: LoadOptions = {}): Effect.Effect<RoadNetwork, RoadGraphError> =>
  Effect.gen(function*() {
    const t0 = performance.now()
    const read = yield* readRoadGraph(directory)
    const t1 = performance.now()
    const graph = new RoadGraph(read.columns)
    const t2 = performance.now()
    const snap = new EdgeSnap(graph)
    const t3 = performance.now()
    const dir = options.cacheDir === null ? undefined : options.cacheDir ?? labelCacheDir()
    let labels = dir === undefined ? undefined : readCachedLabels(dir, read.digest, graph.nodeCount)
    const labelsFrom = labels === undefined ? "built" : "cache"
    if (labels === undefined) {
      labels = buildLabels(graph)
      if (dir !== undefined) writeCachedLabels(dir, read.digest, labels)
    }
    const t4 = performance.now()
    return {
      directory,
      graph,
      snap,
      labels,
      report: read.report,
      timings: { readMs: t1 - t0, graphMs: t2 - t1, snapIndexMs: t3 - t2, labelsMs: t4 - t3, labelsFrom },
      byteSize: graph.byteSize + snap.byteSize + hubLabelBytes(labels)
    } satisfies RoadNetwork
  })

/**
 * A network from a graph already in memory (tests and benchmarks on generated graphs): the
 * labels built, no cache, nothing dropped.
 */
export const networkOfGraph = (graph: RoadGraph, directory = "(in memory)"): RoadNetwork => {
  const t0 = performance.now()
  const snap = new EdgeSnap(graph)
  const t1 = performance.now()
  const labels = buildLabels(graph)
  const t2 = performance.now()
  return {
    directory,
    graph,
    snap,
    labels,
    report: { nodes: graph.nodeCount, arcs: graph.arcCount, droppedNodes: 0, droppedArcs: 0, droppedComponents: 0, droppedArcKm: 0, raisedLengths: 0, maxRaiseMeters: 0 },
    timings: { readMs: 0, graphMs: 0, snapIndexMs: t1 - t0, labelsMs: t2 - t1, labelsFrom: "built" },
    byteSize: graph.byteSize + snap.byteSize + hubLabelBytes(labels)
  }
}
