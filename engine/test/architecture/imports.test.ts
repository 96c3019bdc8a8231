/**
 * Keeps the layering honest (docs/architecture.md): parts meet only through public entries,
 * and the engine's rooms import downward only. A violation names the file and the import.
 */
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { describe, expect, it } from "vitest"

const ROOT = resolve(import.meta.dirname, "../../..")
const PARTS = ["engine", "simulator", "api", "dashboards"] as const

/** Engine rooms by layer: a room may import its own files and rooms of lower layers. */
const ENGINE_LAYERS: Record<string, number> = {
  domain: 0,
  observability: 1,
  index: 1,
  roads: 1,
  // The road ETA model routes on roads/.
  eta: 2,
  matching: 3,
  pipeline: 4,
  transport: 5,
  testing: 6,
  main: 7
}
/** The process entry composes every part's commands; it alone may reach into other parts. */
const COMPOSITION_ROOT = "engine/src/main/dispatch.ts"

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
  [...readFileSync(file, "utf8").matchAll(/(?:^|\n)\s*(?:import|export)[^"'`]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)]
    .map((m) => m[1] ?? m[2] ?? "")

const files = PARTS.flatMap((part) => sourceFiles(join(ROOT, part))).map((abs) => relative(ROOT, abs))

const violations = (check: (file: string, spec: string, target: string | undefined) => string | undefined) =>
  files.flatMap((file) =>
    importsOf(join(ROOT, file)).flatMap((spec) => {
      const target = spec.startsWith(".") ? relative(ROOT, resolve(ROOT, dirname(file), spec)) : undefined
      const problem = check(file, spec, target)
      return problem === undefined ? [] : [`${file}: import "${spec}" ${problem}`]
    })
  )

const partOf = (path: string) => path.split("/")[0]
const engineRoom = (path: string) => (path.startsWith("engine/src/") ? path.split("/")[2] : undefined)

describe("import rules", () => {
  it("finds the project's files", () => {
    expect(files).toContain("engine/src/mod.ts")
  })

  it("parts reach each other only through public entries", () => {
    expect(violations((file, spec, target) => {
      if (file === COMPOSITION_ROOT) return undefined
      if (target !== undefined && partOf(target) !== partOf(file)) return "reaches into another part; use its public entry (#engine)"
      if (spec.startsWith("#") && !["#engine", "#engine/testing"].includes(spec)) return "is not a public entry"
      if (spec.startsWith("#engine") && file.startsWith("engine/src/")) return "is the engine importing itself by its public name"
      return undefined
    })).toEqual([])
  })

  it("product code never imports test harnesses", () => {
    expect(violations((file, spec, target) => {
      const isTest = file.includes("/test/") || file.includes("/bench/") || file.startsWith("engine/src/testing/")
      if (isTest) return undefined
      if (spec === "#engine/testing" || spec === "vitest" || spec.startsWith("@effect/vitest")) return "is test-only"
      if (target?.includes("/test/") || target?.startsWith("engine/src/testing/")) return "is test-only"
      return undefined
    })).toEqual([])
  })

  it("engine rooms import downward only", () => {
    expect(violations((file, _spec, target) => {
      const from = engineRoom(file), to = target === undefined ? undefined : engineRoom(target)
      if (from === undefined || to === undefined || from === to || from === "mod.ts") return undefined
      if (to === "mod.ts") return "imports the public entry from inside the engine"
      const [a, b] = [ENGINE_LAYERS[from], ENGINE_LAYERS[to]]
      if (a === undefined) return `comes from engine/src/${from}, a room with no layer in this test`
      if (b === undefined) return `goes to engine/src/${to}, a room with no layer in this test`
      return b < a ? undefined : `goes up or sideways (${from} -> ${to})`
    })).toEqual([])
  })
})
