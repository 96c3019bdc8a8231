/**
 * A minimal OTLP/HTTP trace receiver for tests: processes under test export their spans to it
 * with the standard `OTEL_EXPORTER_OTLP_ENDPOINT` (JSON encoding, the OTLP/HTTP exporter's
 * default), and the test reads them from memory. It checks the real wiring a user gets (env ->
 * SDK -> exporter -> collector) across process boundaries, which an in-process exporter cannot.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"

export interface ReceivedSpan {
  readonly service: string
  readonly name: string
  readonly traceId: string
  readonly spanId: string
  /** Empty for a root span. */
  readonly parentSpanId: string
  readonly attributes: Readonly<Record<string, unknown>>
}

interface OtlpValue { readonly stringValue?: string; readonly intValue?: string | number; readonly boolValue?: boolean; readonly doubleValue?: number }
interface OtlpAttribute { readonly key: string; readonly value: OtlpValue }
interface OtlpSpan { readonly name: string; readonly traceId: string; readonly spanId: string; readonly parentSpanId?: string; readonly attributes?: ReadonlyArray<OtlpAttribute> }
interface OtlpExport {
  readonly resourceSpans?: ReadonlyArray<{
    readonly resource?: { readonly attributes?: ReadonlyArray<OtlpAttribute> }
    readonly scopeSpans?: ReadonlyArray<{ readonly spans?: ReadonlyArray<OtlpSpan> }>
  }>
}

const valueOf = (v: OtlpValue): unknown => v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue
const attributesOf = (list: ReadonlyArray<OtlpAttribute> | undefined) => Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]))

export class OtlpReceiver {
  readonly spans: Array<ReceivedSpan> = []
  readonly #server: Server

  private constructor(server: Server) {
    this.#server = server
  }

  /** Listens on a free loopback port. */
  static async start(): Promise<OtlpReceiver> {
    const server = createServer()
    const receiver = new OtlpReceiver(server)
    server.on("request", (req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        try {
          receiver.#add(JSON.parse(Buffer.concat(chunks).toString("utf8")) as OtlpExport)
          res.writeHead(200, { "content-type": "application/json" }).end("{}")
        } catch {
          res.writeHead(400).end()
        }
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    return receiver
  }

  /** The value for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #add(body: OtlpExport): void {
    for (const rs of body.resourceSpans ?? []) {
      const service = String(attributesOf(rs.resource?.attributes)["service.name"] ?? "")
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          this.spans.push({ service, name: s.name, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? "", attributes: attributesOf(s.attributes) })
        }
      }
    }
  }
}
