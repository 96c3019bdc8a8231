/**
 * The API part's public entry (`#api`): its commands, for the `dispatch` command line
 * (engine/src/main/dispatch.ts composes every part's commands). Everything behind it is private
 * to the API part.
 */
export { apiCommand } from "./main/api-command.ts"
export { regionsCommand } from "./regions/regions-command.ts"
