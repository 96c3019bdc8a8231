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
  regionRpcAll: (region: string) => `dispatch.rpc.${token("region", region)}.*`,
  /**
   * Intake requests of one lane (not main) of a region: what `dispatch engine --lane <lane>`
   * answers instead of `regionRpc` (lanes.ts). One token more than `regionRpcAll` matches, so a
   * main intake never sees lane traffic, nor a lane intake main traffic.
   */
  laneRpc: (region: string, lane: string, operation: string) => `dispatch.rpc.${token("region", region)}.lane.${token("lane", lane)}.${token("operation", operation)}`,
  laneRpcAll: (region: string, lane: string) => `dispatch.rpc.${token("region", region)}.lane.${token("lane", lane)}.*`
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

/**
 * Wildcard filters over every market or region: what NATS permissions grant (one line per
 * kind of subject; transport/nats/permissions.ts builds each role from these).
 */
export const subjectFilters = {
  orderEvents: streamSubjects[STREAMS.orders][0],
  decisions: streamSubjects[STREAMS.results][0],
  deadLetters: streamSubjects[STREAMS.dlq][0],
  clockTicks: "dispatch.*.clock",
  regionRpc: "dispatch.rpc.*.*",
  laneRpc: "dispatch.rpc.*.lane.*.*",
  /** Every Dispatch subject, the JetStream API's aside. */
  all: "dispatch.>",
  /** Request replies (nats.js's default inbox prefix). */
  inboxes: "_INBOX.>"
} as const

/** The stream that holds a KV bucket, and the subjects of its keys (a put or a delete publishes to `$KV.<bucket>.<key>`). */
export const kvStream = (bucket: string) => `KV_${token("bucket", bucket)}`
export const kvSubjects = (bucket: string) => `$KV.${token("bucket", bucket)}.>`
/** Every KV bucket's keys: what a watcher of all of them subscribes to. */
export const ALL_KV_SUBJECTS = "$KV.>"

/**
 * The JetStream API subjects (nats-server 2.9) a client publishes requests to, grouped by what
 * they let it do to one stream. Reading and consuming change no stored message: a role that
 * may only read a stream gets `readStream`, one that follows it `consumeStream` as well.
 */
export const jsApi = {
  /** Account info: every client's JetStream handshake. */
  accountInfo: "$JS.API.INFO",
  /** Stream names and list: for an observer's tools. */
  listStreams: ["$JS.API.STREAM.NAMES", "$JS.API.STREAM.LIST"],
  /** Info, a message by sequence, a last-by-subject get (direct or not): a KV `get` is one. */
  readStream: (stream: string) => [`$JS.API.STREAM.INFO.${stream}`, `$JS.API.STREAM.MSG.GET.${stream}`, `$JS.API.DIRECT.GET.${stream}`, `$JS.API.DIRECT.GET.${stream}.>`],
  /**
   * Consumers of the stream (durable, ephemeral, ordered; a KV watch, keys and history are
   * ordered consumers): create, info, pull, delete, list; acks and flow-control replies.
   */
  consumeStream: (stream: string) => [
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.>`,
    `$JS.API.CONSUMER.DELETE.${stream}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.>`,
    `$JS.API.CONSUMER.NAMES.${stream}`,
    `$JS.API.CONSUMER.LIST.${stream}`,
    `$JS.ACK.${stream}.>`,
    `$JS.FC.${stream}.>`
  ],
  purgeStream: (stream: string) => `$JS.API.STREAM.PURGE.${stream}`,
  /** The whole API: creating, changing and deleting streams and buckets (`dispatch nats init`). */
  all: "$JS.API.>"
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
  /** A caller region's lane shares (docs/regions.md, "Lanes"). */
  lanes: (callerRegion: string) => `lanes.${token("region", callerRegion)}`,
  /** Watch filter for every caller's lane shares. */
  allLanes: "lanes.>",
  /** A region's rate limit per caller (`limits.default`: every region without its own; api/src/ratelimit). */
  limits: (scope: string) => `limits.${token("region", scope)}`,
  /** Watch filter for every rate limit. */
  allLimits: "limits.>",
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
