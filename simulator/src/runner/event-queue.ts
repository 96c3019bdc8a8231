/**
 * The simulation's agenda: timed events in a binary min-heap, ordered by (time, priority,
 * insertion number). The insertion number makes the order total, so two runs that schedule the
 * same events in the same order pop them in the same order: the runner's determinism rests on it.
 *
 * Priorities say what happens first within one millisecond (runner/simulation.ts lists them).
 * Plain arrays of numbers beside the payloads, no allocation per comparison: the queue sees
 * tens of millions of events on a month's replay.
 */

export class EventQueue<P> {
  #times: Array<number> = []
  #keys: Array<number> = []
  #payloads: Array<P> = []
  #inserted = 0

  get size(): number {
    return this.#times.length
  }

  /** Time of the next event, or +Infinity when empty. */
  get nextTime(): number {
    return this.#times.length === 0 ? Number.POSITIVE_INFINITY : this.#times[0]!
  }

  /** `priority`: small non-negative integer, lower first at equal time. */
  push(time: number, priority: number, payload: P): void {
    // One number holds priority and insertion order: exact while insertions stay below 2^44.
    const key = priority * 2 ** 44 + this.#inserted++
    const times = this.#times, keys = this.#keys, payloads = this.#payloads
    let i = times.length
    times.push(time)
    keys.push(key)
    payloads.push(payload)
    while (i > 0) {
      const parent = (i - 1) >> 1
      const pt = times[parent]!
      if (pt < time || (pt === time && keys[parent]! < key)) break
      times[i] = pt
      keys[i] = keys[parent]!
      payloads[i] = payloads[parent]!
      i = parent
    }
    times[i] = time
    keys[i] = key
    payloads[i] = payload
  }

  /** Removes and returns the next event's payload (its time is `nextTime` before the call). */
  pop(): P | undefined {
    const times = this.#times, keys = this.#keys, payloads = this.#payloads
    const n = times.length
    if (n === 0) return undefined
    const top = payloads[0]!
    const lastTime = times.pop()!, lastKey = keys.pop()!, lastPayload = payloads.pop()!
    if (n === 1) return top
    const size = n - 1
    let i = 0
    for (;;) {
      let child = 2 * i + 1
      if (child >= size) break
      const right = child + 1
      if (right < size && (times[right]! < times[child]! || (times[right] === times[child] && keys[right]! < keys[child]!))) child = right
      const ct = times[child]!
      if (lastTime < ct || (lastTime === ct && lastKey < keys[child]!)) break
      times[i] = ct
      keys[i] = keys[child]!
      payloads[i] = payloads[child]!
      i = child
    }
    times[i] = lastTime
    keys[i] = lastKey
    payloads[i] = lastPayload
    return top
  }
}
