/**
 * Reads a V8 `.cpuprofile` (node --cpu-prof) and sums self time per function and per area
 * (nats.js, Effect, engine code, h3-js, prom-client, Node internals, GC, idle): the profile
 * summary engine.bench.ts prints and docs/performance.md quotes.
 */
import { readFileSync } from "node:fs"

interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
    readonly children?: ReadonlyArray<number>
  }>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

export interface ProfileRow {
  readonly name: string
  readonly where: string
  readonly area: string
  readonly selfMs: number
  /** Share of the busy (non-idle) time. */
  readonly share: number
}

export interface ProfileSummary {
  readonly totalMs: number
  readonly busyMs: number
  readonly top: ReadonlyArray<ProfileRow>
  readonly areas: ReadonlyArray<{ readonly area: string; readonly selfMs: number; readonly share: number }>
}

const areaOf = (name: string, url: string): string => {
  if (name === "(idle)") return "idle"
  if (name === "(garbage collector)") return "GC"
  if (name === "(program)") return "V8 / native (program)"
  if (url.includes("node_modules/@nats-io/")) return "nats.js"
  if (url.includes("node_modules/effect/") || url.includes("node_modules/@effect/")) return "Effect"
  if (url.includes("node_modules/h3-js/")) return "h3-js"
  if (url.includes("node_modules/prom-client/")) return "prom-client"
  if (url.includes("node_modules/@opentelemetry/")) return "OpenTelemetry API"
  if (url.includes("node_modules/munkres")) return "munkres"
  if (url.includes("/engine/src/")) return "engine code"
  if (url.startsWith("node:") || url === "") return "Node internals"
  return "other"
}

const shortUrl = (url: string) => {
  const i = url.indexOf("node_modules/")
  if (i >= 0) return url.slice(i + "node_modules/".length)
  const j = url.indexOf("/engine/src/")
  return j >= 0 ? url.slice(j + 1) : url.replace(/^file:\/\//, "")
}

/**
 * Sums self time per function. With `windowUrl`, only the samples from the first to the last
 * one whose stack passes through a file whose URL ends with it (e.g. the engine's partition
 * pipeline: from the first order handled to the last), so start-up and idle tails do not blur
 * the picture.
 */
export const summarizeCpuProfile = (path: string, topN = 20, windowUrl?: string): ProfileSummary => {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  let from = 0
  let to = profile.samples.length - 1
  if (windowUrl !== undefined) {
    const parent = new Map<number, number>()
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
    const inside = new Map<number, boolean>()
    const passes = (id: number): boolean => {
      const known = inside.get(id)
      if (known !== undefined) return known
      const up = parent.get(id)
      const result = byId.get(id)!.callFrame.url.endsWith(windowUrl) || (up !== undefined && passes(up))
      inside.set(id, result)
      return result
    }
    from = profile.samples.findIndex(passes)
    to = profile.samples.findLastIndex(passes)
    if (from < 0) throw new Error(`no sample passes through ${windowUrl}`)
  }
  const selfUs = new Map<number, number>()
  profile.samples.forEach((id, i) => {
    if (i < from || i > to) return
    // timeDeltas[i] is the time since the previous sample: charge it to this sample's frame.
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  const rows = new Map<string, { name: string; where: string; area: string; us: number }>()
  const areas = new Map<string, number>()
  let total = 0
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame
    const name = frame.functionName || "(anonymous)"
    const where = frame.url === "" ? "" : `${shortUrl(frame.url)}:${frame.lineNumber + 1}`
    const area = areaOf(name, frame.url)
    const key = `${name}@${where}`
    const row = rows.get(key) ?? { name, where, area, us: 0 }
    row.us += us
    rows.set(key, row)
    areas.set(area, (areas.get(area) ?? 0) + us)
    total += us
  }
  const busy = total - (areas.get("idle") ?? 0)
  return {
    totalMs: total / 1000,
    busyMs: busy / 1000,
    top: [...rows.values()]
      .filter((r) => r.area !== "idle")
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((r) => ({ name: r.name, where: r.where, area: r.area, selfMs: r.us / 1000, share: r.us / busy })),
    areas: [...areas.entries()]
      .filter(([area]) => area !== "idle")
      .sort((a, b) => b[1] - a[1])
      .map(([area, us]) => ({ area, selfMs: us / 1000, share: us / busy }))
  }
}

export const formatProfile = (s: ProfileSummary): string => {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`
  const lines = [
    `profile: ${s.totalMs.toFixed(0)} ms sampled, ${s.busyMs.toFixed(0)} ms busy (not idle)`,
    "",
    "| area | self ms | share of busy |",
    "| --- | ---: | ---: |",
    ...s.areas.map((a) => `| ${a.area} | ${a.selfMs.toFixed(0)} | ${pct(a.share)} |`),
    "",
    "| function | where | area | self ms | share of busy |",
    "| --- | --- | --- | ---: | ---: |",
    ...s.top.map((r) => `| \`${r.name}\` | ${r.where} | ${r.area} | ${r.selfMs.toFixed(0)} | ${pct(r.share)} |`)
  ]
  return lines.join("\n")
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2]
  if (file === undefined) throw new Error("usage: engine-profile.ts <file.cpuprofile> [top]")
  console.log(formatProfile(summarizeCpuProfile(file, Number(process.argv[3] ?? 20))))
}
