/**
 * Every NATS subject, stream, consumer and KV key name Dispatch uses, built in one place so
 * that no other module concatenates subject strings.
 *
 * Ids reaching this module are tokens (ids.ts: `[A-Za-z0-9_-]`), so nothing a user sends can
 * add a subject level or a wildcard. The builders check it anyway: a bad token here is a bug,
 * and failing loudly beats publishing to the wrong subject.
 */

const TOKEN = /^[A-Za-z0-9_-]{1,128}$/

const token = (kind: string, value: string): string => {
  if (!TOKEN.test(value)) throw new Error(`invalid ${kind} for a NATS subject: ${JSON.stringify(value)}`)
  return value
}

/** Words that occupy the market position of some subjects and so cannot be market ids. */
export const RESERVED_MARKET_IDS: ReadonlySet<string> = new Set(["dlq", "rpc"])

export const STREAMS = {
  orders: "ORDERS",
  results: "RESULTS",
  dlq: "DLQ"
} as const

export const KV_BUCKETS = {
  /** Latest `driver.state` per driver, key `<market>.<driverId>`. */
  drivers: "drivers",
  /** Region weights, market definitions and live engine settings. */
  config: "dispatch_config",
  /** Partition ownership leases, key `leases.<partition>` (history 1). */
  leases: "dispatch_leases",
  /**
   * Orders accepted by a region intake (or the gateway's fallback), key `<orderKey>`: what a
   * status request reads to tell `pending` from unknown. Bucket TTL 24 h (= ORDERS' age).
   */
  rides: "dispatch_rides"
} as const

/**
 * An order id as one subject token or KV key: its UTF-8 bytes in base64url (`[A-Za-z0-9_-]`).
 * Order ids are opaque (any printable character, `.`, `*` and `>` included), so they never go
 * into a subject raw; the encoding is reversible, so distinct ids never share a key.
 */
export const orderKey = (orderId: string): string => Buffer.from(orderId, "utf8").toString("base64url")

export const subjects = {
  orderRequested: (market: string) => `dispatch.${token("market", market)}.order.requested`,
  orderCancelled: (market: string) => `dispatch.${token("market", market)}.order.cancelled`,
  /**
   * Where an order's decision (matched or unmatched) is stored: one subject per order, so a
   * status request finds it with one last-by-subject get instead of a scan of RESULTS.
   */
  orderDecision: (market: string, orderId: string) => `dispatch.${token("market", market)}.decision.${orderKey(orderId)}`,
  /** All order events of one market: what a partition owner consumes. */
  marketOrders: (market: string) => `dispatch.${token("market", market)}.order.>`,
  /** All decisions of one market: what a new owner replays. */
  marketDecisions: (market: string) => `dispatch.${token("market", market)}.decision.>`,
  deadLetter: (market: string) => `dispatch.dlq.${token("market", market)}`,
  /** Simulation clock ticks to a market's owner (`dispatch engine --clock sim`; core NATS request/reply). */
  clock: (market: string) => `dispatch.${token("market", market)}.clock`,
  /** Intake requests to a region's engines (a queue group answers). */
  regionRpc: (region: string, operation: string) => `dispatch.rpc.${token("region", region)}.${token("operation", operation)}`,
  /** Every intake operation of a region: what its engines' queue group subscribes to. */
  regionRpcAll: (region: string) => `dispatch.rpc.${token("region", region)}.*`
} as const

/**
 * Stream subject filters. Orders and decisions live under different third tokens (`order`,
 * `decision`) because a partition's consumer must take every event of its market with ONE
 * filter (nats-server 2.9 allows one per consumer, inside one stream subject), and JetStream
 * refuses streams whose subjects overlap.
 */
export const streamSubjects = {
  [STREAMS.orders]: ["dispatch.*.order.>"],
  [STREAMS.results]: ["dispatch.*.decision.>"],
  [STREAMS.dlq]: ["dispatch.dlq.*"]
} as const

export const kvKeys = {
  driver: (market: string, driverId: string) => `${token("market", market)}.${token("driver id", driverId)}`,
  /** Watch filter for every driver of a market. */
  marketDrivers: (market: string) => `${token("market", market)}.*`,
  weights: (callerRegion: string) => `weights.${token("region", callerRegion)}`,
  /** Watch filter for every caller's weights. */
  allWeights: "weights.>",
  drain: (region: string) => `drain.${token("region", region)}`,
  /** Watch filter for every region's drain flag. */
  allDrains: "drain.>",
  market: (market: string) => `markets.${token("market", market)}`,
  lease: (partition: string) => `leases.${token("partition", partition)}`,
  /** An accepted order's record in KV `dispatch_rides`. */
  ride: (orderId: string) => orderKey(orderId)
} as const

/** The durable consumer that a market's partition owner pulls from. */
export const consumerName = (partition: string) => `engine-${token("partition", partition)}`

/** The market a subject such as `dispatch.sf.order.requested` belongs to, if it has one. */
export const marketOfSubject = (subject: string): string | undefined => {
  const parts = subject.split(".")
  if (parts[0] !== "dispatch" || parts.length < 3) return undefined
  if (parts[1] === "dlq") return parts[2]
  return parts[1] === "rpc" ? undefined : parts[1]
}
