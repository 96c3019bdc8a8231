/**
 * Keeps the layering honest (docs/architecture.md): parts meet only through public entries and
 * import lower parts only; inside every part, rooms import downward only; and no two files
 * import each other, directly or round a loop. A violation names the file and the import.
 */
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { describe, expect, it } from "vitest"

const ROOT = resolve(import.meta.dirname, "../../..")

/** Parts by layer: a part may import the public entries of lower parts. */
const PART_LAYERS: Record<string, number> = { engine: 0, simulator: 1, api: 1, dashboards: 2 }
const PARTS = Object.keys(PART_LAYERS)

/** Public entries and the part behind each; `#engine/testing` is for tests only. */
const ENTRIES: Record<string, string> = {
  "#engine": "engine",
  "#engine/testing": "engine",
  "#simulator": "simulator",
  "#api": "api",
  "#dashboards": "dashboards"
}

/**
 * Rooms (folders under `<part>/src/`) by layer: a room may import its own files and rooms of
 * lower layers. `.` is the files directly in `<part>/src/`.
 */
const ROOM_LAYERS: Record<string, Record<string, number>> = {
  engine: { domain: 0, observability: 1, process: 1, index: 1, roads: 2, eta: 3, cli: 3, matching: 4, pipeline: 5, transport: 6, testing: 7, main: 8 },
  simulator: { trips: 0, observability: 0, fleet: 1, riders: 1, events: 2, report: 3, calibration: 4, runner: 4, transport: 5, scenario: 6, cli: 7 },
  api: { observability: 0, breaker: 1, auth: 1, ratelimit: 1, regions: 2, health: 2, balancer: 3, admin: 4, http: 5, main: 6 },
  dashboards: { stack: 0, ".": 1 }
}

/** The command tree of the process entry composes every part's commands; it alone may reach into higher parts. */
const COMPOSITION_ROOT = "engine/src/main/dispatch-command.ts"
const ENTRY_FILES = new Set(PARTS.map((part) => `${part}/src/mod.ts`).concat("engine/src/testing/mod.ts"))

const sourceFiles = (dir: string): Array<string> => {
  let entries
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch {
    return []
  }
  return entries.flatMap((e) =>
    e.name === "node_modules" ? [] : e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []
  )
}

const importsOf = (file: string): Array<string> =>
  [...readFileSync(file, "utf8").matchAll(/(?:^|\n)\s*(?:import|export)[^"'`]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s+["']([^"']+)["']/g)]
    .map((m) => m[1] ?? m[2] ?? m[3] ?? "")

const files = PARTS.flatMap((part) => sourceFiles(join(ROOT, part))).map((abs) => relative(ROOT, abs))

/** Relative imports resolved to project paths, `#` imports kept as written. */
const edges = new Map(files.map((file) => [file, importsOf(join(ROOT, file)).map((spec) => ({
  spec,
  target: spec.startsWith(".") ? relative(ROOT, resolve(ROOT, dirname(file), spec)) : undefined
}))]))

const violations = (check: (file: string, spec: string, target: string | undefined) => string | undefined) =>
  files.flatMap((file) =>
    edges.get(file)!.flatMap(({ spec, target }) => {
      const problem = check(file, spec, target)
      return problem === undefined ? [] : [`${file}: import "${spec}" ${problem}`]
    })
  )

const partOf = (path: string) => path.split("/")[0]!
const isTest = (file: string) => file.includes("/test/") || file.includes("/bench/") || file.startsWith("engine/src/testing/")
/** The room of a product file (`<part>/src/<room>/...`), `.` for files directly in src. */
const roomOf = (path: string): string | undefined => {
  const [, src, room, ...rest] = path.split("/")
  if (src !== "src" || room === undefined) return undefined
  return rest.length === 0 ? "." : room
}

/** Every cycle of the file graph (strongly connected components of more than one file). */
const cycles = (): Array<Array<string>> => {
  const index = new Map<string, number>(), low = new Map<string, number>(), onStack = new Set<string>()
  const stack: Array<string> = [], found: Array<Array<string>> = []
  let next = 0
  // Iterative Tarjan: the graph is small, but recursion depth should not depend on it.
  for (const start of files) {
    if (index.has(start)) continue
    const work: Array<{ file: string; i: number }> = [{ file: start, i: 0 }]
    index.set(start, next); low.set(start, next++); stack.push(start); onStack.add(start)
    while (work.length > 0) {
      const frame = work[work.length - 1]!
      const targets = edges.get(frame.file)!.flatMap((e) => (e.target !== undefined && edges.has(e.target) ? [e.target] : []))
      if (frame.i < targets.length) {
        const to = targets[frame.i++]!
        if (!index.has(to)) {
          index.set(to, next); low.set(to, next++); stack.push(to); onStack.add(to)
          work.push({ file: to, i: 0 })
        } else if (onStack.has(to)) low.set(frame.file, Math.min(low.get(frame.file)!, index.get(to)!))
        continue
      }
      work.pop()
      const parent = work[work.length - 1]
      if (parent !== undefined) low.set(parent.file, Math.min(low.get(parent.file)!, low.get(frame.file)!))
      if (low.get(frame.file) === index.get(frame.file)) {
        const component: Array<string> = []
        let file: string
        do {
          file = stack.pop()!
          onStack.delete(file)
          component.push(file)
        } while (file !== frame.file)
        if (component.length > 1) found.push(component.sort())
      }
    }
  }
  return found
}

describe("import rules", () => {
  it("finds every part's files", () => {
    for (const part of PARTS) expect(files).toContain(`${part}/src/mod.ts`)
  })

  it("parts reach each other only through public entries, and only downward", () => {
    expect(violations((file, spec, target) => {
      if (file === COMPOSITION_ROOT) return undefined
      const from = partOf(file)
      if (target !== undefined) return partOf(target) === from ? undefined : "reaches into another part; use its public entry (#engine, #api, ...)"
      if (!spec.startsWith("#")) return undefined
      const to = ENTRIES[spec]
      if (to === undefined) return "is not a public entry"
      if (to === from) return file.startsWith(`${from}/src/`) ? "is a part importing itself by its public name" : undefined
      return PART_LAYERS[to]! < PART_LAYERS[from]! ? undefined : `goes up or sideways (${from} -> ${to})`
    })).toEqual([])
  })

  it("product code never imports test harnesses", () => {
    expect(violations((file, spec, target) => {
      if (isTest(file)) return undefined
      if (spec === "#engine/testing" || spec === "vitest" || spec.startsWith("@effect/vitest")) return "is test-only"
      if (target?.includes("/test/") || target?.startsWith("engine/src/testing/")) return "is test-only"
      return undefined
    })).toEqual([])
  })

  it("every part's rooms import downward only", () => {
    expect(violations((file, _spec, target) => {
      if (target === undefined || ENTRY_FILES.has(file) || partOf(target) !== partOf(file)) return undefined
      const part = partOf(file), layers = ROOM_LAYERS[part]!
      const from = roomOf(file), to = roomOf(target)
      if (from === undefined || to === undefined || from === to) return undefined
      if (ENTRY_FILES.has(target)) return "imports the part's public entry from inside the part"
      const [a, b] = [layers[from], layers[to]]
      if (a === undefined) return `comes from ${part}/src/${from}, a room with no layer in this test`
      if (b === undefined) return `goes to ${part}/src/${to}, a room with no layer in this test`
      return b < a ? undefined : `goes up or sideways (${from} -> ${to})`
    })).toEqual([])
  })

  it("no import cycles between files", () => {
    expect(cycles()).toEqual([])
  })
})
