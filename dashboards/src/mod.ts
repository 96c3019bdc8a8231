/**
 * The dashboards part's public entry (`#dashboards`): the local stack command. Dashboards and
 * rules are files (generate.ts writes them), not imports.
 */
export { stackCommand } from "./stack/stack-command.ts"
