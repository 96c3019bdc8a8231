/**
 * Drift: the committed dashboards, provisioning, Prometheus config, rules and alert tests are
 * exactly what `npm run dashboards` makes from the TypeScript now. A renamed metric, or a panel
 * edited without regenerating, fails here.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { describe, expect, it } from "vitest"
import { generatedFiles } from "../src/generated-files.ts"

const DASHBOARDS_DIR = join(import.meta.dirname, "..")
const GENERATED_DIRS = ["grafana", "prometheus"]

const filesUnder = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]))

describe("generated files", () => {
  const expected = generatedFiles()

  it.each([...expected.keys()])("dashboards/%s is up to date (run `npm run dashboards`)", (path) => {
    let committed: string | undefined
    try {
      committed = readFileSync(join(DASHBOARDS_DIR, path), "utf8")
    } catch {
      committed = undefined
    }
    expect(committed, `dashboards/${path} is missing or differs from the TypeScript: run npm run dashboards`).toBe(expected.get(path))
  })

  it("no file in grafana/ or prometheus/ is left over from an older generation", () => {
    const present = GENERATED_DIRS.flatMap((d) => filesUnder(join(DASHBOARDS_DIR, d))).map((f) => relative(DASHBOARDS_DIR, f))
    expect(present.filter((f) => !expected.has(f))).toEqual([])
  })
})
