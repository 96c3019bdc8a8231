/**
 * `dispatch markets` as a user runs it: `list --json` is the shipped market as data, and
 * `check` refuses a market whose home region the deployment does not have.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { SHIPPED_MARKET_FILES } from "../../src/domain/market-files.ts"
import { dispatch, lines } from "./run-dispatch.ts"

const dir = mkdtempSync(join(tmpdir(), "dispatch-markets-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const withHomeRegion = (region: string) => {
  const config = JSON.parse(readFileSync(SHIPPED_MARKET_FILES[0]!, "utf8")) as Record<string, unknown>
  const { roads: _, ...rest } = config
  const path = join(dir, `sf-${region}.json`)
  writeFileSync(path, JSON.stringify({ ...rest, homeRegion: region }))
  return path
}

describe("dispatch markets", () => {
  it("list --json prints the markets as a JSON array", async () => {
    const run = await dispatch(["markets", "list", "--json"], { DISPATCH_MARKETS: "" })
    expect(run.code, run.stderr).toBe(0)
    const markets = JSON.parse(run.stdout) as ReadonlyArray<Record<string, unknown>>
    expect(markets.map((m) => m["id"])).toEqual(["sf"])
    expect(markets[0]).toMatchObject({ timeZone: "America/Los_Angeles", homeRegion: "us-west", h3Resolution: 8, cells: expect.any(Number) })
  })

  it("check refuses an unknown homeRegion, naming the file and the regions; --regions widens them", async () => {
    const mars = withHomeRegion("mars-1")
    const [refused, widened] = await Promise.all([
      dispatch(["markets", "check", mars], { DISPATCH_REGIONS: "" }),
      dispatch(["markets", "check", mars, "--regions", "us-west,mars-1"])
    ])
    expect(refused.code).toBe(1)
    expect(lines(refused.stderr)).toEqual([
      `dispatch markets check: invalid market file ${mars}:`,
      '  homeRegion: "mars-1" is not a region of the deployment (us-west, us-east, eu-central; set with --regions or DISPATCH_REGIONS)'
    ])
    expect(widened.code, widened.stderr).toBe(0)
    expect(widened.stdout).toContain("ok  sf")
  })
})
