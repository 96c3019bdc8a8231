/**
 * The agenda pops by (time, priority, insertion order), whatever the order of pushes.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { EventQueue } from "../../src/runner/event-queue.ts"

describe("EventQueue", () => {
  it("pops in (time, priority, insertion) order", () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3 }))), (items) => {
      const queue = new EventQueue<number>()
      items.forEach(([time, priority], i) => queue.push(time, priority, i))
      const popped: Array<number> = []
      while (queue.size > 0) popped.push(queue.pop()!)
      const expected = items.map((_, i) => i).sort((a, b) => items[a]![0] - items[b]![0] || items[a]![1] - items[b]![1] || a - b)
      expect(popped).toEqual(expected)
      expect(queue.nextTime).toBe(Number.POSITIVE_INFINITY)
    }))
  })
})
