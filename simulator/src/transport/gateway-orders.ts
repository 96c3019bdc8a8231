/**
 * Live mode through the API gateway (`--api URL`): riders' orders go in as a rider app sends
 * them, `POST /v1/rides` (and `POST /v1/rides/:id/cancel`), so the balancer, breakers and region
 * intake are exercised too. The gateway names the order; the run's own id travels as the
 * `Idempotency-Key`, and decisions (read from RESULTS, named by the gateway's id) are handed
 * back under the run's id. A decision can beat the POST's answer: it waits until the answer
 * says whose it is.
 */
import type { Decision, OrderCancelled, OrderRequested } from "#engine"

const REQUEST_TIMEOUT_MS = 10_000
/** Early decisions kept at most: other producers' decisions on RESULTS must not pile up here. */
const MAX_EARLY = 10_000

export class GatewayOrders {
  readonly #apiUrl: string
  readonly #deliver: (decision: Decision) => void
  /** Gateway order id -> the run's wire id, and back. */
  readonly #wireOf = new Map<string, string>()
  readonly #gatewayOf = new Map<string, string>()
  /** Decisions that arrived before their POST's answer, by gateway id. */
  readonly #early = new Map<string, Decision>()

  constructor(apiUrl: string, deliver: (decision: Decision) => void) {
    this.#apiUrl = apiUrl.replace(/\/+$/, "")
    this.#deliver = deliver
  }

  /** Sends an order event (its JSON, as it would be published) through the gateway. */
  async submit(data: string): Promise<void> {
    const event = JSON.parse(data) as OrderRequested | OrderCancelled
    if (event.type === "order.requested") {
      const answer = await this.#post("/v1/rides", { riderId: event.riderId, pickup: event.pickup, dropoff: event.dropoff, maxWaitMs: event.maxWaitMs }, { "idempotency-key": event.orderId })
      const gatewayId = String(answer["orderId"])
      this.#wireOf.set(gatewayId, event.orderId)
      this.#gatewayOf.set(event.orderId, gatewayId)
      const early = this.#early.get(gatewayId)
      if (early !== undefined) {
        this.#early.delete(gatewayId)
        this.#hand(early)
      }
      return
    }
    const gatewayId = this.#gatewayOf.get(event.orderId)
    // Never accepted (its POST failed): nothing to cancel.
    if (gatewayId === undefined) return
    await this.#post(`/v1/rides/${encodeURIComponent(gatewayId)}/cancel?reason=${encodeURIComponent(event.reason)}`, undefined, {})
  }

  /** A decision read from RESULTS; ignored unless it is one of this run's orders. */
  onDecision(decision: Decision): void {
    if (this.#wireOf.has(decision.orderId)) this.#hand(decision)
    else {
      this.#early.set(decision.orderId, decision)
      if (this.#early.size > MAX_EARLY) this.#early.delete(this.#early.keys().next().value!)
    }
  }

  #hand(decision: Decision): void {
    const wireId = this.#wireOf.get(decision.orderId)!
    this.#wireOf.delete(decision.orderId)
    this.#gatewayOf.delete(wireId)
    this.#deliver({ ...decision, orderId: wireId })
  }

  async #post(path: string, body: unknown, headers: Record<string, string>): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.#apiUrl}${path}`, {
      method: "POST",
      headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`gateway ${path.split("?")[0]}: HTTP ${response.status} ${text.slice(0, 300)}`)
    return text.length === 0 ? {} : (JSON.parse(text) as Record<string, unknown>)
  }
}
