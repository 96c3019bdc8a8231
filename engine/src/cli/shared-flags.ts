/**
 * The flags several commands share, defined once so that `dispatch engine`, `dispatch api`,
 * `dispatch regions` and `dispatch nats init` read the same variables the same way: the NATS
 * connection, the market files, this instance's region and the log format.
 */
import { Option, Schema } from "effect"
import { type Command, Flag } from "effect/cli"
import { RegionId } from "../domain/ids.ts"
import { laneProblem, MAIN_LANE } from "../domain/lanes.ts"
import { SHIPPED_MARKET_FILES } from "../domain/market-files.ts"
import { choiceFlag, listFlag, splitList, stringFlag } from "./flags.ts"

export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222"
/** The region an engine serves intake for when none is configured (docs/api.md). */
export const DEFAULT_REGION = "us-west"
/**
 * The deployment's regions when `--regions` / `DISPATCH_REGIONS` is not set: what the gateway
 * routes among, what weights and drains may name, and what a market's `homeRegion` may be.
 */
export const DEFAULT_REGIONS: ReadonlyArray<string> = [DEFAULT_REGION, "us-east", "eu-central"]
const LOG_FORMATS = ["auto", "json", "pretty"] as const
export type LogFormat = (typeof LOG_FORMATS)[number]

/** `--market-file` without the environment behind it, for a command that consults it later (`dispatch simulate`: after its scenario file). */
export const marketFileListFlag = listFlag("market-file")

/** `--market-file`, else `DISPATCH_MARKETS`, else the shipped markets. */
export const marketFilesFlag: Flag.Flag<ReadonlyArray<string>> = listFlag("market-file", "DISPATCH_MARKETS").pipe(
  Flag.optional,
  Flag.map(Option.getOrElse(() => SHIPPED_MARKET_FILES)),
  Flag.withDescription("market files, comma-separated (env DISPATCH_MARKETS; default the shipped engine/markets/sf.json)")
)

export const regionFlag = stringFlag("region", "DISPATCH_REGION").pipe(
  Flag.withDefault(DEFAULT_REGION),
  Flag.filter(Schema.is(RegionId), (r) => `--region must be 1-128 of [A-Za-z0-9_-] (it becomes a NATS subject token), got ${JSON.stringify(r)}`),
  Flag.withDescription(`this instance's region: an engine answers intake on dispatch.rpc.<region>.*; a gateway routes requests without x-region or market as from it (env DISPATCH_REGION; default ${DEFAULT_REGION})`)
)

export const laneFlag = stringFlag("lane", "DISPATCH_LANE").pipe(
  Flag.withDefault(MAIN_LANE),
  Flag.filter((lane) => laneProblem(lane) === undefined, (lane) => `--lane ${laneProblem(lane)}, got ${JSON.stringify(lane)}`),
  Flag.withDescription(
    `this instance's traffic lane (docs/balancer.md, "Lanes"): an engine answers only that lane's intake requests (${MAIN_LANE}: dispatch.rpc.<region>.*; ` +
      `a lane such as canary: dispatch.rpc.<region>.lane.canary.*, queue group intake-<region>-lane-canary; matching is the same); ` +
      `a gateway puts requests without x-dispatch-lane in it (env DISPATCH_LANE; default ${MAIN_LANE})`
  )
)

export const logFormatFlag = choiceFlag("log-format", LOG_FORMATS, "DISPATCH_LOG_FORMAT").pipe(
  Flag.withDefault("auto" as const),
  Flag.withDescription("log lines as JSON or pretty; auto = pretty on a terminal (env DISPATCH_LOG_FORMAT)")
)

const natsSecret = (name: string, env: string, what: string) =>
  stringFlag(name, env).pipe(Flag.optional, Flag.withDescription(`${what} (env ${env})`))

/** The NATS connection: every command that talks to NATS takes these. */
export const natsFlags = {
  nats: stringFlag("nats", "NATS_URL").pipe(
    Flag.withDefault(DEFAULT_NATS_URL),
    Flag.withDescription(`NATS server URLs, comma-separated (env NATS_URL; default ${DEFAULT_NATS_URL}; tls:// for TLS)`)
  ),
  natsUser: natsSecret("nats-user", "NATS_USER", "NATS user"),
  natsPassword: natsSecret("nats-password", "NATS_PASSWORD", "NATS password"),
  natsToken: natsSecret("nats-token", "NATS_TOKEN", "NATS token"),
  natsCreds: natsSecret("nats-creds", "NATS_CREDS", "NATS credentials file"),
  natsNkey: natsSecret("nats-nkey", "NATS_NKEY", "NATS nkey seed file, e.g. engine.nk from `dispatch nats config`")
}

/**
 * The connection settings those flags describe (transport/nats/connection.ts `NatsSettings`,
 * which this room sits below); `name` is what the server's monitoring shows.
 */
export const natsSettings = (flags: Command.Command.Config.Infer<typeof natsFlags>, name: string) => ({
  servers: splitList(flags.nats),
  name,
  user: Option.getOrUndefined(flags.natsUser),
  password: Option.getOrUndefined(flags.natsPassword),
  token: Option.getOrUndefined(flags.natsToken),
  credsFile: Option.getOrUndefined(flags.natsCreds),
  nkeyFile: Option.getOrUndefined(flags.natsNkey)
})
