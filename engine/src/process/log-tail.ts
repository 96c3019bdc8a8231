/**
 * The last lines a child process wrote, kept in a fixed-size ring: what explains a failure
 * (a readiness timeout, an early exit) without holding a chatty process's whole output.
 */
export class LogTail {
  readonly #lines: Array<string>
  #next = 0
  #size = 0

  constructor(capacity: number) {
    this.#lines = new Array<string>(Math.max(1, capacity))
  }

  push(line: string): void {
    this.#lines[this.#next] = line
    this.#next = (this.#next + 1) % this.#lines.length
    this.#size = Math.min(this.#size + 1, this.#lines.length)
  }

  /** The last `n` lines (at most as many as kept), oldest first, joined by newlines. */
  text(n: number = this.#lines.length): string {
    const count = Math.min(n, this.#size)
    const out: Array<string> = []
    for (let i = count; i > 0; i--) out.push(this.#lines[(this.#next - i + this.#lines.length) % this.#lines.length]!)
    return out.join("\n")
  }
}
