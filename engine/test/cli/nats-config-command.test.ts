/**
 * `dispatch nats config` as an operator runs it (a child process of the real entry): the
 * server config on standard output or in `--out`, the seeds private, the same users on a
 * second run, and a broken seed file refused with exit status 1 and its path.
 */
import { execFile } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { NATS_ROLES } from "../../src/transport/nats/permissions.ts"

const ENTRY = fileURLToPath(new URL("../../src/main/dispatch.ts", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "dispatch-nats-config-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const dispatch = (...args: Array<string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [ENTRY, ...args], { cwd: dir, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }))
  })

/** The users' public keys in a config, in the order written. */
const userKeys = (config: string) => [...config.matchAll(/"nkey": "(U[A-Z0-9]{55})"/g)].map((m) => m[1])

describe("dispatch nats config", () => {
  it("writes the config and private seeds, keeps them on a second run, refuses a broken seed", async () => {
    const printed = await dispatch("nats", "config")
    expect(printed.code, printed.stderr).toBe(0)
    expect(printed.stdout).toMatch(/^# Dispatch's NATS users/)
    expect(userKeys(printed.stdout)).toHaveLength(NATS_ROLES.length)
    expect(statSync(join(dir, "nats-seeds")).mode & 0o777).toBe(0o700)

    const seeds = join(dir, "seeds")
    const out = join(dir, "auth.conf")
    const written = await dispatch("nats", "config", "--out", out, "--seeds", seeds)
    expect(written.code, written.stderr).toBe(0)
    expect(written.stderr).toContain(`wrote ${out}`)
    const config = readFileSync(out, "utf8")
    expect(readdirSync(seeds).sort()).toEqual(NATS_ROLES.map((r) => `${r}.nk`).sort())
    for (const role of NATS_ROLES) {
      const seed = join(seeds, `${role}.nk`)
      expect(statSync(seed).mode & 0o777, role).toBe(0o600)
      expect(config).not.toContain(readFileSync(seed, "utf8").trim())
    }
    expect(userKeys(config)).not.toEqual(userKeys(printed.stdout))

    const again = await dispatch("nats", "config", "--seeds", seeds)
    expect(userKeys(again.stdout)).toEqual(userKeys(config))

    writeFileSync(join(seeds, "engine.nk"), "SUNOTASEED\n")
    const broken = await dispatch("nats", "config", "--seeds", seeds)
    expect(broken.code).toBe(1)
    expect(broken.stderr).toContain(`${join(seeds, "engine.nk")}: not a user nkey seed`)
  }, 120_000)
})
