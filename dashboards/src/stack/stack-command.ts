/**
 * `dispatch stack up`: flags of the local stack (stack-up.ts), each with its default.
 */
import { Effect, Option } from "effect"
import { CliError, Command, Flag } from "effect/cli"
import { above, between, finiteFlag, intFlag } from "#engine"
import { MAX_PORT_OFFSET } from "./stack-plan.ts"
import { stackUp } from "./stack-up.ts"

const DEFAULT_DIR = "out/stack"
const DEFAULT_SPEED = 30
const DEFAULT_DRIVERS = 300

const up = Command.make("up", {
  dir: Flag.String("dir").pipe(Flag.withDefault(DEFAULT_DIR), Flag.withDescription(`where logs, the NATS store, Prometheus's data, the admin token and the replay's report go (default ${DEFAULT_DIR})`)),
  nats: Flag.String("nats").pipe(Flag.optional, Flag.withDescription("use this NATS server instead of starting one on 127.0.0.1:4222 (default: start one, with a NATS user per role)")),
  natsSeeds: Flag.String("nats-seeds").pipe(Flag.optional, Flag.withDescription("with --nats: the directory of its users' seeds from `dispatch nats config --seeds` (default: connect without credentials)")),
  speed: finiteFlag("speed", above(0, 1_000)).pipe(
    Flag.withDefault(DEFAULT_SPEED),
    Flag.withDescription(`replay speed, simulated seconds per wall second (default ${DEFAULT_SPEED}: the 5-hour SF sample in 10 minutes)`)
  ),
  drivers: intFlag("drivers", between(1, 100_000)).pipe(
    Flag.withDefault(DEFAULT_DRIVERS),
    Flag.withDescription(`simulated fleet size (default ${DEFAULT_DRIVERS})`)
  ),
  trips: Flag.String("trips").pipe(Flag.optional, Flag.withDescription("trips CSV to replay (default the shipped SF sample)")),
  portOffset: intFlag("port-offset", between(0, MAX_PORT_OFFSET)).pipe(
    Flag.withDefault(0),
    Flag.withDescription("add N to every port of the stack (NATS 4222, API 8080, Prometheus 9090, engines 9464/9474/9484, simulator 9465), to run a second stack beside the first (default 0)")
  ),
  cluster: Flag.Boolean("cluster").pipe(
    Flag.withDefault(false),
    Flag.withDescription("run NATS as a 3-node JetStream cluster (client ports 4222-4224, routes 6222-6224, plus the offset), every stream and bucket with 3 replicas, every child given all three URLs; a dead node is restarted (docs/scaling.md); with --nats: that is a cluster, init it with 3 replicas (default: one nats-server)")
  ),
  noDrill: Flag.Boolean("no-drill").pipe(Flag.withDefault(false), Flag.withDescription("skip the drill (bad input, a regional outage, every region down; docs/dashboards.md) (default: play it once)"))
}, (flags) =>
  stackUp({ dir: flags.dir, natsUrl: Option.getOrUndefined(flags.nats), natsSeeds: Option.getOrUndefined(flags.natsSeeds), speed: flags.speed, drivers: flags.drivers, trips: Option.getOrUndefined(flags.trips), drill: !flags.noDrill, portOffset: flags.portOffset, cluster: flags.cluster }).pipe(
    Effect.mapError((e) => new CliError.UserError({ cause: e, userMessage: `dispatch stack up: ${e.message}` }))
  )).pipe(Command.withDescription("Start NATS, an engine per region, the API gateway, Prometheus and a live replay on loopback; print where to look; supervise them (a death is reported, then restarted or the end of the stack); Ctrl-C or SIGTERM stops everything."))

export const stackCommand = Command.make("stack").pipe(
  Command.withDescription("Run the whole product locally (docs/dashboards.md, \"Local stack\")."),
  Command.withSubcommands([up])
)
