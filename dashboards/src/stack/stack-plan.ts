/**
 * What `dispatch stack up` runs and where, on loopback: the ports the shipped Prometheus config
 * scrapes (prometheus-config.ts reads them from here, so the two cannot drift), one engine per
 * region (one owns the market, the others stand by and answer their region's intake), and the
 * weights that spread the simulated riders' traffic over the regions.
 */

export const STACK_PORTS = {
  nats: 4222,
  prometheus: 9090,
  api: 8080,
  simulator: 9465
} as const

/**
 * `--cluster`: three JetStream nodes on loopback, each with a client port (the first is
 * `nats`'s) and a route port the others connect to.
 */
export const STACK_NATS_NODES = [
  { name: "n1", port: 4222, routePort: 6222 },
  { name: "n2", port: 4223, routePort: 6223 },
  { name: "n3", port: 4224, routePort: 6224 }
] as const

/** One engine per region, each with its own status port (`/metrics`). */
export const STACK_ENGINES = [
  { region: "us-west", port: 9464 },
  { region: "us-east", port: 9474 },
  { region: "eu-central", port: 9484 }
] as const

export const STACK_MARKET = "sf"
/** Batch windows fill the batch panels too; greedy's figures are in docs/performance.md. */
export const STACK_POLICY = "batch"

/** The SF market's home region keeps most of its traffic; the rest shows failover paths in the balancer panels. */
export const STACK_WEIGHTS = { caller: "us-west", weights: { "us-west": 70, "us-east": 20, "eu-central": 10 } } as const

/** The region the drill takes down for a while (it carries a share of us-west's traffic). */
export const STACK_OUTAGE_REGION = "us-east"

/**
 * A local stack carries tens of requests per second, not thousands: breakers judge over a
 * window of 20 calls (10 at least) and probe after 15 s, so the drill's outage shows within
 * seconds rather than minutes.
 */
export const STACK_BREAKER_FLAGS = ["--breaker-window", "20", "--breaker-min-calls", "10", "--breaker-open-ms", "15000", "--breaker-half-open-calls", "3"] as const

export const loopback = (port: number) => `127.0.0.1:${port}`

/** Every port one stack listens on; `--port-offset N` moves them all by N, so two stacks can run side by side. */
export interface StackPorts {
  readonly nats: number
  readonly prometheus: number
  readonly api: number
  readonly simulator: number
  readonly engines: ReadonlyArray<{ readonly region: string; readonly port: number }>
  /** The nodes `--cluster` runs instead of the one nats-server. */
  readonly natsNodes: ReadonlyArray<{ readonly name: string; readonly port: number; readonly routePort: number }>
}

/** The largest offset: the highest port (9484) must stay a port. */
export const MAX_PORT_OFFSET = 65_535 - 9484

export const stackPorts = (offset: number): StackPorts => ({
  nats: STACK_PORTS.nats + offset,
  prometheus: STACK_PORTS.prometheus + offset,
  api: STACK_PORTS.api + offset,
  simulator: STACK_PORTS.simulator + offset,
  engines: STACK_ENGINES.map((e) => ({ region: e.region, port: e.port + offset })),
  natsNodes: STACK_NATS_NODES.map((n) => ({ name: n.name, port: n.port + offset, routePort: n.routePort + offset }))
})
