/**
 * Weighted choice of a balancer target: among the targets the caller deems eligible (breaker
 * admits, not ejected), target i is chosen with probability weights[i] / (sum of the eligible
 * weights). A weight of 0 (a drained target) is never chosen.
 *
 * Deterministic: the random number u in [0, 1) is passed in, and picks the target whose share
 * of [0, total) holds u × total, shares laid out in index order, so tests replay a seeded
 * generator and the gateway passes `Math.random()`. Weights are read at each call, never cached:
 * a weight that ops change applies to the very next pick.
 *
 * Failover walks targets in a weighted random order: after a failed attempt the next target is
 * drawn the same way among the eligible targets not yet tried, so each is tried at most once and
 * traffic failing over spreads by weight rather than piling onto one region.
 *
 * Weights are indexed like the caller's target list; `eligible` must give the same answer for
 * an index throughout one call (it is asked twice: once for the total, once to walk).
 */

/**
 * The index chosen for `u`, or -1 when no eligible target has a positive weight.
 * @throws RangeError if u is not in [0, 1) or a weight is negative or not finite.
 */
export const pickWeighted = (weights: ReadonlyArray<number>, u: number, eligible: (index: number) => boolean): number => {
  if (!(u >= 0 && u < 1)) throw new RangeError(`weighted choice: u (${u}) must be in [0, 1)`)
  let total = 0
  for (let i = 0; i < weights.length; i++) {
    const weight = weights[i]!
    if (!(weight >= 0 && weight < Number.POSITIVE_INFINITY)) throw new RangeError(`weighted choice: weight ${i} (${weight}) must be a finite number >= 0`)
    if (weight > 0 && eligible(i)) total += weight
  }
  if (total === 0) return -1
  const x = u * total
  let cumulative = 0
  let last = -1
  for (let i = 0; i < weights.length; i++) {
    const weight = weights[i]!
    if (weight === 0 || !eligible(i)) continue
    cumulative += weight
    if (x < cumulative) return i
    last = i
  }
  // Only rounding can get here (u × total rounding up to total): the last share is the one.
  return last
}

/** One request's failover order: each `next` picks by weight among eligible targets not yet tried. */
export class Failover {
  readonly #tried = new Set<number>()

  /** The next target to try, or -1 when every eligible target of positive weight has been tried. */
  next(weights: ReadonlyArray<number>, u: number, eligible: (index: number) => boolean): number {
    const index = pickWeighted(weights, u, (i) => !this.#tried.has(i) && eligible(i))
    if (index >= 0) this.#tried.add(index)
    return index
  }
}
