/**
 * The simulator's public entry (`#simulator`): its commands, for the `dispatch` command line
 * (engine/src/main/dispatch.ts composes every part's commands), and its metric names for the
 * dashboards. The rooms behind it are private to the simulator.
 */
export { simulateCommand } from "./cli/simulate-command.ts"
export { calibrateCommand } from "./cli/calibrate-command.ts"
export { SIMULATOR_METRIC_NAMES } from "./observability/metrics.ts"
