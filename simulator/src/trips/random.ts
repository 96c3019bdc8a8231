/**
 * A small seeded pseudo-random generator, so that a synthetic city is the same city on every
 * machine and every run for a given seed (`Math.random` cannot be seeded).
 *
 * Algorithm: sfc32, Chris Doty-Humphrey's "Small Fast Counting" generator from PractRand
 * (128-bit state, passes PractRand to many terabytes, period at least 2^32 thanks to its
 * counter), in 32-bit integer arithmetic, which JavaScript does exactly. The state is filled
 * from the seed with splitmix32 and the first outputs are discarded, the usual seeding
 * recipe, so that nearby seeds (1, 2, 3) give unrelated sequences. A `stream` number lets one
 * seed drive independent sequences (placing hotspots vs drawing trips).
 *
 * Not for anything security-related.
 */

const GOLDEN_GAMMA = 0x9e3779b9
/** Outputs discarded after seeding, as in PractRand's own sfc32 seeding. */
const WARM_UP_ROUNDS = 12
const TWO_POW_32 = 4_294_967_296

export class SeededRandom {
  #a: number
  #b: number
  #c: number
  #d: number
  /** Box-Muller makes normals in pairs; the second waits here. */
  #spareNormal: number | undefined = undefined

  /** `seed`: an unsigned 32-bit integer (other numbers are reduced modulo 2^32). */
  constructor(seed: number, stream = 0) {
    let s = (seed ^ Math.imul(stream, GOLDEN_GAMMA)) >>> 0
    const splitmix32 = (): number => {
      s = (s + GOLDEN_GAMMA) | 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.#a = splitmix32()
    this.#b = splitmix32()
    this.#c = splitmix32()
    this.#d = 1
    for (let i = 0; i < WARM_UP_ROUNDS; i++) this.nextUint32()
  }

  nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0
    this.#d = (this.#d + 1) | 0
    this.#a = this.#b ^ (this.#b >>> 9)
    this.#b = (this.#c + (this.#c << 3)) | 0
    this.#c = (this.#c << 21) | (this.#c >>> 11)
    this.#c = (this.#c + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / TWO_POW_32
  }

  /** Standard normal (mean 0, sd 1), by the Box-Muller transform. */
  normal(): number {
    const spare = this.#spareNormal
    if (spare !== undefined) {
      this.#spareNormal = undefined
      return spare
    }
    // 1 - next() is in (0, 1]: the logarithm stays finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()))
    const angle = 2 * Math.PI * this.next()
    this.#spareNormal = radius * Math.sin(angle)
    return radius * Math.cos(angle)
  }

  /** Log-normal with the given median and sigma (standard deviation of the logarithm). */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal())
  }
}
