/**
 * The policy registry: every policy the engine and the simulator know, in one list. The CLI's
 * choices, `--compare`, scenario files and help texts are read off it; a decision names its
 * policy, which the wire, the decision memory, metrics and reports carry as it is.
 */
import { batchPolicy } from "./batch.ts"
import { greedyOncePolicy, greedyPolicy } from "./greedy.ts"
import type { Policy } from "./policy.ts"

export const POLICY_REGISTRY = [greedyPolicy, batchPolicy, greedyOncePolicy] as const

export type PolicyName = (typeof POLICY_REGISTRY)[number]["name"]

/** The registered names, in registry order (the CLI's choices). */
export const POLICIES = POLICY_REGISTRY.map((p) => p.name) as ReadonlyArray<PolicyName> as readonly [PolicyName, ...Array<PolicyName>]

export const policyNamed = (name: PolicyName): Policy => POLICY_REGISTRY.find((p) => p.name === name)!

/** "greedy: … (its flags); batch: …", for help texts. */
export const policyChoicesText = (): string =>
  POLICY_REGISTRY.map((p) => `${p.name}: ${p.description}${p.settings.length > 0 ? ` (${p.settings.join(", ")})` : ""}`).join("; ")
