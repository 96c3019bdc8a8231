/**
 * The one test configuration for every part. Lives under .config/ because the project's top
 * level is fixed (package.json, tsconfig.json, README.md and the four parts).
 */
import { defineConfig } from "vitest/config"

/** @public the config vitest loads (knip cannot see that use) */
export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["{engine,simulator,api,dashboards}/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    // Integration tests start real servers (nats-server, prometheus); give them room on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files run in parallel forks; each test that needs a server starts its own on a free port.
    pool: "forks",
    reporters: ["default", "./.config/summary-reporter.ts"]
  }
})
