/**
 * Traffic lanes (colouring): a request's lane travels gateway -> region intake -> ORDERS ->
 * decision in the `Dispatch-Lane` NATS header, so a canary intake (`dispatch engine --lane
 * canary`) can take a slice of traffic while matching stays single-owner per partition
 * (docs/balancer.md, "Lanes"). The main lane is the default and costs nothing: no header.
 *
 * A lane name becomes a NATS subject token (`dispatch.rpc.<region>.lane.<lane>.*`) and a metric
 * label, so it is a short token; `main` names the default lane and is never sent.
 */
/** The default lane: the plain intake subject, no header. */
export const MAIN_LANE = "main"
/** NATS header naming a request's lane on the intake request, its order events and the decision. */
export const LANE_HEADER = "Dispatch-Lane"
/** Longest lane name (characters): it is a metric label value and a subject token. */
export const MAX_LANE_LENGTH = 32

const LANE = /^[A-Za-z0-9_-]+$/

/** Why `input` is not a lane name (1-32 of `[A-Za-z0-9_-]`; `main` is one), or undefined when it is one. Plain code: it runs per request. */
export const laneProblem = (input: string): string | undefined =>
  input.length === 0 ? "must not be empty"
  : input.length > MAX_LANE_LENGTH ? `must be at most ${MAX_LANE_LENGTH} characters`
  : LANE.test(input) ? undefined
  : "may contain only letters, digits, '_' and '-' (it becomes part of a NATS subject)"

/**
 * The lane a message's headers name: a valid non-main `Dispatch-Lane` value, else the main lane
 * (absent, empty or malformed: a header cannot reroute or relabel anything it could not name).
 */
export const laneOf = (headers: { get(key: string): string } | undefined): string => {
  const value = headers?.get(LANE_HEADER)
  return value === undefined || value === "" || laneProblem(value) !== undefined ? MAIN_LANE : value
}
