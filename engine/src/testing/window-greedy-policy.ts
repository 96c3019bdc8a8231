/**
 * A third policy for tests, registered nowhere: greedy, but deciding a window's orders at its
 * close (first come, first served) and carrying those it could not match to the next window.
 * It proves that a policy is one module: the dispatcher, the decision memory, the wire, RESULTS
 * replay and the simulator's report carry it under its own name with no change of theirs.
 */
import { greedy } from "../matching/greedy.ts"
import type { Policy, WindowDecisions } from "../matching/policy.ts"
import type { Decision, OrderRequest } from "../matching/types.ts"

const NAME = "window-greedy"

export const windowGreedyPolicy: Policy = {
  kind: "window",
  name: NAME,
  description: "greedy at each window's close, first come first served; unmatched orders wait for the next window",
  settings: ["--batch-window-ms"],
  solve: (orders, index, model, now, params): WindowDecisions => {
    const decisions: Array<Decision> = []
    const carried: Array<OrderRequest> = []
    for (const order of orders) {
      const decision = greedy(order, index, model, now, params)
      if (decision._tag === "Matched") decisions.push({ ...decision, policy: NAME })
      else if (decision.reason === "no_supply") carried.push(order)
      else decisions.push(decision)
    }
    return { decisions, carried }
  }
}
