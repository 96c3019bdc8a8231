/**
 * `dispatch regions ...` as an operator runs it: child processes of the real entry point
 * against a private nats-server (NATS_URL), and `breakers` against a stand-in admin API that
 * checks the bearer token. Checks output, KV contents and exit codes, including a bad flag and
 * bad weights, which must fail with a clear message and a non-zero exit.
 */
import { execFile } from "node:child_process"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { resolve } from "node:path"
import { afterAll, beforeAll, expect, it } from "vitest"
import { describeWithNats } from "#engine/testing"
import { useNatsFixture } from "./nats-fixture.ts"

const ROOT = resolve(import.meta.dirname, "../../..")
const NODE = resolve(ROOT, "node_modules/.bin/node")
const ENTRY = resolve(ROOT, "engine/src/main/dispatch.ts")

/** Each run starts Node and loads the whole CLI (~2-4 s on a busy 2-core box): room for a dozen. */
const CLI_TEST_TIMEOUT_MS = 180_000

interface Run { readonly code: number; readonly stdout: string; readonly stderr: string }

const BOARD = { at: 1_700_000_000_000, targets: [{ target: "us-east", state: "open", calls: 20, failures: 12, slowCalls: 0, failureRatePercent: 60, slowCallRatePercent: 0, retryAfterMs: 1500, ejectedUntil: null, drained: false, lastTransitionAt: null }] }

describeWithNats("dispatch regions (child processes)", () => {
  const fx = useNatsFixture()
  let admin: Server
  let adminUrl = ""

  beforeAll(async () => {
    admin = createServer((req, res) => {
      const ok = req.url === "/admin/breakers" && req.headers.authorization === "Bearer cli-test-token"
      res.writeHead(ok ? 200 : 401, { "content-type": "application/json" })
      res.end(JSON.stringify(ok ? BOARD : { error: { code: "unauthorized", message: "wrong admin token" } }))
    })
    await new Promise<void>((r) => admin.listen(0, "127.0.0.1", r))
    adminUrl = `http://127.0.0.1:${(admin.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((r) => admin.close(() => r())))

  const regions = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
    new Promise<Run>((done) => {
      const child = execFile(NODE, [ENTRY, "regions", ...args], {
        cwd: ROOT,
        env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", USER: "tester", NATS_URL: fx.server.url, ...env },
        // Generous (a busy box). A `dispatch` command stopped by SIGTERM once running exits 0
        // silently (runMain: an interrupt is a clean stop) and execFile then reports no error,
        // so a run killed by this timeout is code -1 here, never taken as success.
        timeout: 120_000
      }, (error, stdout, stderr) =>
        done({ code: child.killed ? -1 : error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr }))
    })
  const stored = async (key: string) => JSON.parse((await fx.kv.get(key))?.string() ?? "null")

  it("set-weight, drain, list, history and rollback change KV and say so", async () => {
    const set = await regions(["set-weight", "us-west", "us-east=2", "eu-central=1", "--reason", "east warm-up"])
    expect(set.stderr).toBe("")
    expect(set.code).toBe(0)
    expect(set.stdout).toContain("weights.us-west is now rev 1")
    expect(await stored("weights.us-west")).toMatchObject({ v: 1, weights: { "us-west": 1, "us-east": 2, "eu-central": 1 }, by: expect.stringMatching(/^tester@/), reason: "east warm-up" })

    const drain = await regions(["drain", "eu-central", "--by", "oncall-ana", "--json"])
    expect(drain.code).toBe(0)
    expect(JSON.parse(drain.stdout)).toMatchObject({ key: "drain.eu-central", revision: 2, value: { drained: true, by: "oncall-ana" } })

    const [list, listJson, history] = await Promise.all([regions(["list"]), regions(["list", "--json"]), regions(["history", "--json"])])
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/us-west\s+1 \(33%\)\s+2 \(67%\)\s+1\s+rev 1 by tester@/)
    expect(list.stdout).toContain("eu-central [drained]")
    expect(JSON.parse(listJson.stdout)).toMatchObject({ weights: { "us-west": { "us-west": 1, "us-east": 2, "eu-central": 1 }, "us-east": { "us-east": 1 } }, drained: ["eu-central"] })
    expect(JSON.parse(history.stdout).entries.map((e: { key: string; revision: number }) => `${e.key}@${e.revision}`)).toEqual(["drain.eu-central@2", "weights.us-west@1"])

    await regions(["set-weight", "us-west", "us-west=0", "--replace", "us-east=5"])
    const back = await regions(["rollback", "us-west", "1"])
    expect(back.code).toBe(0)
    expect(back.stdout).toContain('"rollback to rev 1"')
    expect(await stored("weights.us-west")).toMatchObject({ weights: { "us-west": 1, "us-east": 2, "eu-central": 1 }, reason: "rollback to rev 1" })
    const text = await regions(["history", "us-west"])
    expect(text.stdout).toContain("KV keeps the last 64 revisions per key")
  }, CLI_TEST_TIMEOUT_MS)

  it("set-lane opens a lane with a share, list shows it, a bad share fails writing nothing", async () => {
    // Two at a time: a Node start took 90 s on a box with load 35.
    const [set, tooMuch] = await Promise.all([
      regions(["set-lane", "us-west", "canary=5", "--reason", "intake v2"]),
      regions(["set-lane", "us-east", "canary=60", "blue=50"])
    ])
    expect(set.stderr).toBe("")
    expect(set.code).toBe(0)
    expect(set.stdout).toMatch(/lanes\.us-west is now rev \d+: canary=5%/)
    expect(await stored("lanes.us-west")).toMatchObject({ v: 1, shares: { canary: 5 }, reason: "intake v2" })
    expect(tooMuch.code, `${tooMuch.stdout}\n${tooMuch.stderr}`).toBe(1)
    expect(tooMuch.stderr).toContain("the shares add up to 110%")
    expect(await fx.kv.get("lanes.us-east")).toBeNull()
    const list = await regions(["list"])
    expect(list.stdout).toMatch(/us-west\s+canary=5%\s+rev \d+ by tester@/)
  }, CLI_TEST_TIMEOUT_MS)
  it("set-limit, limits, clear-limit and rollback of a limit change KV and say so; bad limits are refused", async () => {
    // Four rounds of two or three child processes (Node starts are slow on a busy box).
    const [set, def] = await Promise.all([
      regions(["set-limit", "us-east", "--burst", "20", "--per-second", "5", "--reason", "protect east"]),
      regions(["set-limit", "default", "--burst", "100", "--per-second", "0.5", "--json"])
    ])
    expect(set.stderr).toBe("")
    expect(set.code).toBe(0)
    expect(set.stdout).toMatch(/limits\.us-east is now rev \d+: burst 20, 5\/s/)
    expect(await stored("limits.us-east")).toMatchObject({ v: 1, limit: { burst: 20, perSecond: 5 }, reason: "protect east" })
    expect(JSON.parse(def.stdout)).toMatchObject({ key: "limits.default", value: { limit: { burst: 100, perSecond: 0.5 } } })
    const [table, history, zero] = await Promise.all([
      regions(["limits"]),
      regions(["history", "--json"]),
      regions(["set-limit", "us-west", "--burst", "0", "--per-second", "1"])
    ])
    expect(table.stdout).toMatch(/us-east\s+20\s+5\s+rev \d+ by tester@/)
    expect(table.stdout).toMatch(/us-west\s+100\s+0\.5\s+limits\.default/)
    expect(zero.code, `${zero.stdout}\n${zero.stderr}`).toBe(1)
    expect(zero.stderr).toContain("limit.burst: must be a whole number of calls from 1 to 1000000")
    expect(await fx.kv.get("limits.us-west")).toBeNull()
    const revision = JSON.parse(history.stdout).entries.find((e: { key: string }) => e.key === "limits.us-east").revision
    expect((await regions(["clear-limit", "us-east"])).code).toBe(0)
    expect(await stored("limits.us-east")).toMatchObject({ limit: null })
    const back = await regions(["rollback", "limits.us-east", String(revision)])
    expect(back.code).toBe(0)
    expect(await stored("limits.us-east")).toMatchObject({ limit: { burst: 20, perSecond: 5 }, reason: `rollback to rev ${revision}` })
  }, 2 * CLI_TEST_TIMEOUT_MS)

  it("bad input fails with a clear message and a non-zero exit, writing nothing", async () => {
    // Three at a time: six Node starts at once on two busy cores took over 30 s.
    const [badFlag, negative, unknown] = await Promise.all([
      regions(["set-weight", "us-west", "us-east=1", "--frobnicate"]),
      regions(["set-weight", "us-west", "us-east=-3"]),
      regions(["drain", "mars"])
    ])
    const [notPair, badRegions, stale] = await Promise.all([
      regions(["set-weight", "us-west", "us-east"]),
      regions(["list", "--regions", "us-west,us.east"]),
      regions(["set-weight", "us-east", "us-east=1", "--expect-revision", "7"])
    ])
    for (const r of [badFlag, negative, unknown, notPair, badRegions, stale]) expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1)
    expect(badFlag.stderr).toContain("unknown flag --frobnicate")
    expect(negative.stderr).toContain("weights.us-east: must be a finite number >= 0")
    expect(unknown.stderr).toContain('unknown region "mars"')
    expect(notPair.stderr).toContain('"us-east" is not <target>=<weight>')
    expect(badRegions.stderr).toContain("regions[1]")
    expect(stale.stderr).toContain("changed by someone else since revision 7")
    expect(await fx.kv.get("weights.us-west")).toBeNull()
    expect(await fx.kv.get("drain.mars")).toBeNull()
  }, CLI_TEST_TIMEOUT_MS)

  it("breakers asks the admin API with the token, and explains a refusal", async () => {
    const [ok, refused, json] = await Promise.all([
      regions(["breakers", "--api", adminUrl], { DISPATCH_ADMIN_TOKEN: "cli-test-token" }),
      regions(["breakers"], { DISPATCH_API_URL: adminUrl, DISPATCH_ADMIN_TOKEN: "nope" }),
      regions(["breakers", "--json", "--api", adminUrl], { DISPATCH_ADMIN_TOKEN: "cli-test-token" })
    ])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/us-east\s+open\s+20\s+12 \(60\.0%\)\s+0 \(0\.0%\)\s+1\.5 s/)
    expect(JSON.parse(json.stdout)).toEqual(BOARD)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("answered 401: wrong admin token")
    expect(refused.stderr).not.toContain("nope")
    // It asks a gateway, not KV: the NATS flags and the region list are not its flags.
    const help = await regions(["breakers", "--help"])
    expect(help.stdout).toContain("--api")
    expect(help.stdout).not.toMatch(/--nats|--regions/)
  }, CLI_TEST_TIMEOUT_MS)
})
