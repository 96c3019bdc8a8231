/**
 * `npm run dashboards`: writes the dashboards' JSON, Grafana provisioning, Prometheus config,
 * rules and alert tests from the TypeScript in this folder. `--check` writes nothing and exits
 * 1 when a committed file differs (what the drift test checks too).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { generatedFiles } from "./generated-files.ts"

const ROOT = join(import.meta.dirname, "..")
const check = process.argv.includes("--check")

const read = (path: string) => {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return undefined
  }
}

let stale = 0
for (const [relative, text] of generatedFiles()) {
  const path = join(ROOT, relative)
  if (read(path) === text) continue
  stale++
  if (check) {
    console.error(`dashboards/${relative}: differs from the TypeScript; run npm run dashboards`)
  } else {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, text)
    console.log(`wrote dashboards/${relative}`)
  }
}
if (check && stale > 0) process.exit(1)
if (stale === 0) console.log("dashboards: every generated file is up to date")
