/**
 * A derived binary cache of a graph's hub labels. Building them (contraction, then labels)
 * takes seconds for SF (docs/roads.md, "Load time and memory"); reading them back takes
 * milliseconds. The graph itself is not cached: its CSVs parse in a fraction of a second.
 *
 * A cache file is named by the sha256 of the graph files' bytes and `LABEL_CACHE_VERSION`
 * (bumped whenever the contraction, the labels or the arc times they rest on change), so a
 * changed graph or a changed algorithm never reads stale labels. Files are written to a
 * temporary name and renamed, so a reader never sees half a file; any failure to read or write
 * is ignored (the labels are then built), as a cache must never be the reason a market fails.
 *
 * Layout: "DHL1" magic, u32 header length, JSON header { version, key, nodeCount, lengths },
 * zero padding to 8 bytes, then the label arrays as int32s in header order, in the machine's
 * byte order: little-endian on every platform Node ships for here (x64, arm64); a big-endian
 * machine does not use the cache at all.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { HubLabels } from "./hub-labels.ts"

/** Bump when anything that changes the labels of a given graph changes. */
export const LABEL_CACHE_VERSION = 2

/** Where caches go unless `DISPATCH_ROAD_CACHE` names a directory (or `off`). */
export const DEFAULT_LABEL_CACHE_DIR = join(tmpdir(), "dispatch-road-cache")

const MAGIC = 0x314c4844 // "DHL1" little-endian
const FIELDS = ["rankOf", "forwardStart", "forwardHub", "forwardDist", "backwardStart", "backwardHub", "backwardDist"] as const

/** The cache directory the environment asks for: undefined when caching is off. */
export const labelCacheDir = (env: NodeJS.ProcessEnv = process.env): string | undefined => {
  const value = env["DISPATCH_ROAD_CACHE"]
  if (value === "off" || !LITTLE_ENDIAN) return undefined
  return value !== undefined && value.length > 0 ? value : DEFAULT_LABEL_CACHE_DIR
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

const fileOf = (dir: string, digest: string) => join(dir, `labels-v${LABEL_CACHE_VERSION}-${digest.slice(0, 32)}.bin`)

/** The cached labels of the graph with this digest and node count, or undefined. */
export const readCachedLabels = (dir: string, digest: string, nodeCount: number): HubLabels | undefined => {
  try {
    const bytes = readFileSync(fileOf(dir, digest))
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    if (view.getUint32(0, true) !== MAGIC) return undefined
    const headerLength = view.getUint32(4, true)
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8")) as {
      version: number
      key: string
      nodeCount: number
      lengths: ReadonlyArray<number>
    }
    if (header.version !== LABEL_CACHE_VERSION || header.key !== digest || header.nodeCount !== nodeCount) return undefined
    let offset = Math.ceil((8 + headerLength) / 8) * 8
    const arrays: Array<Int32Array> = []
    for (const length of header.lengths) {
      if (offset + length * 4 > bytes.byteLength) return undefined
      // A copy, aligned: the file buffer need not be.
      arrays.push(new Int32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + length * 4)))
      offset += length * 4
    }
    const [rankOf, forwardStart, forwardHub, forwardDist, backwardStart, backwardHub, backwardDist] = arrays
    if (rankOf === undefined || backwardDist === undefined || rankOf.length !== nodeCount || forwardStart!.length !== nodeCount + 1) return undefined
    return { nodeCount, rankOf, forwardStart: forwardStart!, forwardHub: forwardHub!, forwardDist: forwardDist!, backwardStart: backwardStart!, backwardHub: backwardHub!, backwardDist }
  } catch {
    return undefined
  }
}

/** Writes the labels for this digest; false when it could not (the caller goes on without). */
export const writeCachedLabels = (dir: string, digest: string, labels: HubLabels): boolean => {
  try {
    mkdirSync(dir, { recursive: true })
    const arrays = FIELDS.map((f) => labels[f])
    const header = Buffer.from(JSON.stringify({ version: LABEL_CACHE_VERSION, key: digest, nodeCount: labels.nodeCount, lengths: arrays.map((a) => a.length) }), "utf8")
    const dataStart = Math.ceil((8 + header.length) / 8) * 8
    const out = Buffer.alloc(dataStart + arrays.reduce((sum, a) => sum + a.byteLength, 0))
    out.writeUInt32LE(MAGIC, 0)
    out.writeUInt32LE(header.length, 4)
    header.copy(out, 8)
    let offset = dataStart
    for (const a of arrays) {
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, offset)
      offset += a.byteLength
    }
    const file = fileOf(dir, digest)
    const temporary = `${file}.${process.pid}.tmp`
    writeFileSync(temporary, out)
    renameSync(temporary, file)
    return true
  } catch {
    return false
  }
}
