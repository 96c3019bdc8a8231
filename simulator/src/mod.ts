/**
 * The simulator's public entry (`#simulator`): its commands, for the `dispatch` command line
 * (engine/src/main/dispatch.ts composes every part's commands). The rooms behind it are
 * private to the simulator.
 */
export { simulateCommand } from "./cli/simulate-command.ts"
export { calibrateCommand } from "./cli/calibrate-command.ts"
