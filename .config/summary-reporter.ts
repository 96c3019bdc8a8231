/**
 * Prints the run's plain summary as the very last line: `N passed, N failed, N skipped`.
 * CI keeps that line last so that a run that executed no test is visible at a glance, and
 * `.ci/run` re-prints it from `DISPATCH_TEST_SUMMARY_FILE` when npm adds lines after it.
 */
import { writeFileSync } from "node:fs"
import type { Reporter, TestModule } from "vitest/node"

/** @public loaded by vitest.config.ts by path */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0, failed = 0, skipped = 0
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === "passed") passed++
        else if (state === "failed") failed++
        else skipped++
      }
      // A file that failed to load has no tests; count it so it cannot pass unseen.
      if (module.state() === "failed" && [...module.children.allTests()].length === 0) failed++
    }
    failed += unhandledErrors.length
    const line = `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`
    const file = process.env["DISPATCH_TEST_SUMMARY_FILE"]
    if (file) writeFileSync(file, `${line}\n`)
    process.stdout.write(`\n${line}\n`)
  }
}
