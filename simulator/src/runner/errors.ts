/**
 * The runner's errors: a run that cannot start as asked.
 */
import { Schema } from "effect"

/** A simulation setting out of its domain; `setting` names it as the flag does. */
export class InvalidSimulationSetting extends Schema.TaggedError<InvalidSimulationSetting>()("InvalidSimulationSetting", {
  setting: Schema.String,
  problem: Schema.String
}) {
  override get message(): string {
    return `--${this.setting}: ${this.problem}`
  }
}
