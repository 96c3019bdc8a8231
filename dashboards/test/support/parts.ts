/**
 * The Dispatch processes the dashboards read, as a list: each one started by its real
 * command with a free metrics port, then given traffic. A new part, or a part's new command,
 * is one entry here; the live dashboard test scrapes whatever this list starts.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { RunningChild } from "#engine"
import type { Job } from "../../src/stack/prometheus-config.ts"
import { startDispatch } from "./dispatch-process.ts"
import { callGateway, feedEngine } from "./traffic.ts"

const START_TIMEOUT_MS = 40_000

export interface PartContext {
  readonly natsUrl: string
  /** The Prometheus scraping the parts (the gateway's fleet-health trigger asks it). */
  readonly prometheusUrl: string
  /** Where the part serves /metrics (and its other HTTP routes). */
  readonly port: number
  /** A temp dir of its own (reports, stores); removed with the part. */
  readonly dir: string
}

export interface PartSpec {
  readonly job: Job
  /** `dispatch ...` arguments. */
  readonly args: (ctx: PartContext) => ReadonlyArray<string>
  /** The path that answers 200 once the part is ready for traffic. */
  readonly readyPath: string
  /** Traffic that makes its metrics move (run once every part is up). */
  readonly drive?: (ctx: PartContext) => Promise<void>
}

export const PARTS: ReadonlyArray<PartSpec> = [
  {
    job: "engine",
    // Batch policy with a short window, so that the batch panels have windows to show.
    args: ({ natsUrl, port }) => ["engine", "--nats", natsUrl, "--http-port", String(port), "--policy", "batch", "--batch-window-ms", "250", "--instance-id", "dashboards-engine", "--log-format", "json"],
    readyPath: "/readyz",
    drive: ({ natsUrl }) => feedEngine(natsUrl)
  },
  {
    job: "api",
    // Regions and the engine's intake region are left at their defaults, which agree. The
    // fleet-health trigger on, so that its panels have series.
    args: ({ natsUrl, port, prometheusUrl }) => ["api", "--nats", natsUrl, "--port", String(port), "--auth", "none", "--health-prometheus", prometheusUrl, "--health-interval-ms", "1000"],
    readyPath: "/metrics",
    drive: ({ port }) => callGateway(`http://127.0.0.1:${port}`)
  },
  {
    job: "simulator",
    // Real time at 240x: one simulated hour lasts 15 s, long enough for several scrapes;
    // --metrics-hold keeps the final figures up after the run.
    args: ({ port, dir }) => [
      "simulate", "--synthetic", "20000", "--synthetic-hours", "1", "--drivers", "80", "--mode", "in-process",
      "--decline-probability", "0.1", "--clock", "realtime", "--speed", "240",
      "--metrics-port", String(port), "--metrics-hold", "--out", dir
    ],
    readyPath: "/metrics"
  }
]

/** A part that started, or why it did not. */
export type RunningPart =
  | { readonly job: Job; readonly ok: true; readonly ctx: PartContext; readonly process: RunningChild; readonly spec: PartSpec }
  | { readonly job: Job; readonly ok: false; readonly reason: string }

/**
 * Starts `spec` with its metrics on `port`; a failure (e.g. a command not built yet) is a
 * value, so that the other parts go on.
 */
export const startPart = async (spec: PartSpec, natsUrl: string, prometheusUrl: string, port: number): Promise<RunningPart> => {
  const ctx: PartContext = { natsUrl, prometheusUrl, port, dir: mkdtempSync(join(tmpdir(), `dispatch-dash-${spec.job}-`)) }
  try {
    const process = await startDispatch(spec.job, spec.args(ctx), `http://127.0.0.1:${ctx.port}${spec.readyPath}`, START_TIMEOUT_MS)
    return { job: spec.job, ok: true, ctx, process, spec }
  } catch (e) {
    rmSync(ctx.dir, { recursive: true, force: true })
    return { job: spec.job, ok: false, reason: `\`dispatch ${spec.args(ctx).join(" ")}\` did not start: ${(e as Error).message}` }
  }
}

export const stopPart = async (part: RunningPart): Promise<void> => {
  if (!part.ok) return
  await part.process.stop()
  rmSync(part.ctx.dir, { recursive: true, force: true })
}
