/**
 * Where drivers became available since the waiting orders were last offered (fair greedy,
 * dispatcher.ts): only an order with one of them within its radius can have a new answer, so a
 * re-offer asks the policy again for those orders alone. Bounded: past `MAX_FREED` positions it
 * stops remembering and says every order must be offered again, which is always correct.
 */
import { distanceMeters, type LatLng } from "../domain/geo.ts"

const MAX_FREED = 1_024

export class FreedDrivers {
  #positions: Array<LatLng> = []
  #everywhere = false

  /** Remembers a position (copied: the caller's object may be the index's, which moves). */
  note(at: LatLng): void {
    if (this.#everywhere) return
    if (this.#positions.length < MAX_FREED) this.#positions.push({ lat: at.lat, lng: at.lng })
    else this.#everywhere = true
  }

  /** Anything may have changed (e.g. the index was stale): every waiting order is offered again. */
  everywhere(): void {
    this.#everywhere = true
  }

  get isEmpty(): boolean {
    return this.#positions.length === 0 && !this.#everywhere
  }

  /** What was remembered, as a test of a pickup, and forgets it. */
  take(radiusMeters: number): (pickup: LatLng) => boolean {
    const positions = this.#positions, everywhere = this.#everywhere
    this.#positions = []
    this.#everywhere = false
    return everywhere ? () => true : (p) => positions.some((f) => distanceMeters(p.lat, p.lng, f.lat, f.lng) <= radiusMeters)
  }
}
