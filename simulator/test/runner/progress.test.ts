/**
 * The progress line ends at 100% with a final line, on a terminal and off it, and reads the
 * simulated time in the market's zone; short runs stay silent. Wall time is the test's own.
 */
import { assert, describe, it } from "@effect/vitest"
import { MarketTime } from "../../src/report/market-time.ts"
import { Progress } from "../../src/runner/progress.ts"

// Sat 2008-05-31, 17:00-19:00 PDT (the demo's window in NATS mode).
const START = Date.parse("2008-06-01T00:00:00Z"), END = Date.parse("2008-06-01T02:00:00Z")

const progressOn = (isTTY: boolean) => {
  const written: Array<string> = []
  let wall = 0
  const progress = new Progress({ isTTY, write: (text: string) => written.push(text) },
    { label: "[greedy]", start: START, end: END, time: new MarketTime("America/Los_Angeles") }, () => wall)
  return { written, progress, advance: (ms: number) => (wall += ms) }
}

describe("Progress", () => {
  it("off a terminal: a line per period, then a final line at 100% with the wall time", () => {
    const { written, progress, advance } = progressOn(false)
    advance(1_000)
    progress.update(START + 0.39 * (END - START), 900)
    advance(3_000)
    progress.update(START + 0.5 * (END - START), 1_100) // within the 10 s period: not drawn
    advance(4_000)
    progress.done(2_257)
    assert.strictEqual(written.length, 2)
    assert.match(written[0]!, /^\[greedy\] \[#{9}\.{15}\]  39% sim 2008-05-31 17:46 PDT · 900 trips\/s · ETA 0:02\n$/)
    assert.strictEqual(written[1], "[greedy] [########################] 100% sim 2008-05-31 19:00 PDT · 282 trips/s · done in 0:08\n")
  })

  it("on a terminal: the bar is redrawn in place, and the final draw is 100% and ends the line", () => {
    const { written, progress, advance } = progressOn(true)
    advance(600)
    progress.update(START + 0.99 * (END - START), 2_200)
    advance(100)
    progress.done(2_257)
    assert.strictEqual(written.length, 2)
    assert.match(written[0]!, /^\r\[greedy\] .* 99% .*\x1b\[K$/)
    assert.match(written[1]!, /^\r\[greedy\] \[#{24}\] 100% sim 2008-05-31 19:00 PDT · .* · done in 0:01\x1b\[K\n$/)
  })

  it("a run shorter than the delay draws nothing, not even the final line", () => {
    const { written, progress, advance } = progressOn(false)
    advance(100)
    progress.update(END, 10)
    progress.done(10)
    assert.deepStrictEqual(written, [])
  })
})
