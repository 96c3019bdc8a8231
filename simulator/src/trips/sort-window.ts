/**
 * Re-sorts slightly disordered trips so that a reader's OUTPUT is always in non-decreasing
 * `requestTime` order (ties in file order), whatever small disorder the file has.
 *
 * Real exports are "sorted" by a time that was written by many devices, or batched per device:
 * a row can be a few seconds older than the one before it. A row at most `toleranceMs` older
 * than the latest row seen is kept and held in a min-heap until no later row can come before
 * it: a row admitted later has `requestTime >= latest - toleranceMs`, so every held row at or
 * below that bound is released. A row older than that bound is refused (counted `unsorted`):
 * it would have to be emitted before trips already emitted.
 *
 * Memory is the rows of one tolerance window (a minute of a city's demand: tens of rows).
 */
import type { Trip } from "./trip.ts"

/** Default tolerance: one minute, in ms. It absorbs device clock skew and per-device batching of exports; the shared data needs none (it is strictly sorted). */
export const DEFAULT_SORT_TOLERANCE_MS = 60_000

const before = (a: Trip, b: Trip): boolean =>
  a.requestTime < b.requestTime || (a.requestTime === b.requestTime && a.line < b.line)

export class SortWindow {
  readonly #toleranceMs: number
  readonly #heap: Array<Trip> = []
  #latest = -Infinity

  constructor(toleranceMs: number) {
    this.#toleranceMs = toleranceMs
  }

  /** The latest request time admitted so far (epoch ms), -Infinity before the first. */
  get latest(): number {
    return this.#latest
  }

  /** Whether a trip requested at `time` can still be emitted in order. */
  admits(time: number): boolean {
    return time >= this.#latest - this.#toleranceMs
  }

  /** Holds an admitted trip; appends to `out` every held trip that can no longer be preceded. */
  add(trip: Trip, out: Array<Trip>): void {
    this.#push(trip)
    if (trip.requestTime > this.#latest) this.#latest = trip.requestTime
    const bound = this.#latest - this.#toleranceMs
    while (this.#heap.length > 0 && this.#heap[0]!.requestTime <= bound) out.push(this.#pop())
  }

  /** The input has ended: appends every held trip, in order. */
  flush(out: Array<Trip>): void {
    while (this.#heap.length > 0) out.push(this.#pop())
  }

  #push(trip: Trip): void {
    const heap = this.#heap
    let i = heap.push(trip) - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(trip, heap[parent]!)) break
      heap[i] = heap[parent]!
      i = parent
    }
    heap[i] = trip
  }

  #pop(): Trip {
    const heap = this.#heap
    const top = heap[0]!
    const last = heap.pop()!
    if (heap.length === 0) return top
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= heap.length) break
      const right = left + 1
      const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left
      if (!before(heap[child]!, last)) break
      heap[i] = heap[child]!
      i = child
    }
    heap[i] = last
    return top
  }
}
