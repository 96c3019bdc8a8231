/**
 * Hub labels (Abraham, Delling, Goldberg, Werneck 2011, "A Hub-Based Labeling Algorithm for
 * Shortest Paths in Road Networks"), built from the contraction hierarchy: each node keeps a
 * forward label, the hubs its upward search reaches with their exact distances, and a backward
 * label for the reverse direction. The distance s→t is the least forward(s)[h] + backward(t)[h]
 * over hubs h in both labels. A query reads two short arrays and searches nothing, which is what
 * makes one pickup against a hundred candidate drivers cost microseconds.
 *
 * Construction, top of the hierarchy first: forward(v) = {v: 0} ∪ over upward arcs v→w of
 * forward(w) + w(v, w), the least per hub (the upward search space with its distances); then an
 * entry (h, d) is pruned when some hub g already gives forward(v)[g] + backward(h)[g] < d, i.e.
 * d is not the distance v→h. Pruning keeps every exact entry, and the highest node of a
 * shortest up-down path is an exact entry of both ends' labels, so the cover stays complete.
 * Backward labels are built the same way on the downward arcs.
 *
 * Hubs are ranks (contraction.ts numbers by rank), distances integer ms (road-graph.ts), so a
 * label entry is two int32s. Each label is sorted by distance, nearest hub first: a scan for a
 * near target finds its meeting hub early and may stop once the entries left are too far.
 */
import type { ContractionHierarchy, UpwardGraph } from "./contraction.ts"

export interface HubLabels {
  readonly nodeCount: number
  /** rank of each graph node (hubs are ranks). */
  readonly rankOf: Int32Array
  /** Forward label of rank r: `forwardHub/Dist[forwardStart[r] ..< forwardStart[r + 1]]`. */
  readonly forwardStart: Int32Array
  readonly forwardHub: Int32Array
  readonly forwardDist: Int32Array
  readonly backwardStart: Int32Array
  readonly backwardHub: Int32Array
  readonly backwardDist: Int32Array
}

/** Builds both directions' labels from the hierarchy. */
export const buildHubLabels = (ch: ContractionHierarchy): HubLabels => {
  const n = ch.nodeCount
  const fHub: Array<Int32Array> = new Array(n), fDist: Array<Int32Array> = new Array(n)
  const bHub: Array<Int32Array> = new Array(n), bDist: Array<Int32Array> = new Array(n)
  const tentative = new Float64Array(n).fill(Infinity)
  const touched = new Int32Array(n)
  const keptHub = new Int32Array(n), keptDist = new Int32Array(n)

  /** The label of r over `arcs`, pruned against the other direction's labels `otherHub/Dist`. */
  const label = (r: number, arcs: UpwardGraph, myHub: Array<Int32Array>, myDist: Array<Int32Array>, otherHub: Array<Int32Array>, otherDist: Array<Int32Array>) => {
    let count = 0
    tentative[r] = 0
    touched[count++] = r
    for (let e = arcs.start[r]!; e < arcs.start[r + 1]!; e++) {
      const s = arcs.head[e]!, w = arcs.weight[e]!
      const hubs = myHub[s]!, dists = myDist[s]!
      for (let i = 0; i < hubs.length; i++) {
        const h = hubs[i]!, d = dists[i]! + w
        if (d < tentative[h]!) {
          if (tentative[h] === Infinity) touched[count++] = h
          tentative[h] = d
        }
      }
    }
    let kept = 0
    for (let i = 0; i < count; i++) {
      const h = touched[i]!, d = tentative[h]!
      let exact = true
      if (h !== r) {
        const hubs = otherHub[h]!, dists = otherDist[h]!
        for (let j = 0; j < hubs.length; j++) {
          if (tentative[hubs[j]!]! + dists[j]! < d) {
            exact = false
            break
          }
        }
      }
      if (exact) {
        keptHub[kept] = h
        keptDist[kept++] = d
      }
    }
    for (let i = 0; i < count; i++) tentative[touched[i]!] = Infinity
    sortByDistance(keptHub, keptDist, kept)
    myHub[r] = keptHub.slice(0, kept)
    myDist[r] = keptDist.slice(0, kept)
  }

  for (let r = n - 1; r >= 0; r--) {
    label(r, ch.up, fHub, fDist, bHub, bDist)
    label(r, ch.down, bHub, bDist, fHub, fDist)
  }

  const flatten = (hubs: Array<Int32Array>, dists: Array<Int32Array>) => {
    const start = new Int32Array(n + 1)
    for (let r = 0; r < n; r++) start[r + 1] = start[r]! + hubs[r]!.length
    const hub = new Int32Array(start[n]!), dist = new Int32Array(start[n]!)
    for (let r = 0; r < n; r++) {
      hub.set(hubs[r]!, start[r]!)
      dist.set(dists[r]!, start[r]!)
    }
    return { start, hub, dist }
  }
  const f = flatten(fHub, fDist), b = flatten(bHub, bDist)
  return {
    nodeCount: n,
    rankOf: ch.rankOf,
    forwardStart: f.start,
    forwardHub: f.hub,
    forwardDist: f.dist,
    backwardStart: b.start,
    backwardHub: b.hub,
    backwardDist: b.dist
  }
}

/**
 * Sorts the first `n` entries by distance, ties by hub (insertion sort: labels are short, and
 * mostly in order already). Label order changes no answer; it is what lets a one-to-many scan
 * stop early (router.ts, `fromMs`).
 */
const sortByDistance = (hubs: Int32Array, dists: Int32Array, n: number): void => {
  for (let i = 1; i < n; i++) {
    const h = hubs[i]!, d = dists[i]!
    let j = i - 1
    while (j >= 0 && (dists[j]! > d || (dists[j] === d && hubs[j]! > h))) {
      hubs[j + 1] = hubs[j]!
      dists[j + 1] = dists[j]!
      j--
    }
    hubs[j + 1] = h
    dists[j + 1] = d
  }
}

/** Bytes of the labels' arrays. */
export const hubLabelBytes = (labels: HubLabels): number =>
  labels.rankOf.byteLength + labels.forwardStart.byteLength + labels.forwardHub.byteLength + labels.forwardDist.byteLength +
  labels.backwardStart.byteLength + labels.backwardHub.byteLength + labels.backwardDist.byteLength
