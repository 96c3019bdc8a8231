import { describe, expect, it } from "vitest"
import { LogTail } from "../../src/process/log-tail.ts"

describe("LogTail", () => {
  it("keeps the last lines, oldest first", () => {
    const tail = new LogTail(3)
    for (const line of ["a", "b", "c", "d", "e"]) tail.push(line)
    expect(tail.text()).toBe("c\nd\ne")
    expect(tail.text(2)).toBe("d\ne")
    expect(tail.text(10)).toBe("c\nd\ne")
  })

  it("is empty before the first line", () => {
    expect(new LogTail(5).text()).toBe("")
  })
})
