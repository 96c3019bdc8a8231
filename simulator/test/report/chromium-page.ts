/**
 * One page in headless Chromium, driven over the DevTools protocol on a pipe
 * (`--remote-debugging-pipe`: no port, and the browser's own network is blocked by a dead
 * proxy), for the report's browser test: load a file, evaluate expressions, move the mouse
 * (Plot's tooltips follow the pointer), and keep every console message and uncaught exception.
 */
import { type ChildProcess, spawn } from "node:child_process"
import type { Readable, Writable } from "node:stream"

export interface ChromiumPage {
  /** The value of a page expression (awaited when it is a promise). */
  evaluate<T>(expression: string): Promise<T>
  /** Moves the mouse to a point of the viewport (CSS pixels). */
  mouseMove(x: number, y: number): Promise<void>
  /** Console messages, log entries and exceptions so far, one line each. */
  readonly messages: ReadonlyArray<string>
  close(): void
}

interface Reply {
  readonly id?: number
  readonly method?: string
  readonly params?: any
  readonly result?: any
  readonly error?: { readonly message: string }
}

const messageOf = (reply: Reply): string | undefined => {
  const p = reply.params
  switch (reply.method) {
    case "Runtime.consoleAPICalled":
      return `console.${p.type}: ${p.args.map((a: { value?: unknown; description?: string }) => a.value ?? a.description).join(" ")}`
    case "Runtime.exceptionThrown":
      return `exception: ${p.exceptionDetails.exception?.description ?? p.exceptionDetails.text}`
    case "Log.entryAdded":
      return `log ${p.entry.level}: ${p.entry.text}`
    default:
      return undefined
  }
}

/** Opens `url` in a fresh headless Chromium with `profileDir` as its profile; rejects after `timeoutMs` without an answer. */
export const openPage = async (bin: string, url: string, profileDir: string, timeoutMs = 30_000): Promise<ChromiumPage> => {
  const child: ChildProcess = spawn(bin, [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", `--user-data-dir=${profileDir}`,
    // No network at all: the report must not need it.
    "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
    "--remote-debugging-pipe", "about:blank"
  ], { stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"] })
  const toBrowser = child.stdio[3] as Writable, fromBrowser = child.stdio[4] as Readable
  const pending = new Map<number, { resolve: (result: any) => void; reject: (error: Error) => void }>()
  const messages: Array<string> = []
  let nextId = 1, buffer = ""
  fromBrowser.setEncoding("utf8")
  // Messages are JSON, each ended by a NUL byte.
  fromBrowser.on("data", (chunk: string) => {
    buffer += chunk
    for (let end = buffer.indexOf("\0"); end >= 0; end = buffer.indexOf("\0")) {
      const reply = JSON.parse(buffer.slice(0, end)) as Reply
      buffer = buffer.slice(end + 1)
      const waiting = reply.id === undefined ? undefined : pending.get(reply.id)
      if (waiting !== undefined) {
        pending.delete(reply.id!)
        if (reply.error === undefined) waiting.resolve(reply.result)
        else waiting.reject(new Error(reply.error.message))
      } else {
        const line = messageOf(reply)
        if (line !== undefined) messages.push(line)
      }
    }
  })
  child.on("exit", (code) => {
    for (const w of pending.values()) w.reject(new Error(`chromium exited (${code})`))
    pending.clear()
  })
  const send = (method: string, params: object = {}, sessionId?: string) =>
    new Promise<any>((resolve, reject) => {
      const id = nextId++
      const timer = setTimeout(() => reject(new Error(`chromium: no answer to ${method} in ${timeoutMs} ms`)), timeoutMs)
      pending.set(id, { resolve: (r) => (clearTimeout(timer), resolve(r)), reject: (e) => (clearTimeout(timer), reject(e)) })
      toBrowser.write(`${JSON.stringify({ id, method, params, sessionId })}\0`)
    })
  try {
    const { targetId } = await send("Target.createTarget", { url: "about:blank" })
    const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true })
    const page = (method: string, params: object = {}) => send(method, params, sessionId)
    for (const domain of ["Runtime", "Log", "Page"]) await page(`${domain}.enable`)
    await page("Emulation.setDeviceMetricsOverride", { width: 1400, height: 1000, deviceScaleFactor: 1, mobile: false })
    await page("Page.navigate", { url })
    return {
      messages,
      evaluate: async <T>(expression: string) => {
        const { result, exceptionDetails } = await page("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true })
        if (exceptionDetails !== undefined) throw new Error(`${expression}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`)
        return result.value as T
      },
      mouseMove: async (x: number, y: number) => {
        await page("Input.dispatchMouseEvent", { type: "mouseMoved", x, y })
      },
      close: () => {
        child.kill()
      }
    }
  } catch (e) {
    child.kill()
    throw e
  }
}
